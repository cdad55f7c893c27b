#include "cluster/metadata_image.h"

#include <gtest/gtest.h>

namespace samsa::cluster {
namespace {

topic_metadata topic(std::string name, uint64_t id_bits, int partitions) {
    topic_metadata result{.name = std::move(name), .id = topic_id(uuid(0, id_bits))};
    for (int index = 0; index < partitions; ++index) {
        result.partitions.push_back(partition_metadata{.partition = partition_id(index),
                                                       .leader = node_id(1),
                                                       .replicas = {node_id(1)},
                                                       .isr = {node_id(1)}});
    }
    return result;
}

TEST(MetadataImage, FindsTopicsByNameAndById) {
    metadata_image image("cluster", node_id(1), {}, {topic("orders", 7, 3), topic("audit", 9, 1)});
    ASSERT_NE(image.find_topic("orders"), nullptr);
    EXPECT_EQ(image.find_topic("orders")->partitions.size(), 3u);
    ASSERT_NE(image.find_topic(topic_id(uuid(0, 9))), nullptr);
    EXPECT_EQ(image.find_topic(topic_id(uuid(0, 9)))->name, "audit");
    EXPECT_EQ(image.find_topic("missing"), nullptr);
    EXPECT_EQ(image.find_topic(topic_id(uuid(0, 8))), nullptr);
}

TEST(MetadataImage, ListsTopicsInNameOrder) {
    metadata_image image("cluster", node_id(1), {}, {topic("b", 1, 1), topic("a", 2, 1)});
    std::vector<std::string> names;
    for (const auto& [name, metadata] : image.topics()) {
        names.push_back(name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
}

TEST(MetadataImage, BrokerEndpointsAreFoundByListenerName) {
    broker_registration broker{
        .id = node_id(3),
        .endpoints = {{"PLAINTEXT", "127.0.0.1", 9092}, {"INTERNAL", "10.0.0.3", 9094}}};
    metadata_image image("cluster", node_id(3), {broker}, {});
    const auto* found = image.find_broker(node_id(3));
    ASSERT_NE(found, nullptr);
    ASSERT_NE(found->find_endpoint("INTERNAL"), nullptr);
    EXPECT_EQ(found->find_endpoint("INTERNAL")->port, 9094);
    EXPECT_EQ(found->find_endpoint("SSL"), nullptr);
    EXPECT_EQ(image.find_broker(node_id(4)), nullptr);
}

}  // namespace
}  // namespace samsa::cluster
