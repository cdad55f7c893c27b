// DescribeCluster, ElectLeaders, Alter/ListPartitionReassignments and DescribeProducers,
// driven through their api_handler with encoded requests against a metadata image. No
// sockets and no storage: the handler coroutine runs on a local io_context.

#include <gtest/gtest.h>

#include "cluster/metadata_image.h"
#include "protocol/acl_operation.h"
#include "protocol/generated/describe_producers_request.h"
#include "protocol/generated/describe_producers_response.h"
#include "server/handlers/describe_cluster.h"
#include "server/handlers/describe_producers.h"
#include "server/handlers/elect_leaders.h"
#include "server/handlers/partition_reassignments.h"
#include "server/tests/handler_harness.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;

// Broker 1 (this node) on PLAINTEXT and INTERNAL, broker 2 fenced, broker 3 only on INTERNAL;
// "orders" has two partitions led by their preferred replica, "__consumer_offsets" one.
cluster::metadata_image_ptr image() {
    cluster::topic_metadata orders{.name = "orders", .id = topic_id(uuid(1, 1))};
    for (int index = 0; index < 2; ++index) {
        orders.partitions.push_back({.partition = partition_id(index),
                                     .leader = node_id(1),
                                     .replicas = {node_id(1)},
                                     .isr = {node_id(1)}});
    }
    cluster::topic_metadata offsets{
        .name = "__consumer_offsets", .id = topic_id(uuid(2, 2)), .internal = true};
    offsets.partitions.push_back({.partition = partition_id(0),
                                  .leader = node_id(1),
                                  .replicas = {node_id(1)},
                                  .isr = {node_id(1)}});
    std::vector<cluster::broker_registration> brokers{
        {.id = node_id(1),
         .endpoints = {{"PLAINTEXT", "127.0.0.1", 9092}, {"INTERNAL", "10.0.0.1", 9093}},
         .rack = "r1"},
        {.id = node_id(2), .endpoints = {{"PLAINTEXT", "127.0.0.2", 9092}}, .fenced = true},
        {.id = node_id(3), .endpoints = {{"INTERNAL", "10.0.0.3", 9093}}}};
    return std::make_shared<const cluster::metadata_image>("cluster-a", node_id(1), brokers,
                                                           std::vector{orders, offsets});
}

// Runs the handler against image() on a PLAINTEXT connection.
template <typename Response, typename Request>
Response call(const api_handler& handler, const Request& request, int16_t version) {
    shard_services services{.metadata = image()};
    connection_info connection{.id = 1, .listener_name = "PLAINTEXT", .peer = "127.0.0.1:5000"};
    return call_handler<Response>(handler, services, connection, request, version);
}

// DescribeCluster

TEST(DescribeCluster, ListsTheUnfencedBrokersOfTheRequestListener) {
    protocol::describe_cluster_request request;
    auto response =
        call<protocol::describe_cluster_response>(make_describe_cluster_handler(), request, 1);
    EXPECT_EQ(response.error_code, error_code::none);
    EXPECT_FALSE(response.error_message.has_value());
    EXPECT_EQ(response.endpoint_type, 1);
    EXPECT_EQ(response.cluster_id, "cluster-a");
    EXPECT_EQ(response.controller_id, node_id(1));
    ASSERT_EQ(response.brokers.size(), 1u);
    EXPECT_EQ(response.brokers[0].broker_id, node_id(1));
    EXPECT_EQ(response.brokers[0].host, "127.0.0.1");
    EXPECT_EQ(response.brokers[0].port, 9092);
    EXPECT_EQ(response.brokers[0].rack, "r1");
    EXPECT_EQ(response.cluster_authorized_operations, INT32_MIN);
}

TEST(DescribeCluster, AuthorizedOperationsAreEveryClusterOperationWhenAsked) {
    protocol::describe_cluster_request request{.include_cluster_authorized_operations = true};
    auto response =
        call<protocol::describe_cluster_response>(make_describe_cluster_handler(), request, 0);
    EXPECT_EQ(response.cluster_authorized_operations, protocol::all_cluster_operations_bitfield());
}

TEST(DescribeCluster, ControllerEndpointsAreAMismatchAndUnknownTypesUnsupported) {
    protocol::describe_cluster_request controllers{.endpoint_type = 2};
    auto mismatched = build_describe_cluster_response(controllers, 1, *image(), "PLAINTEXT");
    EXPECT_EQ(mismatched.error_code, error_code::mismatched_endpoint_type);
    EXPECT_EQ(mismatched.error_message,
              "The request was sent to an endpoint of type BROKER, but we wanted an endpoint "
              "of type CONTROLLER");
    EXPECT_TRUE(mismatched.brokers.empty());
    EXPECT_EQ(mismatched.cluster_id, "");

    protocol::describe_cluster_request unknown{.endpoint_type = 7};
    auto unsupported = build_describe_cluster_response(unknown, 1, *image(), "PLAINTEXT");
    EXPECT_EQ(unsupported.error_code, error_code::unsupported_endpoint_type);
    EXPECT_EQ(unsupported.error_message, "Unsupported endpoint type 7");
    EXPECT_EQ(build_describe_cluster_response(unknown, 0, *image(), "PLAINTEXT").error_code,
              error_code::invalid_request);
}

TEST(DescribeCluster, AControllerNotListedOnTheListenerIsMinusOne) {
    protocol::describe_cluster_request request;
    auto response = build_describe_cluster_response(request, 1, *image(), "OTHER");
    EXPECT_TRUE(response.brokers.empty());
    EXPECT_EQ(response.controller_id, node_id(-1));
}

// ElectLeaders

protocol::elect_leaders_request elect_request(int8_t type) {
    protocol::elect_leaders_request request{.election_type = type};
    request.topic_partitions.emplace();
    request.topic_partitions->push_back(
        {.topic = "orders", .partitions = {partition_id(0), partition_id(5), partition_id(-1)}});
    request.topic_partitions->push_back({.topic = "missing", .partitions = {partition_id(0)}});
    return request;
}

TEST(ElectLeaders, PreferredLeadersNeedNoElectionAndUnknownsAreNamed) {
    for (int8_t type : {int8_t{0}, int8_t{1}}) {
        auto response = call<protocol::elect_leaders_response>(make_elect_leaders_handler(),
                                                               elect_request(type), 2);
        EXPECT_EQ(response.error_code, error_code::none);
        ASSERT_EQ(response.replica_election_results.size(), 2u);
        const auto& orders = response.replica_election_results[0].partition_result;
        ASSERT_EQ(orders.size(), 3u);
        EXPECT_EQ(orders[0].error_code, error_code::election_not_needed);
        EXPECT_EQ(orders[0].error_message, "Leader election not needed for topic partition.");
        EXPECT_EQ(orders[1].error_code, error_code::unknown_topic_or_partition);
        EXPECT_EQ(orders[1].error_message, "No such partition as orders-5");
        EXPECT_EQ(orders[2].error_message, "No such partition as orders--1");
        const auto& missing = response.replica_election_results[1];
        EXPECT_EQ(missing.topic, "missing");
        ASSERT_EQ(missing.partition_result.size(), 1u);
        EXPECT_EQ(missing.partition_result[0].error_message, "No such topic as missing");
    }
}

TEST(ElectLeaders, AnUnknownElectionTypeFailsEveryPartition) {
    auto response =
        call<protocol::elect_leaders_response>(make_elect_leaders_handler(), elect_request(5), 1);
    EXPECT_EQ(response.error_code, error_code::invalid_request);
    ASSERT_EQ(response.replica_election_results.size(), 2u);
    for (const auto& topic : response.replica_election_results) {
        for (const auto& partition : topic.partition_result) {
            EXPECT_EQ(partition.error_code, error_code::invalid_request);
            EXPECT_EQ(partition.error_message, "Unknown election type 5");
        }
    }
}

TEST(ElectLeaders, AllPartitionsListsEveryTopicWithoutTheUnneededElections) {
    protocol::elect_leaders_request request;  // null topic_partitions
    auto response = build_elect_leaders_response(request, *image());
    ASSERT_EQ(response.replica_election_results.size(), 2u);
    EXPECT_EQ(response.replica_election_results[0].topic, "__consumer_offsets");
    EXPECT_EQ(response.replica_election_results[1].topic, "orders");
    for (const auto& topic : response.replica_election_results) {
        EXPECT_TRUE(topic.partition_result.empty());
    }
}

// AlterPartitionReassignments and ListPartitionReassignments

protocol::alter_partition_reassignments_request reassign(
    std::string topic, int partition, std::optional<std::vector<node_id>> replicas) {
    protocol::alter_partition_reassignments_request request;
    request.topics.push_back(
        {.name = std::move(topic),
         .partitions = {{.partition_index = partition_id(partition), .replicas = replicas}}});
    return request;
}

std::pair<error_code, std::optional<std::string>> reassign_one(
    std::string topic, int partition, std::optional<std::vector<node_id>> replicas) {
    auto response = call<protocol::alter_partition_reassignments_response>(
        make_alter_partition_reassignments_handler(),
        reassign(std::move(topic), partition, std::move(replicas)), 0);
    EXPECT_EQ(response.error_code, error_code::none);
    EXPECT_FALSE(response.error_message.has_value());
    EXPECT_EQ(response.responses.size(), 1u);
    if (response.responses.size() != 1 || response.responses[0].partitions.size() != 1) {
        return {error_code::unknown_server_error, std::nullopt};
    }
    const auto& answer = response.responses[0].partitions[0];
    EXPECT_EQ(answer.partition_index, partition_id(partition));
    return {answer.error_code, answer.error_message};
}

TEST(AlterPartitionReassignments, TheCurrentReplicasCompleteAtOnce) {
    auto [error, message] = reassign_one("orders", 1, std::vector{node_id(1)});
    EXPECT_EQ(error, error_code::none);
    EXPECT_FALSE(message.has_value());
}

TEST(AlterPartitionReassignments, InvalidTargetsAreRefusedWithKafkasMessages) {
    using replicas = std::vector<node_id>;
    EXPECT_EQ(reassign_one("orders", 0, replicas{}),
              std::pair(error_code::invalid_replica_assignment,
                        std::optional<std::string>(
                            "The manual partition assignment includes an empty replica list.")));
    EXPECT_EQ(reassign_one("orders", 0, replicas{node_id(7), node_id(1), node_id(4)}).second,
              "The manual partition assignment includes broker 4, but no such broker is "
              "registered.");
    EXPECT_EQ(reassign_one("orders", 0, replicas{node_id(1), node_id(1)}).second,
              "The manual partition assignment includes the broker 1 more than once.");
    EXPECT_EQ(reassign_one("orders", 0, replicas{node_id(1), node_id(3)}).first,
              error_code::invalid_replica_assignment);
}

TEST(AlterPartitionReassignments, UnknownTopicsAndPartitionsAreNamed) {
    EXPECT_EQ(reassign_one("missing", 0, std::vector{node_id(1)}),
              std::pair(error_code::unknown_topic_or_partition,
                        std::optional<std::string>("Unable to find a topic named missing.")));
    EXPECT_EQ(reassign_one("orders", 2, std::vector{node_id(1)}).second,
              "Unable to find partition orders:2.");
    EXPECT_EQ(reassign_one("orders", -1, std::nullopt).second,
              "Unable to find partition orders:-1.");
}

TEST(AlterPartitionReassignments, CancellingWithNothingOngoingIsNoReassignmentInProgress) {
    EXPECT_EQ(reassign_one("orders", 0, std::nullopt),
              std::pair(error_code::no_reassignment_in_progress,
                        std::optional<std::string>("No partition reassignment is in progress.")));
}

TEST(ListPartitionReassignments, NothingIsOngoing) {
    protocol::list_partition_reassignments_request all;
    auto response = call<protocol::list_partition_reassignments_response>(
        make_list_partition_reassignments_handler(), all, 0);
    EXPECT_EQ(response.error_code, error_code::none);
    EXPECT_FALSE(response.error_message.has_value());
    EXPECT_TRUE(response.topics.empty());

    protocol::list_partition_reassignments_request some;
    some.topics.emplace();
    some.topics->push_back({.name = "orders", .partition_indexes = {partition_id(0)}});
    some.topics->push_back({.name = "missing", .partition_indexes = {partition_id(0)}});
    EXPECT_TRUE(build_list_partition_reassignments_response(some, *image()).topics.empty());
}

// DescribeProducers

TEST(DescribeProducers, TopicErrorsCarryKafkasMessagesPartitionErrorsNone) {
    protocol::describe_producers_request request;
    request.topics.push_back({.name = "bad name", .partition_indexes = {partition_id(0)}});
    request.topics.push_back({.name = "missing", .partition_indexes = {partition_id(0)}});
    request.topics.push_back({.name = "", .partition_indexes = {partition_id(3)}});
    // Known topic, but this test hosts no partitions: unknown here, without a message.
    request.topics.push_back({.name = "orders", .partition_indexes = {partition_id(0)}});
    auto response =
        call<protocol::describe_producers_response>(make_describe_producers_handler(), request, 0);
    ASSERT_EQ(response.topics.size(), 4u);
    const auto& bad = response.topics[0].partitions.at(0);
    EXPECT_EQ(bad.error_code, error_code::invalid_topic_exception);
    EXPECT_EQ(bad.error_message,
              "Topic name \"bad name\" is illegal, it contains a character other than ASCII "
              "alphanumerics, '.', '_' and '-'");
    const auto& missing = response.topics[1].partitions.at(0);
    EXPECT_EQ(missing.error_code, error_code::unknown_topic_or_partition);
    EXPECT_EQ(missing.error_message, "This server does not host this topic-partition.");
    const auto& empty = response.topics[2].partitions.at(0);
    EXPECT_EQ(empty.partition_index, partition_id(3));
    EXPECT_EQ(empty.error_message, "Topic name is illegal, it can't be empty");
    const auto& orders = response.topics[3].partitions.at(0);
    EXPECT_EQ(orders.error_code, error_code::unknown_topic_or_partition);
    EXPECT_FALSE(orders.error_message.has_value());
    EXPECT_TRUE(orders.active_producers.empty());
}

}  // namespace
}  // namespace samsa::server::handlers
