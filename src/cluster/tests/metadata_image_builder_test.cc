#include "cluster/metadata_image_builder.h"

#include <gtest/gtest.h>

#include <vector>

#include "cluster/metadata_batch.h"

namespace samsa::cluster {
namespace {

const topic_id orders_id(uuid(1, 100));
const topic_id audit_id(uuid(1, 200));

std::vector<node_id> nodes(std::initializer_list<int32_t> ids) {
    std::vector<node_id> result;
    for (int32_t id : ids) {
        result.emplace_back(id);
    }
    return result;
}

metadata_record broker(int32_t id, bool fenced = false) {
    return make_metadata_record(
        protocol::register_broker_record{.broker_id = node_id(id),
                                         .incarnation_id = uuid(9, static_cast<uint64_t>(id)),
                                         .broker_epoch = 100 + id,
                                         .end_points = {{.name = "PLAINTEXT",
                                                         .host = "10.0.0." + std::to_string(id),
                                                         .port = 9092,
                                                         .security_protocol = 0}},
                                         .rack = std::nullopt,
                                         .fenced = fenced});
}

metadata_record topic(std::string name, const topic_id& id) {
    return make_metadata_record(protocol::topic_record{.name = std::move(name), .topic_id = id});
}

// Partition `index` on brokers 1, 2, 3 rotated by index, led by the first, all in sync:
// what a controller writes for a new partition.
metadata_record partition(const topic_id& id, int32_t index) {
    std::vector<int32_t> replicas;
    for (int32_t n = 0; n < 3; ++n) {
        replicas.push_back(1 + (index + n) % 3);
    }
    std::vector<node_id> replica_nodes;
    for (int32_t replica : replicas) {
        replica_nodes.emplace_back(replica);
    }
    return make_metadata_record(protocol::partition_record{.partition_id = partition_id(index),
                                                           .topic_id = id,
                                                           .replicas = replica_nodes,
                                                           .isr = replicas,
                                                           .leader = replica_nodes.front(),
                                                           .leader_epoch = leader_epoch(0),
                                                           .partition_epoch = 0});
}

metadata_record change(protocol::partition_change_record record) {
    return make_metadata_record(std::move(record));
}

metadata_record topic_config(std::string topic, std::string name,
                             std::optional<std::string> value) {
    return make_metadata_record(protocol::config_record{.resource_type = 2,
                                                        .resource_name = std::move(topic),
                                                        .name = std::move(name),
                                                        .value = std::move(value)});
}

metadata_record remove_topic(const topic_id& id) {
    return make_metadata_record(protocol::remove_topic_record{.topic_id = id});
}

metadata_record feature(std::string name, int16_t level) {
    return make_metadata_record(
        protocol::feature_level_record{.name = std::move(name), .feature_level = level});
}

// What a new single-node cluster's log starts with, then orders with three partitions.
std::vector<metadata_record> bootstrap_and_create_orders() {
    return {feature("metadata.version", 21),
            broker(1),
            broker(2),
            broker(3),
            topic("orders", orders_id),
            partition(orders_id, 0),
            partition(orders_id, 1),
            partition(orders_id, 2)};
}

metadata_image_ptr built(const metadata_image& base, std::span<const metadata_record> records) {
    metadata_image_builder builder(base);
    auto applied = builder.apply(records);
    EXPECT_TRUE(applied.has_value()) << to_string(applied.error());
    return std::move(builder).build();
}

metadata_image_ptr built_from_empty(std::span<const metadata_record> records) {
    metadata_image_builder builder("cluster-a", node_id(1));
    auto applied = builder.apply(records);
    EXPECT_TRUE(applied.has_value()) << to_string(applied.error());
    return std::move(builder).build();
}

metadata_image_error error_applying(const metadata_image& base, const metadata_record& record) {
    metadata_image_builder builder(base);
    auto applied = builder.apply(record);
    EXPECT_FALSE(applied.has_value()) << record_type_name(record) << " was applied";
    return applied ? metadata_image_error::unknown_topic_id : applied.error();
}

const partition_metadata& partition_of(const metadata_image& image, std::string_view name,
                                       int32_t index) {
    const topic_metadata* found = image.find_topic(name);
    EXPECT_NE(found, nullptr) << name;
    return found->partitions.at(static_cast<std::size_t>(index));
}

TEST(MetadataImageBuilder, EmptyBuilderBuildsTheEmptyImage) {
    auto image = metadata_image_builder("cluster-a", node_id(1)).build();
    EXPECT_EQ(image->cluster_id(), "cluster-a");
    EXPECT_EQ(image->controller_id(), node_id(1));
    EXPECT_TRUE(image->brokers().empty());
    EXPECT_TRUE(image->topics().empty());
    EXPECT_TRUE(image->topic_configs().empty());
    EXPECT_TRUE(image->features().empty());
    EXPECT_EQ(image->metadata_version(), std::nullopt);
    EXPECT_EQ(image->provenance(), metadata_provenance{});
}

TEST(MetadataImageBuilder, RegisterBrokerRecordAddsTheBrokerAsRecorded) {
    auto image = built_from_empty(std::vector{broker(2, /*fenced=*/true)});
    const broker_registration* found = image->find_broker(node_id(2));
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found,
              (broker_registration{.id = node_id(2),
                                   .endpoints = {{.listener_name = "PLAINTEXT",
                                                  .host = "10.0.0.2",
                                                  .port = 9092,
                                                  .protocol = security_protocol::plaintext}},
                                   .rack = std::nullopt,
                                   .fenced = true,
                                   .broker_epoch = 102,
                                   .incarnation_id = uuid(9, 2)}));
}

TEST(MetadataImageBuilder, RegisteringABrokerAgainReplacesItsRegistration) {
    auto fenced = built_from_empty(std::vector{broker(2, true)});
    auto unfenced = built(*fenced, std::vector{broker(2, false)});
    EXPECT_EQ(unfenced->brokers().size(), 1u);
    EXPECT_FALSE(unfenced->find_broker(node_id(2))->fenced);
}

TEST(MetadataImageBuilder, TopicWithThreePartitionsThenLeaderChangeConfigAndDeletion) {
    // Step 1: create orders with three partitions.
    auto created = built_from_empty(bootstrap_and_create_orders());
    const topic_metadata* orders = created->find_topic("orders");
    ASSERT_NE(orders, nullptr);
    EXPECT_EQ(orders->id, orders_id);
    EXPECT_FALSE(orders->internal);
    EXPECT_EQ(created->find_topic(orders_id), orders);
    ASSERT_EQ(orders->partitions.size(), 3u);
    EXPECT_EQ(orders->partitions[1], (partition_metadata{.partition = partition_id(1),
                                                         .leader = node_id(2),
                                                         .epoch = leader_epoch(0),
                                                         .replicas = nodes({2, 3, 1}),
                                                         .isr = nodes({2, 3, 1}),
                                                         .partition_epoch = 0}));
    EXPECT_EQ(created->metadata_version(), 21);
    EXPECT_EQ(created->brokers().size(), 3u);

    // Step 2: broker 2 leaves the ISR of partition 1 and broker 3 takes over.
    auto led = built(*created, std::vector{change({.partition_id = partition_id(1),
                                                   .topic_id = orders_id,
                                                   .isr = nodes({3, 1}),
                                                   .leader = node_id(3)})});
    const partition_metadata& moved = partition_of(*led, "orders", 1);
    EXPECT_EQ(moved.leader, node_id(3));
    EXPECT_EQ(moved.epoch, leader_epoch(1));
    EXPECT_EQ(moved.partition_epoch, 1);
    EXPECT_EQ(moved.isr, nodes({3, 1}));
    EXPECT_EQ(moved.replicas, nodes({2, 3, 1}));
    EXPECT_EQ(partition_of(*led, "orders", 0), partition_of(*created, "orders", 0));

    // Step 3: a retention config for orders.
    auto configured = built(*led, std::vector{topic_config("orders", "retention.ms", "3600000")});
    ASSERT_NE(configured->find_topic_configs("orders"), nullptr);
    EXPECT_EQ(*configured->find_topic_configs("orders"), (config_map{{"retention.ms", "3600000"}}));
    EXPECT_EQ(configured->topics(), led->topics());

    // Step 4: delete orders; its partitions and configs go with it.
    auto deleted = built(*configured, std::vector{remove_topic(orders_id)});
    EXPECT_EQ(deleted->find_topic("orders"), nullptr);
    EXPECT_EQ(deleted->find_topic(orders_id), nullptr);
    EXPECT_TRUE(deleted->topics().empty());
    EXPECT_EQ(deleted->find_topic_configs("orders"), nullptr);
    EXPECT_EQ(deleted->brokers(), configured->brokers());
}

TEST(MetadataImageBuilder, ApplyingRecordsLeavesTheBaseImageUnchanged) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    const metadata_image snapshot = *base;
    auto next = built(*base, std::vector{change({.partition_id = partition_id(0),
                                                 .topic_id = orders_id,
                                                 .isr = nodes({1}),
                                                 .leader = node_id(1)}),
                                         topic_config("orders", "cleanup.policy", "compact"),
                                         broker(4), remove_topic(orders_id)});
    EXPECT_EQ(*base, snapshot);
    EXPECT_NE(*next, *base);
    EXPECT_NE(base->find_topic("orders"), nullptr);
    EXPECT_EQ(base->find_broker(node_id(4)), nullptr);
}

TEST(MetadataImageBuilder, ReplayingTheSameRecordsFromEmptyGivesAnEqualImage) {
    std::vector<metadata_record> log = bootstrap_and_create_orders();
    log.push_back(
        change({.partition_id = partition_id(2), .topic_id = orders_id, .leader = node_id(-1)}));
    log.push_back(topic_config("orders", "retention.ms", "1000"));
    log.push_back(topic("audit", audit_id));
    log.push_back(partition(audit_id, 0));
    log.push_back(make_metadata_record(protocol::no_op_record{}));
    auto first = built_from_empty(log);
    auto second = built_from_empty(log);
    EXPECT_EQ(*first, *second);

    // And applying the log in two parts gives the same image as applying it at once.
    std::span<const metadata_record> all(log);
    auto half = built_from_empty(all.first(6));
    auto rest = built(*half, all.subspan(6));
    EXPECT_EQ(*rest, *first);
}

TEST(MetadataImageBuilder, AbsentFieldsOfAPartitionChangeAreUnchanged) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    auto next =
        built(*base,
              std::vector{change(
                  {.partition_id = partition_id(0), .topic_id = orders_id, .isr = nodes({1, 2})})});
    const partition_metadata& changed = partition_of(*next, "orders", 0);
    EXPECT_EQ(changed.isr, nodes({1, 2}));
    EXPECT_EQ(changed.leader, node_id(1));
    EXPECT_EQ(changed.replicas, nodes({1, 2, 3}));
    // An ISR change is no leader change: only the partition epoch moves.
    EXPECT_EQ(changed.epoch, leader_epoch(0));
    EXPECT_EQ(changed.partition_epoch, 1);
    EXPECT_EQ(changed.recovery_state, leader_recovery_state::recovered);
}

TEST(MetadataImageBuilder, LosingTheLeaderStartsANewLeaderEpoch) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    auto next = built(*base, std::vector{change({.partition_id = partition_id(0),
                                                 .topic_id = orders_id,
                                                 .leader = node_id(-1)})});
    const partition_metadata& offline = partition_of(*next, "orders", 0);
    EXPECT_EQ(offline.leader, node_id(-1));
    EXPECT_EQ(offline.epoch, leader_epoch(1));
    EXPECT_EQ(offline.partition_epoch, 1);
}

TEST(MetadataImageBuilder, PartitionChangeSetsReplicasReassignmentAndRecoveryState) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    auto next = built(*base, std::vector{change({.partition_id = partition_id(0),
                                                 .topic_id = orders_id,
                                                 .leader = node_id(4),
                                                 .replicas = nodes({1, 2, 3, 4}),
                                                 .removing_replicas = nodes({1}),
                                                 .adding_replicas = nodes({4}),
                                                 .leader_recovery_state = 1})});
    const partition_metadata& changed = partition_of(*next, "orders", 0);
    EXPECT_EQ(changed.replicas, nodes({1, 2, 3, 4}));
    EXPECT_EQ(changed.removing_replicas, nodes({1}));
    EXPECT_EQ(changed.adding_replicas, nodes({4}));
    EXPECT_EQ(changed.recovery_state, leader_recovery_state::recovering);
    EXPECT_EQ(changed.isr, nodes({1, 2, 3}));
}

TEST(MetadataImageBuilder, PartitionRecordReplacesAnExistingPartitionWhole) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    auto replaced = make_metadata_record(protocol::partition_record{.partition_id = partition_id(1),
                                                                    .topic_id = orders_id,
                                                                    .replicas = nodes({3}),
                                                                    .isr = {3},
                                                                    .leader = node_id(3),
                                                                    .leader_epoch = leader_epoch(5),
                                                                    .partition_epoch = 8});
    auto next = built(*base, std::vector{replaced});
    const partition_metadata& found = partition_of(*next, "orders", 1);
    EXPECT_EQ(found.replicas, nodes({3}));
    EXPECT_EQ(found.epoch, leader_epoch(5));
    EXPECT_EQ(found.partition_epoch, 8);
    EXPECT_EQ(next->find_topic("orders")->partitions.size(), 3u);
}

TEST(MetadataImageBuilder, NullConfigValueDeletesTheConfigAndAnEmptyResourceDisappears) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    auto set = built(*base, std::vector{topic_config("orders", "retention.ms", "1000"),
                                        topic_config("orders", "cleanup.policy", "compact"),
                                        topic_config("orders", "retention.ms", "2000")});
    EXPECT_EQ(*set->find_topic_configs("orders"),
              (config_map{{"cleanup.policy", "compact"}, {"retention.ms", "2000"}}));
    auto one_deleted =
        built(*set, std::vector{topic_config("orders", "retention.ms", std::nullopt)});
    EXPECT_EQ(*one_deleted->find_topic_configs("orders"),
              (config_map{{"cleanup.policy", "compact"}}));
    auto all_deleted =
        built(*one_deleted, std::vector{topic_config("orders", "cleanup.policy", std::nullopt),
                                        topic_config("orders", "never.set", std::nullopt)});
    EXPECT_EQ(all_deleted->find_topic_configs("orders"), nullptr);
    EXPECT_TRUE(all_deleted->topic_configs().empty());
}

TEST(MetadataImageBuilder, BrokerConfigsAreKeptByBrokerIdWithTheClusterDefaultUnderEmpty) {
    auto broker_config = [](std::string resource, std::string value) {
        return make_metadata_record(protocol::config_record{.resource_type = 4,
                                                            .resource_name = std::move(resource),
                                                            .name = "log.retention.ms",
                                                            .value = std::move(value)});
    };
    auto image = built_from_empty(std::vector{broker_config("", "1000"), broker_config("2", "5")});
    EXPECT_EQ(*image->find_broker_configs(""), (config_map{{"log.retention.ms", "1000"}}));
    EXPECT_EQ(*image->find_broker_configs("2"), (config_map{{"log.retention.ms", "5"}}));
    EXPECT_EQ(image->find_broker_configs("1"), nullptr);
    EXPECT_TRUE(image->topic_configs().empty());
}

TEST(MetadataImageBuilder, TopicCreatedAgainAfterDeletionStartsWithoutTheOldConfigs) {
    auto image = built_from_empty(std::vector{topic("orders", orders_id),
                                              topic_config("orders", "retention.ms", "1"),
                                              remove_topic(orders_id), topic("orders", audit_id)});
    ASSERT_NE(image->find_topic("orders"), nullptr);
    EXPECT_EQ(image->find_topic("orders")->id, audit_id);
    EXPECT_EQ(image->find_topic(orders_id), nullptr);
    EXPECT_EQ(image->find_topic_configs("orders"), nullptr);
}

TEST(MetadataImageBuilder, FeatureLevelsAreFinalizedAndLevelZeroRemovesAFeature) {
    auto image =
        built_from_empty(std::vector{feature("metadata.version", 20), feature("group.version", 1),
                                     feature("metadata.version", 21)});
    EXPECT_EQ(image->metadata_version(), 21);
    EXPECT_EQ(image->features(), (std::map<std::string, int16_t, std::less<>>{
                                     {"group.version", 1}, {"metadata.version", 21}}));
    auto removed = built(*image, std::vector{feature("group.version", 0)});
    EXPECT_EQ(removed->features().count("group.version"), 0u);
}

TEST(MetadataImageBuilder, InternalTopicsAreMarkedInternal) {
    auto image = built_from_empty(std::vector{topic("__consumer_offsets", orders_id)});
    EXPECT_TRUE(image->find_topic("__consumer_offsets")->internal);
}

TEST(MetadataImageBuilder, ProvenanceAndControllerAreTheCallers) {
    metadata_image_builder builder("cluster-a", node_id(1));
    builder.set_provenance(
        {.last_offset = offset(9), .last_epoch = leader_epoch(2), .last_append_time_ms = 1234});
    builder.set_controller_id(node_id(3));
    auto image = std::move(builder).build();
    EXPECT_EQ(image->provenance().last_offset, offset(9));
    EXPECT_EQ(image->provenance().last_epoch, leader_epoch(2));
    EXPECT_EQ(image->controller_id(), node_id(3));
    auto next = built(*image, std::vector{broker(1)});
    EXPECT_EQ(next->provenance(), image->provenance());
    EXPECT_EQ(next->cluster_id(), "cluster-a");
}

TEST(MetadataImageBuilder, ImageFromABatchReadBackEqualsTheImageFromItsRecords) {
    auto records = bootstrap_and_create_orders();
    auto batch = build_metadata_batch(
        records, {.base_offset = offset(0), .epoch = leader_epoch(1), .append_time_ms = 77});
    ASSERT_TRUE(batch.has_value());
    auto view = protocol::record_batch_view::parse(*batch);
    ASSERT_TRUE(view.has_value());
    auto read = read_metadata_batch(*view);
    ASSERT_TRUE(read.has_value());

    metadata_image_builder builder("cluster-a", node_id(1));
    ASSERT_TRUE(builder.apply(*read).has_value());
    builder.set_provenance(provenance_of(*view));
    auto image = std::move(builder).build();
    EXPECT_EQ(image->topics(), built_from_empty(records)->topics());
    EXPECT_EQ(image->provenance().last_offset, offset(7));
    EXPECT_EQ(image->provenance().last_epoch, leader_epoch(1));
}

// Invalid sequences: the log is input from disk.

TEST(MetadataImageBuilder, PartitionRecordForAnUnknownTopicIsAnError) {
    auto base = built_from_empty(std::vector{broker(1)});
    EXPECT_EQ(error_applying(*base, partition(orders_id, 0)),
              metadata_image_error::unknown_topic_id);
}

TEST(MetadataImageBuilder, PartitionChangeForAnUnknownTopicOrPartitionIsAnError) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    EXPECT_EQ(
        error_applying(
            *base,
            change({.partition_id = partition_id(0), .topic_id = audit_id, .leader = node_id(1)})),
        metadata_image_error::unknown_topic_id);
    EXPECT_EQ(
        error_applying(
            *base,
            change({.partition_id = partition_id(3), .topic_id = orders_id, .leader = node_id(1)})),
        metadata_image_error::unknown_partition);
    EXPECT_EQ(error_applying(*base, change({.partition_id = partition_id(-1),
                                            .topic_id = orders_id,
                                            .leader = node_id(1)})),
              metadata_image_error::unknown_partition);
}

TEST(MetadataImageBuilder, PartitionRecordMayNotLeaveAGap) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    EXPECT_EQ(error_applying(*base, partition(orders_id, 4)),
              metadata_image_error::invalid_partition_id);
    EXPECT_EQ(error_applying(*base, partition(orders_id, -1)),
              metadata_image_error::invalid_partition_id);
}

TEST(MetadataImageBuilder, DuplicateTopicNameOrIdIsAnError) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    EXPECT_EQ(error_applying(*base, topic("orders", audit_id)),
              metadata_image_error::duplicate_topic_name);
    EXPECT_EQ(error_applying(*base, topic("audit", orders_id)),
              metadata_image_error::duplicate_topic_id);
}

TEST(MetadataImageBuilder, InvalidTopicNameOrReservedIdIsAnError) {
    auto base = built_from_empty({});
    EXPECT_EQ(error_applying(*base, topic("no/slashes", orders_id)),
              metadata_image_error::invalid_topic_name);
    EXPECT_EQ(error_applying(*base, topic("", orders_id)),
              metadata_image_error::invalid_topic_name);
    EXPECT_EQ(error_applying(*base, topic("orders", topic_id(uuid(0, 0)))),
              metadata_image_error::reserved_topic_id);
    EXPECT_EQ(error_applying(*base, topic("orders", topic_id(uuid(0, 1)))),
              metadata_image_error::reserved_topic_id);
}

TEST(MetadataImageBuilder, RemovingAnUnknownTopicIsAnError) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    EXPECT_EQ(error_applying(*base, remove_topic(audit_id)),
              metadata_image_error::unknown_topic_id);
}

TEST(MetadataImageBuilder, UndefinedLeaderRecoveryStateIsAnError) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    EXPECT_EQ(error_applying(*base, change({.partition_id = partition_id(0),
                                            .topic_id = orders_id,
                                            .leader_recovery_state = 2})),
              metadata_image_error::invalid_recovery_state);
    auto bad_partition = make_metadata_record(protocol::partition_record{
        .partition_id = partition_id(3), .topic_id = orders_id, .leader_recovery_state = -1});
    EXPECT_EQ(error_applying(*base, bad_partition), metadata_image_error::invalid_recovery_state);
}

TEST(MetadataImageBuilder, ConfigOfAResourceOtherThanTopicOrBrokerIsAnError) {
    auto base = built_from_empty({});
    auto group_config = make_metadata_record(protocol::config_record{
        .resource_type = 32, .resource_name = "billing", .name = "x", .value = "y"});
    EXPECT_EQ(error_applying(*base, group_config),
              metadata_image_error::unsupported_config_resource);
}

TEST(MetadataImageBuilder, MetadataVersionBelowOneIsAnError) {
    auto base = built_from_empty({});
    EXPECT_EQ(error_applying(*base, feature("metadata.version", 0)),
              metadata_image_error::invalid_metadata_version);
}

TEST(MetadataImageBuilder, FailedRecordChangesNothingAndStopsTheRest) {
    auto base = built_from_empty(bootstrap_and_create_orders());
    metadata_image_builder builder(*base);
    std::vector<metadata_record> records{topic_config("orders", "retention.ms", "5"),
                                         change({.partition_id = partition_id(0),
                                                 .topic_id = orders_id,
                                                 .isr = nodes({1}),
                                                 .leader_recovery_state = 7}),
                                         broker(9)};
    auto applied = builder.apply(records);
    ASSERT_FALSE(applied.has_value());
    EXPECT_EQ(applied.error(), metadata_image_error::invalid_recovery_state);
    EXPECT_EQ(builder.image().find_topic("orders")->partitions[0],
              base->find_topic("orders")->partitions[0]);
    EXPECT_NE(builder.image().find_topic_configs("orders"), nullptr);
    EXPECT_EQ(builder.image().find_broker(node_id(9)), nullptr);
}

}  // namespace
}  // namespace samsa::cluster
