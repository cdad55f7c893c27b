#include "cluster/config_changes.h"

#include <gtest/gtest.h>

#include "cluster/metadata_image_builder.h"
#include "protocol/generated/config_record.h"
#include "protocol/generated/topic_record.h"

namespace samsa::cluster {
namespace {

using protocol::error_code;

// Topic keys: retention.ms (any value but "bad"), cleanup.policy (a LIST defaulting to
// "delete"); broker keys: log.retention.ms. Anything else is unknown.
class fake_schema final : public config_schema {
public:
    bool is_list(config_resource_type, std::string_view key) const override {
        return key == "cleanup.policy";
    }
    std::optional<std::string> default_value(config_resource_type,
                                             std::string_view key) const override {
        if (key == "cleanup.policy") {
            return "delete";
        }
        return std::nullopt;
    }
    std::optional<config_outcome> validate(config_resource_type type, std::string_view,
                                           const config_map&,
                                           const config_map& proposed) const override {
        for (const auto& [key, value] : proposed) {
            bool known = type == config_resource_type::topic
                             ? key == "retention.ms" || key == "cleanup.policy"
                             : key == "log.retention.ms";
            if (!known) {
                return config_outcome{.error = error_code::invalid_config,
                                      .message = "Unknown config name: " + key};
            }
            if (value == "bad") {
                return config_outcome{.error = error_code::invalid_config,
                                      .message = "Invalid value bad for configuration " + key};
            }
        }
        return std::nullopt;
    }
};

config_change set(std::string name, std::string value) {
    return {.name = std::move(name), .operation = config_operation::set, .value = std::move(value)};
}

config_change remove(std::string name) {
    return {.name = std::move(name), .operation = config_operation::remove};
}

config_change append(std::string name, std::string value) {
    return {
        .name = std::move(name), .operation = config_operation::append, .value = std::move(value)};
}

config_change subtract(std::string name, std::string value) {
    return {.name = std::move(name),
            .operation = config_operation::subtract,
            .value = std::move(value)};
}

class ConfigChangesTest : public ::testing::Test {
protected:
    ConfigChangesTest() {
        metadata_image_builder builder("cluster", node_id(1));
        EXPECT_TRUE(builder.apply(make_metadata_record(
            protocol::topic_record{.name = "orders", .topic_id = topic_id(uuid(1, 1))})));
        EXPECT_TRUE(
            builder.apply(make_metadata_record(protocol::config_record{.resource_type = 2,
                                                                       .resource_name = "orders",
                                                                       .name = "retention.ms",
                                                                       .value = "1000"})));
        image_ = std::move(builder).build();
    }

    // Plans the alterations and applies their records to a copy of the image.
    std::vector<config_outcome> alter(std::vector<config_alteration> alterations) {
        planned_config_changes plan = plan_config_changes(*image_, alterations, schema_);
        metadata_image_builder builder(*image_);
        EXPECT_TRUE(builder.apply(plan.records));
        records_ = plan.records.size();
        image_ = std::move(builder).build();
        return plan.outcomes;
    }

    config_map topic_configs(std::string_view topic) const {
        const config_map* configs = image_->find_topic_configs(topic);
        return configs == nullptr ? config_map{} : *configs;
    }

    fake_schema schema_;
    metadata_image_ptr image_;
    std::size_t records_ = 0;
};

TEST_F(ConfigChangesTest, IncrementalSetAndDeleteChangeOnlyTheNamedKeys) {
    auto outcomes = alter({{.type = config_resource_type::topic,
                            .resource_name = "orders",
                            .changes = {set("cleanup.policy", "compact")}}});
    EXPECT_EQ(outcomes, std::vector<config_outcome>{{}});
    EXPECT_EQ(topic_configs("orders"),
              (config_map{{"retention.ms", "1000"}, {"cleanup.policy", "compact"}}));
    alter({{.type = config_resource_type::topic,
            .resource_name = "orders",
            .changes = {remove("retention.ms")}}});
    EXPECT_EQ(topic_configs("orders"), (config_map{{"cleanup.policy", "compact"}}));
}

TEST_F(ConfigChangesTest, LegacyAlterReplacesTheWholeSet) {
    alter({{.type = config_resource_type::topic,
            .resource_name = "orders",
            .replaces_all = true,
            .changes = {set("cleanup.policy", "compact")}}});
    EXPECT_EQ(topic_configs("orders"), (config_map{{"cleanup.policy", "compact"}}));
}

TEST_F(ConfigChangesTest, AppendStartsFromTheDefaultAndSubtractRemovesItems) {
    alter({{.type = config_resource_type::topic,
            .resource_name = "orders",
            .changes = {append("cleanup.policy", "compact")}}});
    EXPECT_EQ(topic_configs("orders").at("cleanup.policy"), "delete,compact");
    alter({{.type = config_resource_type::topic,
            .resource_name = "orders",
            .changes = {append("cleanup.policy", "compact")}}});
    EXPECT_EQ(topic_configs("orders").at("cleanup.policy"), "delete,compact");
    EXPECT_EQ(records_, 0u);  // nothing changed, nothing written
    alter({{.type = config_resource_type::topic,
            .resource_name = "orders",
            .changes = {subtract("cleanup.policy", "delete")}}});
    EXPECT_EQ(topic_configs("orders").at("cleanup.policy"), "compact");
}

TEST_F(ConfigChangesTest, AppendToANonListKeyIsInvalidConfig) {
    auto outcomes = alter({{.type = config_resource_type::topic,
                            .resource_name = "orders",
                            .changes = {append("retention.ms", "5")}}});
    EXPECT_EQ(outcomes[0].error, error_code::invalid_config);
    EXPECT_EQ(outcomes[0].message,
              "Can't APPEND to key retention.ms because its type is not LIST.");
}

TEST_F(ConfigChangesTest, OneRefusedKeyRefusesTheWholeResourceButNotTheOthers) {
    auto outcomes =
        alter({{.type = config_resource_type::topic,
                .resource_name = "orders",
                .changes = {set("cleanup.policy", "compact"), set("retention.ms", "bad")}},
               {.type = config_resource_type::broker,
                .resource_name = "",
                .changes = {set("log.retention.ms", "5000")}}});
    EXPECT_EQ(outcomes[0].error, error_code::invalid_config);
    EXPECT_EQ(outcomes[1].error, error_code::none);
    EXPECT_EQ(topic_configs("orders"), (config_map{{"retention.ms", "1000"}}));
    ASSERT_NE(image_->find_broker_configs(""), nullptr);
    EXPECT_EQ(image_->find_broker_configs("")->at("log.retention.ms"), "5000");
}

TEST_F(ConfigChangesTest, UnknownTopicsAndBadResourceNamesAreRefused) {
    auto outcomes = alter({{.type = config_resource_type::topic,
                            .resource_name = "missing",
                            .changes = {set("retention.ms", "5")}},
                           {.type = config_resource_type::topic, .resource_name = ""},
                           {.type = config_resource_type::broker, .resource_name = "one"},
                           {.type = config_resource_type::broker, .resource_name = "-2"},
                           {.type = static_cast<config_resource_type>(9), .resource_name = "x"}});
    EXPECT_EQ(outcomes[0].error, error_code::unknown_topic_or_partition);
    EXPECT_EQ(outcomes[0].message, "The topic 'missing' does not exist.");
    EXPECT_EQ(outcomes[1].error, error_code::invalid_request);
    EXPECT_EQ(outcomes[2].error, error_code::invalid_request);
    EXPECT_EQ(outcomes[2].message, "Unable to parse broker name as a base 10 number.");
    EXPECT_EQ(outcomes[3].message, "Invalid negative broker ID.");
    EXPECT_EQ(outcomes[4].error, error_code::invalid_request);
    EXPECT_EQ(records_, 0u);
}

TEST_F(ConfigChangesTest, AResourceNamedTwiceIsRefusedTheSecondTime) {
    config_alteration once{.type = config_resource_type::topic,
                           .resource_name = "orders",
                           .changes = {set("retention.ms", "7")}};
    auto outcomes = alter({once, once});
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(outcomes[1].error, error_code::invalid_request);
    EXPECT_EQ(topic_configs("orders").at("retention.ms"), "7");
}

TEST_F(ConfigChangesTest, UnchangedValuesWriteNoRecords) {
    alter({{.type = config_resource_type::topic,
            .resource_name = "orders",
            .changes = {set("retention.ms", "1000")}}});
    EXPECT_EQ(records_, 0u);
}

}  // namespace
}  // namespace samsa::cluster
