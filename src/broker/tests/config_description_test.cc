// DescribeConfigs' answers: values, sources and synonyms of topic and broker configs from
// the static settings and the dynamic configs of a metadata image, as Kafka's ConfigHelper
// gives them.

#include "broker/config_description.h"

#include <gtest/gtest.h>

#include "cluster/metadata_image_builder.h"
#include "protocol/generated/config_record.h"
#include "protocol/generated/topic_record.h"

namespace samsa::broker {
namespace {

using protocol::error_code;
using result_type = protocol::describe_configs_response::describe_configs_result;
using entry_type = protocol::describe_configs_response::describe_configs_resource_result;

constexpr int8_t topic_config = 1;
constexpr int8_t dynamic_broker = 2;
constexpr int8_t dynamic_default = 3;
constexpr int8_t static_broker = 4;
constexpr int8_t default_config = 5;

// What a test checks of one described key: value, source, read-only flag, and how many
// synonyms it has, the first named first_synonym (the key itself or what it inherits).
struct expected_key {
    std::optional<std::string> value;
    int8_t source = 0;
    bool read_only = false;
    std::size_t synonyms = 0;
    std::string first_synonym;
};

void expect_key(const entry_type& entry, const expected_key& expected) {
    SCOPED_TRACE(entry.name);
    EXPECT_EQ(entry.value, expected.value);
    EXPECT_EQ(entry.config_source, expected.source);
    EXPECT_EQ(entry.read_only, expected.read_only);
    ASSERT_EQ(entry.synonyms.size(), expected.synonyms);
    if (expected.synonyms > 0) {
        EXPECT_EQ(entry.synonyms[0].name, expected.first_synonym);
    }
}

class ConfigDescriptionTest : public ::testing::Test {
protected:
    explicit ConfigDescriptionTest(std::vector<std::string> overrides = {"log.retention.hours=2"}) {
        auto config = make_broker_config({}, overrides);
        EXPECT_TRUE(config);
        config_ = std::move(config).value();
        cluster::metadata_image_builder builder("cluster", node_id(1));
        EXPECT_TRUE(builder.apply(cluster::make_metadata_record(
            protocol::topic_record{.name = "orders", .topic_id = topic_id(uuid(1, 1))})));
        image_ = std::move(builder).build();
    }

    void set_config(int8_t type, std::string resource, std::string key,
                    std::optional<std::string> value) {
        cluster::metadata_image_builder builder(*image_);
        EXPECT_TRUE(builder.apply(cluster::make_metadata_record(
            protocol::config_record{.resource_type = type,
                                    .resource_name = std::move(resource),
                                    .name = std::move(key),
                                    .value = std::move(value)})));
        image_ = std::move(builder).build();
    }

    result_type describe(int8_t type, std::string name,
                         std::optional<std::vector<std::string>> keys = std::nullopt) {
        describe_context context{
            .statics = config_.entries, .self = node_id(1), .root_log_level = "INFO"};
        protocol::describe_configs_request::describe_configs_resource resource{
            .resource_type = type, .resource_name = std::move(name), .configuration_keys = keys};
        return describe_config_resource(context, *image_, resource, true);
    }

    static const entry_type& find(const result_type& result, std::string_view name) {
        for (const auto& entry : result.configs) {
            if (entry.name == name) {
                return entry;
            }
        }
        ADD_FAILURE() << name << " not described";
        static const entry_type none;
        return none;
    }

    broker_config config_;
    cluster::metadata_image_ptr image_;
};

TEST_F(ConfigDescriptionTest, ATopicInheritsTheStaticRetentionInMilliseconds) {
    auto result = describe(2, "orders");
    EXPECT_EQ(result.error_code, error_code::none);
    EXPECT_FALSE(result.error_message.has_value());
    const auto& retention = find(result, "retention.ms");
    expect_key(retention, {.value = "7200000",
                           .source = static_broker,
                           .synonyms = 2,
                           .first_synonym = "log.retention.hours"});
    EXPECT_EQ(retention.config_type, 5);  // LONG
    ASSERT_EQ(retention.synonyms.size(), 2u);
    EXPECT_EQ(retention.synonyms[0].value, "2");
    EXPECT_EQ(retention.synonyms[0].source, static_broker);
    EXPECT_EQ(retention.synonyms[1].source, default_config);
    EXPECT_EQ(retention.synonyms[1].value, "168");

    expect_key(find(result, "segment.bytes"), {.value = "1073741824",
                                               .source = default_config,
                                               .synonyms = 1,
                                               .first_synonym = "log.segment.bytes"});
}

TEST_F(ConfigDescriptionTest, TopicValuesComeFirstThenDynamicBrokerValuesInPrecedenceOrder) {
    set_config(4, "", "log.retention.ms", "60000");
    set_config(4, "1", "log.retention.ms", "30000");
    auto inherited = find(describe(2, "orders"), "retention.ms");
    EXPECT_EQ(inherited.value, "30000");
    EXPECT_EQ(inherited.config_source, dynamic_broker);
    ASSERT_EQ(inherited.synonyms.size(), 4u);
    EXPECT_EQ(inherited.synonyms[0].source, dynamic_broker);
    EXPECT_EQ(inherited.synonyms[1].source, dynamic_default);
    EXPECT_EQ(inherited.synonyms[1].value, "60000");
    EXPECT_EQ(inherited.synonyms[2].name, "log.retention.hours");

    set_config(2, "orders", "retention.ms", "+1000");
    expect_key(
        find(describe(2, "orders"), "retention.ms"),
        {.value = "1000", .source = topic_config, .synonyms = 5, .first_synonym = "retention.ms"});
}

TEST_F(ConfigDescriptionTest, OnlyTheRequestedKeysAreDescribed) {
    auto result = describe(2, "orders", std::vector<std::string>{"cleanup.policy", "nope"});
    ASSERT_EQ(result.configs.size(), 1u);
    EXPECT_EQ(result.configs[0].name, "cleanup.policy");
    EXPECT_EQ(result.configs[0].value, "delete");
    EXPECT_EQ(result.configs[0].config_type, 7);  // LIST
}

TEST_F(ConfigDescriptionTest, AnUnknownTopicIsUnknownTopicOrPartition) {
    auto result = describe(2, "missing");
    EXPECT_EQ(result.error_code, error_code::unknown_topic_or_partition);
    EXPECT_EQ(result.error_message, "The topic 'missing' does not exist.");
    EXPECT_TRUE(result.configs.empty());
}

TEST_F(ConfigDescriptionTest, ThisBrokerListsEveryKeyWithItsSource) {
    set_config(4, "", "log.retention.ms", "60000");
    auto result = describe(4, "1");
    EXPECT_EQ(result.error_code, error_code::none);
    EXPECT_EQ(result.configs.size(), config_definitions().size());
    // Kafka drops the synonyms before the key's own name.
    expect_key(find(result, "log.retention.hours"), {.value = "2",
                                                     .source = static_broker,
                                                     .read_only = true,
                                                     .synonyms = 2,
                                                     .first_synonym = "log.retention.hours"});
    expect_key(find(result, "log.retention.ms"), {.value = "60000",
                                                  .source = dynamic_default,
                                                  .synonyms = 3,
                                                  .first_synonym = "log.retention.ms"});

    const auto& threads = find(result, "num.io.threads");
    EXPECT_EQ(threads.value, "8");
    EXPECT_EQ(threads.config_source, default_config);
    EXPECT_TRUE(threads.read_only);  // Kafka updates it at runtime, Samsa does not

    const auto& roll = find(result, "log.roll.ms");
    EXPECT_FALSE(roll.value.has_value());  // null: unset and no default
}

TEST_F(ConfigDescriptionTest, TheClusterDefaultListsOnlyWhatIsSetThere) {
    EXPECT_TRUE(describe(4, "").configs.empty());
    set_config(4, "", "log.retention.ms", "60000");
    set_config(4, "1", "message.max.bytes", "2000");
    auto result = describe(4, "");
    ASSERT_EQ(result.configs.size(), 1u);
    EXPECT_EQ(result.configs[0].name, "log.retention.ms");
    EXPECT_EQ(result.configs[0].value, "60000");
    EXPECT_EQ(result.configs[0].config_source, dynamic_default);
    ASSERT_EQ(result.configs[0].synonyms.size(), 1u);
}

TEST_F(ConfigDescriptionTest, AnotherBrokerIdIsRefusedWithKafkasMessage) {
    auto other = describe(4, "2");
    EXPECT_EQ(other.error_code, error_code::invalid_request);
    EXPECT_EQ(other.error_message,
              "Unexpected broker id, expected 1 or empty string, but received 2");
    auto garbage = describe(4, "one");
    EXPECT_EQ(garbage.error_code, error_code::invalid_request);
    EXPECT_EQ(garbage.error_message, "Broker id must be an integer, but it is: one");
}

TEST_F(ConfigDescriptionTest, BrokerLoggersAreTheRootLogger) {
    auto result = describe(8, "1");
    ASSERT_EQ(result.configs.size(), 1u);
    EXPECT_EQ(result.configs[0].name, "root");
    EXPECT_EQ(result.configs[0].value, "INFO");
    EXPECT_EQ(describe(8, "").error_code, error_code::invalid_request);
}

}  // namespace
}  // namespace samsa::broker
