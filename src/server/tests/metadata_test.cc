#include "server/handlers/metadata.h"

#include <gtest/gtest.h>

#include "protocol/acl_operation.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::metadata_request;

cluster::metadata_image two_brokers_one_topic() {
    std::vector<cluster::broker_registration> brokers{
        {.id = node_id(1), .endpoints = {{"PLAINTEXT", "127.0.0.1", 9092}}, .rack = "r1"},
        {.id = node_id(2), .endpoints = {{"INTERNAL", "10.0.0.2", 9093}}},
    };
    cluster::topic_metadata orders{.name = "orders", .id = topic_id(uuid(1, 2))};
    orders.partitions.push_back({.partition = partition_id(0),
                                 .leader = node_id(1),
                                 .epoch = leader_epoch(4),
                                 .replicas = {node_id(1), node_id(2)},
                                 .isr = {node_id(1)}});
    orders.partitions.push_back({.partition = partition_id(1), .leader = node_id(2)});
    orders.partitions.push_back({.partition = partition_id(2), .leader = node_id(-1)});
    return cluster::metadata_image("cluster-a", node_id(1), brokers, {orders});
}

metadata_request request_for(std::vector<std::string> names) {
    metadata_request request;
    request.topics.emplace();
    for (auto& name : names) {
        request.topics->push_back({.name = std::move(name)});
    }
    return request;
}

TEST(Metadata, ListsOnlyBrokersReachableOnTheRequestListener) {
    auto image = two_brokers_one_topic();
    auto response = build_metadata_response(request_for({}), 12, image, "PLAINTEXT", {});
    ASSERT_EQ(response.brokers.size(), 1u);
    EXPECT_EQ(response.brokers[0].node_id, node_id(1));
    EXPECT_EQ(response.brokers[0].host, "127.0.0.1");
    EXPECT_EQ(response.brokers[0].port, 9092);
    EXPECT_EQ(response.brokers[0].rack, "r1");
    EXPECT_EQ(response.cluster_id, "cluster-a");
    EXPECT_EQ(response.controller_id, node_id(1));
}

TEST(Metadata, NullTopicsMeansAllButEmptyMeansNoneFromV1) {
    auto image = two_brokers_one_topic();
    metadata_request all;
    all.topics.reset();
    EXPECT_EQ(build_metadata_response(all, 1, image, "PLAINTEXT", {}).topics.size(), 1u);
    EXPECT_TRUE(build_metadata_response(request_for({}), 1, image, "PLAINTEXT", {}).topics.empty());
    EXPECT_EQ(build_metadata_response(request_for({}), 0, image, "PLAINTEXT", {}).topics.size(),
              1u);
}

TEST(Metadata, PartitionsReportLeadersAndTheirTrouble) {
    auto image = two_brokers_one_topic();
    auto response = build_metadata_response(request_for({"orders"}), 12, image, "PLAINTEXT", {});
    ASSERT_EQ(response.topics.size(), 1u);
    const auto& topic = response.topics[0];
    EXPECT_EQ(topic.error_code, error_code::none);
    EXPECT_EQ(topic.topic_id, topic_id(uuid(1, 2)));
    ASSERT_EQ(topic.partitions.size(), 3u);
    EXPECT_EQ(topic.partitions[0].error_code, error_code::none);
    EXPECT_EQ(topic.partitions[0].leader_id, node_id(1));
    EXPECT_EQ(topic.partitions[0].leader_epoch, leader_epoch(4));
    EXPECT_EQ(topic.partitions[0].replica_nodes, (std::vector<node_id>{node_id(1), node_id(2)}));
    EXPECT_EQ(topic.partitions[1].error_code, error_code::listener_not_found);
    EXPECT_EQ(topic.partitions[1].leader_id, node_id(-1));
    EXPECT_EQ(topic.partitions[2].error_code, error_code::leader_not_available);
}

TEST(Metadata, UnknownTopicsAreReportedOnceEach) {
    auto image = two_brokers_one_topic();
    auto response =
        build_metadata_response(request_for({"nope", "nope", "orders"}), 5, image, "PLAINTEXT", {});
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].name, "nope");
    EXPECT_EQ(response.topics[0].error_code, error_code::unknown_topic_or_partition);
    EXPECT_EQ(response.topics[1].name, "orders");
}

TEST(Metadata, AutoCreationAppliesOnlyWhenBothConfigAndRequestAllowIt) {
    auto image = two_brokers_one_topic();
    auto request = request_for({"new-topic", "orders", "__consumer_offsets", "new-topic"});
    EXPECT_EQ(topics_to_auto_create(request, 4, image, true),
              (std::vector<std::string>{"new-topic"}));
    EXPECT_TRUE(topics_to_auto_create(request, 4, image, false).empty());
    request.allow_auto_topic_creation = false;
    EXPECT_TRUE(topics_to_auto_create(request, 4, image, true).empty());
    // Before v4 the request cannot refuse.
    EXPECT_EQ(topics_to_auto_create(request, 3, image, true).size(), 1u);
}

TEST(Metadata, AutoCreatedTopicsCarryTheCreatorsAnswer) {
    auto image = two_brokers_one_topic();
    auto response = build_metadata_response(request_for({"new-topic"}), 9, image, "PLAINTEXT",
                                            {{"new-topic", error_code::leader_not_available}});
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].error_code, error_code::leader_not_available);
}

TEST(Metadata, TopicIdsAreServedFromV12) {
    auto image = two_brokers_one_topic();
    metadata_request by_id;
    by_id.topics.emplace();
    by_id.topics->push_back({.topic_id = topic_id(uuid(1, 2)), .name = std::nullopt});
    by_id.topics->push_back({.topic_id = topic_id(uuid(7, 7)), .name = std::nullopt});
    auto response = build_metadata_response(by_id, 12, image, "PLAINTEXT", {});
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].name, "orders");
    EXPECT_EQ(response.topics[1].error_code, error_code::unknown_topic_id);
    EXPECT_EQ(response.topics[1].name, std::nullopt);

    auto before = build_metadata_response(by_id, 11, image, "PLAINTEXT", {});
    ASSERT_EQ(before.topics.size(), 2u);
    EXPECT_EQ(before.topics[0].error_code, error_code::invalid_request);
    EXPECT_EQ(before.topics[0].name, "");
    EXPECT_TRUE(before.brokers.empty());
}

TEST(Metadata, AuthorizedOperationsOnlyWhenAskedFor) {
    auto image = two_brokers_one_topic();
    auto request = request_for({"orders"});
    auto plain = build_metadata_response(request, 10, image, "PLAINTEXT", {});
    EXPECT_EQ(plain.topics[0].topic_authorized_operations, INT32_MIN);
    EXPECT_EQ(plain.cluster_authorized_operations, INT32_MIN);
    request.include_topic_authorized_operations = true;
    request.include_cluster_authorized_operations = true;
    auto asked = build_metadata_response(request, 10, image, "PLAINTEXT", {});
    EXPECT_EQ(asked.topics[0].topic_authorized_operations,
              protocol::all_topic_operations_bitfield());
    EXPECT_EQ(asked.cluster_authorized_operations, protocol::all_cluster_operations_bitfield());
    // READ(3) WRITE(4) CREATE(5) DELETE(6) ALTER(7) DESCRIBE(8) DESCRIBE_CONFIGS(10)
    // ALTER_CONFIGS(11), as Kafka reports with no authorizer.
    EXPECT_EQ(protocol::all_topic_operations_bitfield(), 0b1101'1111'1000);
}

}  // namespace
}  // namespace samsa::server::handlers
