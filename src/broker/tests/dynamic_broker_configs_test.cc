// Dynamic broker configs: which keys Samsa changes at runtime, Kafka's refusals, and how
// the accepted ones become every topic's defaults.

#include "broker/dynamic_broker_configs.h"

#include <gtest/gtest.h>

#include "broker/broker_config_schema.h"
#include "broker/topic_settings.h"
#include "cluster/metadata_image_builder.h"
#include "protocol/generated/config_record.h"

namespace samsa::broker {
namespace {

using cluster::config_map;
using protocol::error_code;

std::optional<cluster::config_outcome> check(std::string_view resource, config_map proposed,
                                             config_map current = {}) {
    return check_dynamic_broker_configs(resource, node_id(1), current, proposed);
}

std::string message_of(const std::optional<cluster::config_outcome>& outcome) {
    return outcome && outcome->message ? *outcome->message : "";
}

TEST(dynamic_broker_configs, TopicDefaultsAreAcceptedAtTheClusterDefaultAndForThisBroker) {
    EXPECT_FALSE(check("", {{"log.retention.ms", "60000"}, {"message.max.bytes", "2000000"}}));
    EXPECT_FALSE(check("1", {{"log.segment.bytes", "1048576"}, {"log.cleanup.policy", "compact"}}));
}

TEST(dynamic_broker_configs, ReadOnlyKeysAreRefusedWithKafkasMessage) {
    auto refused = check("", {{"log.dirs", "/tmp/x"}, {"num.partitions", "3"}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->error, error_code::invalid_config);
    EXPECT_EQ(message_of(refused),
              "Cannot update these configs dynamically: Set(log.dirs, num.partitions)");
}

TEST(dynamic_broker_configs, PerBrokerKeysNeedABrokerId) {
    EXPECT_EQ(message_of(check("", {{"listeners", "PLAINTEXT://:9093"}})),
              "Cannot update these configs at default cluster level, broker id must be "
              "specified: Set(listeners)");
}

TEST(dynamic_broker_configs, KeysSamsaCannotApplyLiveAreRefusedHonestly) {
    auto refused = check("1", {{"num.io.threads", "4"}, {"max.connections", "10"}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->error, error_code::invalid_config);
    EXPECT_NE(message_of(refused).find("Set(max.connections, num.io.threads)"), std::string::npos);
}

TEST(dynamic_broker_configs, ValuesAreCheckedAsStrictlyAsTheirTopicConfig) {
    EXPECT_EQ(message_of(check("", {{"log.retention.ms", "abc"}})),
              "Invalid value abc for configuration log.retention.ms: Not a number of type LONG");
    EXPECT_EQ(message_of(check("", {{"log.roll.ms", "0"}})),
              "Invalid value 0 for configuration log.roll.ms: Value must be at least 1");
    EXPECT_EQ(
        message_of(check("", {{"log.segment.bytes", "10"}})),
        "Invalid value 10 for configuration log.segment.bytes: Value must be at least 1048576");
    EXPECT_TRUE(check("", {{"log.retention.ms", "0"}}));
    EXPECT_FALSE(check("", {{"log.retention.ms", "-5"}}));
}

TEST(dynamic_broker_configs, UnknownKeysAndOtherBrokersAreRefused) {
    EXPECT_EQ(message_of(check("", {{"no.such.key", "1"}})),
              "Unknown broker config name: no.such.key");
    auto other = check("2", {{"log.retention.ms", "1"}});
    ASSERT_TRUE(other);
    EXPECT_EQ(other->error, error_code::invalid_request);
    EXPECT_EQ(message_of(other), "Unexpected broker id, expected 1, but received 2");
}

TEST(dynamic_broker_configs, UnchangedAndRemovedKeysAreNotChecked) {
    // A value that got in before (say, by an older Samsa) does not block other changes.
    EXPECT_FALSE(
        check("", {{"num.io.threads", "4"}, {"log.retention.ms", "5"}}, {{"num.io.threads", "4"}}));
    EXPECT_FALSE(check("", {}, {{"num.io.threads", "4"}}));
}

cluster::metadata_image_ptr image_with(
    std::vector<std::tuple<std::string, std::string, std::string>> broker_configs) {
    cluster::metadata_image_builder builder("cluster", node_id(1));
    for (auto& [resource, key, value] : broker_configs) {
        EXPECT_TRUE(builder.apply(cluster::make_metadata_record(protocol::config_record{
            .resource_type = 4, .resource_name = resource, .name = key, .value = value})));
    }
    return std::move(builder).build();
}

TEST(dynamic_topic_defaults, ThisBrokersValueWinsOverTheClusterDefault) {
    auto image = image_with({{"", "log.retention.ms", "60000"},
                             {"1", "log.retention.ms", "30000"},
                             {"", "message.max.bytes", "2000"},
                             {"2", "log.segment.bytes", "1048576"},
                             {"", "log.retention.bytes", "-7"}});
    EXPECT_EQ(dynamic_topic_defaults(*image, node_id(1)), (config_map{{"retention.ms", "30000"},
                                                                      {"max.message.bytes", "2000"},
                                                                      {"retention.bytes", "-7"}}));
}

TEST(dynamic_topic_defaults, NegativeRetentionIsUnlimited) {
    auto image = image_with({{"", "log.retention.ms", "-5"}});
    EXPECT_EQ(dynamic_topic_defaults(*image, node_id(1)), (config_map{{"retention.ms", "-1"}}));
}

TEST(dynamic_topic_defaults, TopicConfigsWinOverDynamicBrokerDefaults) {
    auto config = make_broker_config({}, {});
    ASSERT_TRUE(config);
    config_map own{{"retention.ms", "1000"}};
    auto overrides =
        topic_overrides({{"retention.ms", "60000"}, {"segment.bytes", "1048576"}}, &own);
    auto settings = resolve_topic_settings(config.value().topic_defaults, &overrides, false);
    EXPECT_EQ(settings.log.retention_ms, 1000);
    EXPECT_EQ(settings.log.segment_bytes, 1048576);
}

TEST(broker_config_schema, ListsAndTheirDefaultsComeFromTheDefinitions) {
    std::vector<std::string> overrides{"log.cleanup.policy=compact"};
    auto config = make_broker_config({}, overrides);
    ASSERT_TRUE(config);
    broker_config_schema schema(config.value().entries, node_id(1));
    using cluster::config_resource_type;
    EXPECT_TRUE(schema.is_list(config_resource_type::topic, "cleanup.policy"));
    EXPECT_FALSE(schema.is_list(config_resource_type::topic, "retention.ms"));
    EXPECT_FALSE(schema.is_list(config_resource_type::topic, "unknown"));
    EXPECT_TRUE(schema.is_list(config_resource_type::broker, "log.cleanup.policy"));
    EXPECT_EQ(schema.default_value(config_resource_type::topic, "cleanup.policy"), "compact");
    auto refused =
        schema.validate(config_resource_type::topic, "orders", {}, {{"retention.ms", "abc"}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->error, error_code::invalid_config);
    EXPECT_EQ(refused->message,
              "Invalid value abc for configuration retention.ms: Not a number of type LONG");
    EXPECT_EQ(schema.validate(config_resource_type::topic, "orders", {}, {{"foo", "1"}})->message,
              "Unknown topic config name: foo");
}

}  // namespace
}  // namespace samsa::broker
