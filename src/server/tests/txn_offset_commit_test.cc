// TxnOffsetCommit's handler up to the group coordinator: the answers decided before a
// coordinator is asked (unknown partitions, bad group or producer ids, routing), at v0 and
// v3, and that the registry serves it. The coordinator's part is in
// coordinator/tests/transactional_offsets_test.cc.

#include <gtest/gtest.h>

#include "cluster/metadata_image.h"
#include "protocol/generated/txn_offset_commit_request.h"
#include "protocol/generated/txn_offset_commit_response.h"
#include "server/handler_registry.h"
#include "server/handlers/txn_offset_commit.h"
#include "server/tests/handler_harness.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::txn_offset_commit_request;
using protocol::txn_offset_commit_response;

// "orders" has two partitions on this node (1); __consumer_offsets one.
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
        {.id = node_id(1), .endpoints = {{"PLAINTEXT", "127.0.0.1", 9092}}}};
    return std::make_shared<const cluster::metadata_image>("cluster-a", node_id(1), brokers,
                                                           std::vector{orders, offsets});
}

// Runs the handler on a node without group coordinators (no shard serves groups yet).
txn_offset_commit_response call(const txn_offset_commit_request& request, int16_t version) {
    shard_services services{.metadata = image()};
    connection_info connection{.id = 1, .listener_name = "PLAINTEXT", .peer = "127.0.0.1:5000"};
    api_handler handler = make_txn_offset_commit_handler();
    return call_handler<txn_offset_commit_response>(handler, services, connection, request,
                                                    version);
}

txn_offset_commit_request request_for(std::string group_id) {
    txn_offset_commit_request request;
    request.transactional_id = "txn-1";
    request.group_id = std::move(group_id);
    request.producer_id = producer_id(7);
    request.producer_epoch = producer_epoch(0);
    auto& orders = request.topics.emplace_back();
    orders.name = "orders";
    orders.partitions.push_back(
        {.partition_index = partition_id(0), .committed_offset = offset(10)});
    orders.partitions.push_back(
        {.partition_index = partition_id(5), .committed_offset = offset(11)});
    auto& missing = request.topics.emplace_back();
    missing.name = "missing";
    missing.partitions.push_back(
        {.partition_index = partition_id(0), .committed_offset = offset(12)});
    return request;
}

// The error of each partition of the response, in order.
std::vector<std::pair<std::string, error_code>> errors(const txn_offset_commit_response& response) {
    std::vector<std::pair<std::string, error_code>> found;
    for (const auto& topic : response.topics) {
        for (const auto& partition : topic.partitions) {
            found.emplace_back(topic.name + "-" + std::to_string(partition.partition_index.value()),
                               partition.error_code);
        }
    }
    return found;
}

using expected_errors = std::vector<std::pair<std::string, error_code>>;

TEST(TxnOffsetCommit, UnknownPartitionsAreRefusedAndTheRestAwaitACoordinator) {
    for (int16_t version : {0, 3}) {
        auto response = call(request_for("billing"), version);
        EXPECT_EQ(errors(response),
                  (expected_errors{{"orders-0", error_code::coordinator_not_available},
                                   {"orders-5", error_code::unknown_topic_or_partition},
                                   {"missing-0", error_code::unknown_topic_or_partition}}))
            << "version " << version;
    }
}

TEST(TxnOffsetCommit, EmptyGroupIdIsInvalid) {
    auto response = call(request_for(""), 3);
    EXPECT_EQ(errors(response),
              (expected_errors{{"orders-0", error_code::invalid_group_id},
                               {"orders-5", error_code::unknown_topic_or_partition},
                               {"missing-0", error_code::unknown_topic_or_partition}}));
}

TEST(TxnOffsetCommit, NegativeProducerIdOrEpochCannotCommitTransactionally) {
    txn_offset_commit_request no_producer = request_for("billing");
    no_producer.producer_id = producer_id(-1);
    EXPECT_EQ(errors(call(no_producer, 2))[0].second, error_code::invalid_producer_id_mapping);

    txn_offset_commit_request no_epoch = request_for("billing");
    no_epoch.producer_epoch = producer_epoch(-1);
    EXPECT_EQ(errors(call(no_epoch, 2))[0].second, error_code::invalid_producer_epoch);
}

TEST(TxnOffsetCommit, OnlyUnknownPartitionsNeedNoCoordinator) {
    txn_offset_commit_request request = request_for("");
    request.topics.erase(request.topics.begin());
    EXPECT_EQ(errors(call(request, 1)),
              (expected_errors{{"missing-0", error_code::unknown_topic_or_partition}}));
}

TEST(TxnOffsetCommit, RegistryServesEveryVersion) {
    handler_registry registry = make_default_handler_registry();
    const api_handler* handler = registry.find(28);
    ASSERT_NE(handler, nullptr);
    EXPECT_EQ(handler->min_version, 0);
    EXPECT_EQ(handler->max_version, 3);
}

}  // namespace
}  // namespace samsa::server::handlers
