// A topic's settings from the broker defaults and its topic configs, and the check of topic
// config values in CreateTopics.

#include "broker/topic_settings.h"

#include <gtest/gtest.h>

#include <set>

namespace samsa::broker {
namespace {

topic_config_defaults broker_defaults() {
    auto config = make_broker_config({}, {});
    EXPECT_TRUE(config);
    return config.value().topic_defaults;
}

TEST(resolve_topic_settings, WithoutOverridesTheBrokerDefaultsPassThrough) {
    auto defaults = broker_defaults();
    defaults.segment_bytes = 2 * 1024 * 1024;
    defaults.retention_ms = 5000;
    defaults.flush_messages = 7;
    defaults.max_message_bytes = 1000;
    defaults.compression_type = broker_compression_type::zstd;
    defaults.min_insync_replicas = 2;
    auto settings = resolve_topic_settings(defaults, nullptr, false);

    EXPECT_EQ(settings.log.segment_bytes, 2 * 1024 * 1024);
    EXPECT_EQ(settings.log.segment_ms, defaults.segment_ms);
    EXPECT_EQ(settings.log.segment_jitter_ms, defaults.segment_jitter_ms);
    EXPECT_EQ(settings.log.segment_index_bytes, defaults.segment_index_bytes);
    EXPECT_EQ(settings.log.index_interval_bytes, defaults.index_interval_bytes);
    EXPECT_EQ(settings.log.retention_ms, 5000);
    EXPECT_EQ(settings.log.retention_bytes, defaults.retention_bytes);
    EXPECT_EQ(settings.log.flush_messages, 7);
    EXPECT_EQ(settings.log.flush_ms, defaults.flush_ms);
    EXPECT_EQ(settings.log.file_delete_delay_ms, defaults.file_delete_delay_ms);
    EXPECT_FALSE(settings.log.log_append_time);

    EXPECT_EQ(settings.produce.max_message_bytes, 1000);
    EXPECT_EQ(settings.produce.segment_bytes, 2 * 1024 * 1024);
    EXPECT_EQ(settings.produce.compression_type, storage::topic_compression_type::zstd);
    EXPECT_EQ(settings.produce.timestamp_type, protocol::timestamp_type::create_time);
    EXPECT_EQ(settings.produce.timestamp_before_max_ms, defaults.message_timestamp_before_max_ms);
    EXPECT_EQ(settings.produce.timestamp_after_max_ms, defaults.message_timestamp_after_max_ms);
    EXPECT_EQ(settings.produce.compaction, storage::log_compaction::disabled);
    EXPECT_EQ(settings.produce.visibility, storage::topic_visibility::regular);
    EXPECT_EQ(settings.min_insync_replicas, 2);
}

TEST(resolve_topic_settings, EachOverrideApplies) {
    cluster::config_map overrides{
        {"segment.bytes", "2097152"},
        {"segment.ms", "60000"},
        {"segment.jitter.ms", "500"},
        {"segment.index.bytes", "4096"},
        {"index.interval.bytes", "128"},
        {"retention.ms", "3600000"},
        {"retention.bytes", "123456789"},
        {"flush.messages", "10"},
        {"flush.ms", "1000"},
        {"file.delete.delay.ms", "5"},
        {"max.message.bytes", "2000"},
        {"compression.type", "lz4"},
        {"message.timestamp.before.max.ms", "100"},
        {"message.timestamp.after.max.ms", "200"},
        {"min.insync.replicas", "3"},
        {"min.cleanable.dirty.ratio", "0.1"},
        {"delete.retention.ms", "1"},
        {"min.compaction.lag.ms", "60000"},
        {"max.compaction.lag.ms", "3600000"},
        // Known and checked; nothing in Samsa uses them yet.
        {"preallocate", "true"},
        {"unclean.leader.election.enable", "true"},
    };
    auto settings = resolve_topic_settings(broker_defaults(), &overrides, false);

    EXPECT_EQ(settings.log.segment_bytes, 2097152);
    EXPECT_EQ(settings.produce.segment_bytes, 2097152);
    EXPECT_EQ(settings.log.segment_ms, 60000);
    EXPECT_EQ(settings.log.segment_jitter_ms, 500);
    EXPECT_EQ(settings.log.segment_index_bytes, 4096);
    EXPECT_EQ(settings.log.index_interval_bytes, 128);
    EXPECT_EQ(settings.log.retention_ms, 3600000);
    EXPECT_EQ(settings.log.retention_bytes, 123456789);
    EXPECT_EQ(settings.log.flush_messages, 10);
    EXPECT_EQ(settings.log.flush_ms, 1000);
    EXPECT_EQ(settings.log.file_delete_delay_ms, 5);
    EXPECT_EQ(settings.produce.max_message_bytes, 2000);
    EXPECT_EQ(settings.produce.compression_type, storage::topic_compression_type::lz4);
    EXPECT_EQ(settings.produce.timestamp_before_max_ms, 100);
    EXPECT_EQ(settings.produce.timestamp_after_max_ms, 200);
    EXPECT_EQ(settings.min_insync_replicas, 3);
    EXPECT_DOUBLE_EQ(settings.log.min_cleanable_dirty_ratio, 0.1);
    EXPECT_EQ(settings.log.delete_retention_ms, 1);
    EXPECT_EQ(settings.log.min_compaction_lag_ms, 60000);
    EXPECT_EQ(settings.log.max_compaction_lag_ms, 3600000);
}

TEST(resolve_topic_settings, TheCompactionSettingsDefaultToKafkas) {
    auto settings = resolve_topic_settings(broker_defaults(), nullptr, false);
    EXPECT_TRUE(settings.log.deletes);
    EXPECT_FALSE(settings.log.compacts);
    EXPECT_DOUBLE_EQ(settings.log.min_cleanable_dirty_ratio, 0.5);
    EXPECT_EQ(settings.log.delete_retention_ms, 86400000);
    EXPECT_EQ(settings.log.min_compaction_lag_ms, 0);
    EXPECT_EQ(settings.log.max_compaction_lag_ms, INT64_MAX);
}

TEST(resolve_topic_settings, TheBrokersCompactionDefaultsPassThrough) {
    auto defaults = broker_defaults();
    defaults.min_cleanable_dirty_ratio = 0.25;
    defaults.delete_retention_ms = 1000;
    defaults.min_compaction_lag_ms = 2000;
    defaults.max_compaction_lag_ms = 3000;
    auto settings = resolve_topic_settings(defaults, nullptr, false);
    EXPECT_DOUBLE_EQ(settings.log.min_cleanable_dirty_ratio, 0.25);
    EXPECT_EQ(settings.log.delete_retention_ms, 1000);
    EXPECT_EQ(settings.log.min_compaction_lag_ms, 2000);
    EXPECT_EQ(settings.log.max_compaction_lag_ms, 3000);

    // A topic overriding one of them keeps the broker's others.
    cluster::config_map overrides{{"min.compaction.lag.ms", "10"}};
    auto overridden = resolve_topic_settings(defaults, &overrides, false);
    EXPECT_EQ(overridden.log.min_compaction_lag_ms, 10);
    EXPECT_EQ(overridden.log.max_compaction_lag_ms, 3000);
    EXPECT_DOUBLE_EQ(overridden.log.min_cleanable_dirty_ratio, 0.25);
}

TEST(resolve_topic_settings, CleanupPolicyDecidesWhetherTheLogDeletesAndCompacts) {
    struct expectation {
        std::string policy;
        bool deletes;
        bool compacts;
    };
    for (const auto& [policy, deletes, compacts] :
         {expectation{"delete", true, false}, expectation{"compact", false, true},
          expectation{"compact,delete", true, true}, expectation{"delete,compact", true, true},
          expectation{"", false, false}}) {
        cluster::config_map overrides{{"cleanup.policy", policy}, {"retention.ms", "1000"}};
        auto settings = resolve_topic_settings(broker_defaults(), &overrides, false);
        EXPECT_EQ(settings.log.deletes, deletes) << policy;
        EXPECT_EQ(settings.log.compacts, compacts) << policy;
        EXPECT_EQ(settings.log.retention_ms, deletes ? 1000 : -1) << policy;
        EXPECT_EQ(settings.produce.compaction,
                  compacts ? storage::log_compaction::enabled : storage::log_compaction::disabled)
            << policy;
    }
}

TEST(resolve_topic_settings, ValuesAreTrimmedAsKafkaTrimsThem) {
    cluster::config_map overrides{{"retention.ms", " 42 "},
                                  {"cleanup.policy", " delete , compact"}};
    auto settings = resolve_topic_settings(broker_defaults(), &overrides, false);
    EXPECT_EQ(settings.log.retention_ms, 42);
    EXPECT_EQ(settings.produce.compaction, storage::log_compaction::enabled);
}

TEST(resolve_topic_settings, CompactOnlyTurnsOffRetentionAndRequiresKeys) {
    cluster::config_map overrides{{"cleanup.policy", "compact"}, {"retention.ms", "1000"}};
    auto settings = resolve_topic_settings(broker_defaults(), &overrides, true);
    EXPECT_EQ(settings.produce.compaction, storage::log_compaction::enabled);
    EXPECT_EQ(settings.log.retention_ms, -1);
    EXPECT_EQ(settings.log.retention_bytes, -1);
    EXPECT_EQ(settings.produce.visibility, storage::topic_visibility::internal);
}

TEST(resolve_topic_settings, CompactAndDeleteKeepsRetention) {
    cluster::config_map overrides{{"cleanup.policy", "compact,delete"}, {"retention.ms", "1000"}};
    auto settings = resolve_topic_settings(broker_defaults(), &overrides, false);
    EXPECT_EQ(settings.produce.compaction, storage::log_compaction::enabled);
    EXPECT_EQ(settings.log.retention_ms, 1000);
}

TEST(resolve_topic_settings, ABrokerDefaultOfCompactIsOverriddenByTheTopic) {
    auto defaults = broker_defaults();
    defaults.cleanup = {.deletes = false, .compacts = true};
    auto compacted = resolve_topic_settings(defaults, nullptr, false);
    EXPECT_EQ(compacted.produce.compaction, storage::log_compaction::enabled);
    EXPECT_EQ(compacted.log.retention_ms, -1);
    EXPECT_FALSE(compacted.log.deletes);
    EXPECT_TRUE(compacted.log.compacts);

    cluster::config_map overrides{{"cleanup.policy", "delete"}};
    auto deleted = resolve_topic_settings(defaults, &overrides, false);
    EXPECT_EQ(deleted.produce.compaction, storage::log_compaction::disabled);
    EXPECT_EQ(deleted.log.retention_ms, defaults.retention_ms);
    EXPECT_TRUE(deleted.log.deletes);
    EXPECT_FALSE(deleted.log.compacts);
}

TEST(resolve_topic_settings, LogAppendTimeStampsTheLogAndTheProduceChecks) {
    cluster::config_map overrides{{"message.timestamp.type", "LogAppendTime"}};
    auto settings = resolve_topic_settings(broker_defaults(), &overrides, false);
    EXPECT_TRUE(settings.log.log_append_time);
    EXPECT_EQ(settings.produce.timestamp_type, protocol::timestamp_type::log_append_time);

    auto defaults = broker_defaults();
    defaults.timestamp_type = message_timestamp_type::log_append_time;
    cluster::config_map create_time{{"message.timestamp.type", "CreateTime"}};
    auto back = resolve_topic_settings(defaults, &create_time, false);
    EXPECT_FALSE(back.log.log_append_time);
    EXPECT_EQ(back.produce.timestamp_type, protocol::timestamp_type::create_time);
}

TEST(resolve_topic_settings, UnknownAndUnparsableOverridesAreIgnored) {
    auto defaults = broker_defaults();
    cluster::config_map overrides{{"retention.ms", "abc"},
                                  {"segment.ms", "0"},
                                  {"no.such.config", "1"},
                                  {"retention.bytes", "99"}};
    auto settings = resolve_topic_settings(defaults, &overrides, false);
    EXPECT_EQ(settings.log.retention_ms, defaults.retention_ms);
    EXPECT_EQ(settings.log.segment_ms, defaults.segment_ms);
    EXPECT_EQ(settings.log.retention_bytes, 99);
}

TEST(check_topic_config, AcceptsValidValuesAndNull) {
    EXPECT_EQ(check_topic_config("retention.ms", "3600000"), std::nullopt);
    EXPECT_EQ(check_topic_config("retention.ms", "-1"), std::nullopt);
    EXPECT_EQ(check_topic_config("cleanup.policy", "compact,delete"), std::nullopt);
    EXPECT_EQ(check_topic_config("compression.type", "zstd"), std::nullopt);
    EXPECT_EQ(check_topic_config("message.timestamp.type", "LogAppendTime"), std::nullopt);
    EXPECT_EQ(check_topic_config("segment.bytes", std::nullopt), std::nullopt);
}

TEST(check_topic_config, RefusesUnknownNames) {
    EXPECT_EQ(check_topic_config("retention.millis", "1"),
              "Unknown topic config name: retention.millis");
    // Broker keys are not topic configs.
    EXPECT_EQ(check_topic_config("log.retention.ms", "1"),
              "Unknown topic config name: log.retention.ms");
}

TEST(check_topic_config, RefusesValuesInKafkasWords) {
    EXPECT_EQ(check_topic_config("retention.ms", "abc"),
              "Invalid value abc for configuration retention.ms: Not a number of type LONG");
    EXPECT_EQ(check_topic_config("segment.bytes", "3000000000"),
              "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT");
    EXPECT_EQ(check_topic_config("segment.bytes", "1000"),
              "Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576");
    EXPECT_EQ(check_topic_config("preallocate", "yes"),
              "Invalid value yes for configuration preallocate: Expected value to be either true "
              "or false");
    EXPECT_EQ(check_topic_config("compression.type", "brotli"),
              "Invalid value brotli for configuration compression.type: String must be one of: "
              "uncompressed, zstd, lz4, snappy, gzip, producer");
    EXPECT_EQ(check_topic_config("cleanup.policy", "compact,forever"),
              "Invalid value forever for configuration cleanup.policy: String must be one of: "
              "compact, delete");
    EXPECT_EQ(check_topic_config("min.cleanable.dirty.ratio", "2"),
              "Invalid value 2 for configuration min.cleanable.dirty.ratio: Value must be no "
              "more than 1");
}

TEST(check_topic_config, TopicConfigsAreAsStrictAsKafkasLogConfig) {
    // Their broker keys (log.roll.ms, log.retention.ms, ...) take any LONG.
    EXPECT_EQ(check_topic_config("segment.ms", "0"),
              "Invalid value 0 for configuration segment.ms: Value must be at least 1");
    EXPECT_EQ(check_topic_config("segment.jitter.ms", "-1"),
              "Invalid value -1 for configuration segment.jitter.ms: Value must be at least 0");
    EXPECT_EQ(check_topic_config("retention.ms", "-2"),
              "Invalid value -2 for configuration retention.ms: Value must be at least -1");
    EXPECT_EQ(check_topic_config("flush.ms", "-1"),
              "Invalid value -1 for configuration flush.ms: Value must be at least 0");
}

TEST(find_topic_config_definition, EveryTopicSynonymHasADefinitionOfTheDynamicKeysType) {
    std::set<std::string_view> synonyms;
    for (const auto& broker_key : config_definitions()) {
        if (!broker_key.topic_synonym.empty()) {
            synonyms.insert(broker_key.topic_synonym);
        }
    }
    for (auto name : synonyms) {
        const config_definition* topic = find_topic_config_definition(name);
        ASSERT_NE(topic, nullptr) << name;
        EXPECT_EQ(topic->name, name);
        EXPECT_FALSE(topic->default_value.has_value()) << name;
    }
    EXPECT_EQ(find_topic_config_definition("segment.ms")->type, config_type::int64);
    EXPECT_EQ(find_topic_config_definition("retention.ms")->type, config_type::int64);
    EXPECT_EQ(find_topic_config_definition("flush.ms")->type, config_type::int64);
    EXPECT_EQ(find_topic_config_definition("segment.jitter.ms")->type, config_type::int64);
    EXPECT_EQ(find_topic_config_definition("log.retention.ms"), nullptr);
}

TEST(resolve_topic_settings, EveryKnownTopicConfigIsAccepted) {
    // A value check_topic_config accepts must not be dropped as unknown by the resolver.
    cluster::config_map overrides;
    for (const auto& broker_key : config_definitions()) {
        if (!broker_key.topic_synonym.empty()) {
            const config_definition* topic = find_topic_config_definition(broker_key.topic_synonym);
            ASSERT_NE(topic, nullptr);
            std::string value = topic->type == config_type::boolean       ? "false"
                                : topic->type == config_type::float64     ? "0.5"
                                : topic->name == "cleanup.policy"         ? "delete"
                                : topic->name == "compression.type"       ? "producer"
                                : topic->name == "message.timestamp.type" ? "CreateTime"
                                : topic->name == "segment.bytes"          ? "1048576"
                                                                          : "1000";
            EXPECT_EQ(check_topic_config(topic->name, value), std::nullopt) << topic->name;
            overrides.emplace(std::string(topic->name), value);
        }
    }
    auto settings = resolve_topic_settings(broker_defaults(), &overrides, false);
    EXPECT_EQ(settings.log.retention_ms, 1000);
    EXPECT_EQ(settings.log.segment_bytes, 1048576);
}

}  // namespace
}  // namespace samsa::broker
