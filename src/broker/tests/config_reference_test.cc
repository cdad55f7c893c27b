// The table of config definitions, and docs/configuration.md, which must list it exactly.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "broker/config_definitions.h"
#include "broker/config_value.h"

namespace samsa::broker {
namespace {

constexpr std::string_view table_begin = "<!-- BEGIN GENERATED CONFIG TABLE -->\n";
constexpr std::string_view table_end = "<!-- END GENERATED CONFIG TABLE -->\n";

std::string code(std::string_view text) {
    return "`" + std::string(text) + "`";
}

std::string render_default(const config_definition& definition) {
    std::string text = !definition.default_value           ? "null"
                       : definition.default_value->empty() ? "(empty)"
                                                           : code(*definition.default_value);
    if (!definition.kafka_default.empty()) {
        auto kafka = definition.kafka_default;
        text += " (Kafka: " +
                (kafka.starts_with('(') ? std::string(kafka.substr(1, kafka.size() - 2))
                                        : code(kafka)) +
                ")";
    }
    return text;
}

// The reference table of docs/configuration.md, from the definitions.
std::string render_reference_table() {
    std::string text =
        "| Key | Type | Default | Valid values | Update mode | Topic config | Samsa |\n"
        "|---|---|---|---|---|---|---|\n";
    for (const auto& definition : config_definitions()) {
        auto valid = describe(definition.validator);
        text += "| " + code(definition.name) + " | " + std::string(to_string(definition.type)) +
                " | " + render_default(definition) + " | " + (valid.empty() ? "" : code(valid)) +
                " | " + std::string(to_string(definition.mode)) + " | " +
                (definition.topic_synonym.empty() ? "" : code(definition.topic_synonym)) + " | " +
                std::string(to_string(definition.status)) + " |\n";
    }
    return text;
}

TEST(config_definitions, NamesAreUnique) {
    std::set<std::string_view> names;
    for (const auto& definition : config_definitions()) {
        EXPECT_TRUE(names.insert(definition.name).second) << definition.name;
    }
}

TEST(config_definitions, EveryDefaultParsesAndPassesItsValidator) {
    for (const auto& definition : config_definitions()) {
        if (definition.default_value) {
            auto parsed = parse_config_value(definition, *definition.default_value);
            EXPECT_TRUE(parsed.has_value())
                << definition.name << ": " << (parsed ? "" : parsed.error().message);
        }
    }
}

TEST(config_definitions, TheKeysOperatorsExpectAreDefined) {
    for (auto name : {"node.id",
                      "process.roles",
                      "controller.quorum.voters",
                      "controller.quorum.bootstrap.servers",
                      "controller.listener.names",
                      "inter.broker.listener.name",
                      "listeners",
                      "advertised.listeners",
                      "listener.security.protocol.map",
                      "log.dir",
                      "log.dirs",
                      "num.partitions",
                      "default.replication.factor",
                      "auto.create.topics.enable",
                      "delete.topic.enable",
                      "min.insync.replicas",
                      "unclean.leader.election.enable",
                      "broker.rack",
                      "message.max.bytes",
                      "compression.type",
                      "log.retention.hours",
                      "log.retention.minutes",
                      "log.retention.ms",
                      "log.retention.bytes",
                      "log.retention.check.interval.ms",
                      "log.segment.bytes",
                      "log.roll.hours",
                      "log.roll.ms",
                      "log.roll.jitter.hours",
                      "log.roll.jitter.ms",
                      "log.index.size.max.bytes",
                      "log.index.interval.bytes",
                      "log.flush.interval.messages",
                      "log.flush.interval.ms",
                      "log.flush.scheduler.interval.ms",
                      "log.flush.offset.checkpoint.interval.ms",
                      "log.cleanup.policy",
                      "log.cleaner.enable",
                      "log.cleaner.threads",
                      "log.cleaner.dedupe.buffer.size",
                      "log.cleaner.io.max.bytes.per.second",
                      "log.cleaner.min.cleanable.ratio",
                      "log.cleaner.delete.retention.ms",
                      "log.cleaner.min.compaction.lag.ms",
                      "log.cleaner.max.compaction.lag.ms",
                      "log.cleaner.backoff.ms",
                      "log.segment.delete.delay.ms",
                      "log.message.timestamp.type",
                      "log.message.timestamp.before.max.ms",
                      "log.message.timestamp.after.max.ms",
                      "num.recovery.threads.per.data.dir",
                      "socket.request.max.bytes",
                      "socket.send.buffer.bytes",
                      "socket.receive.buffer.bytes",
                      "socket.listen.backlog.size",
                      "queued.max.requests",
                      "queued.max.request.bytes",
                      "connections.max.idle.ms",
                      "max.connections",
                      "max.connections.per.ip",
                      "num.network.threads",
                      "num.io.threads",
                      "num.replica.fetchers",
                      "replica.lag.time.max.ms",
                      "replica.fetch.max.bytes",
                      "replica.fetch.wait.max.ms",
                      "offsets.topic.num.partitions",
                      "offsets.topic.replication.factor",
                      "offsets.topic.segment.bytes",
                      "offsets.retention.minutes",
                      "offsets.retention.check.interval.ms",
                      "offsets.commit.timeout.ms",
                      "group.initial.rebalance.delay.ms",
                      "group.min.session.timeout.ms",
                      "group.max.session.timeout.ms",
                      "group.max.size",
                      "transaction.state.log.num.partitions",
                      "transaction.state.log.replication.factor",
                      "transaction.state.log.min.isr",
                      "transaction.max.timeout.ms",
                      "transactional.id.expiration.ms",
                      "producer.id.expiration.ms",
                      "fetch.max.bytes",
                      "auto.leader.rebalance.enable",
                      "metadata.log.dir"}) {
        EXPECT_NE(find_config_definition(name), nullptr) << name;
    }
}

TEST(config_definitions, SamsasDeviationsFromKafkaDefaultsAreRecorded) {
    std::set<std::string_view> deviating;
    for (const auto& definition : config_definitions()) {
        if (!definition.kafka_default.empty()) {
            deviating.insert(definition.name);
        }
    }
    EXPECT_EQ(deviating, (std::set<std::string_view>{"process.roles", "node.id", "listeners",
                                                     "log.dir", "queued.max.request.bytes"}));
    EXPECT_EQ(find_config_definition("listeners")->default_value, "PLAINTEXT://127.0.0.1:9092");
}

TEST(config_definitions, NearbyNamesAreSuggested) {
    EXPECT_EQ(suggest_config_name("log.retention.hour"), "log.retention.hours");
    EXPECT_EQ(suggest_config_name("num_partitions"), "num.partitions");
    EXPECT_EQ(suggest_config_name("advertised.listener"), "advertised.listeners");
    EXPECT_EQ(suggest_config_name("foo"), "");
    EXPECT_EQ(suggest_config_name("ssl.keystore.location"), "");
}

TEST(config_definitions, ValidatorsDescribeThemselvesAsKafkaDoes) {
    EXPECT_EQ(describe(find_config_definition("num.partitions")->validator), "[1,...]");
    EXPECT_EQ(describe(find_config_definition("log.cleaner.min.cleanable.ratio")->validator),
              "[0,...,1]");
    EXPECT_EQ(describe(find_config_definition("log.cleanup.policy")->validator),
              "[compact, delete]");
    EXPECT_EQ(describe(find_config_definition("broker.rack")->validator), "");
}

// docs/configuration.md carries the table between two markers. To regenerate it after
// changing the definitions:
//   SAMSA_UPDATE_DOCS=1 build/src/broker/broker_config_test --gtest_filter='*Reference*'
TEST(config_reference, DocsReferenceTableMatchesTheDefinitions) {
    std::filesystem::path docs =
        std::filesystem::path(SAMSA_SOURCE_DIR) / "docs" / "configuration.md";
    std::ifstream in(docs, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << docs;
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();

    std::size_t begin = text.find(table_begin);
    std::size_t end = text.find(table_end);
    ASSERT_NE(begin, std::string::npos) << docs << " has no " << table_begin;
    ASSERT_NE(end, std::string::npos) << docs << " has no " << table_end;
    begin += table_begin.size();
    std::string expected = render_reference_table();
    std::string actual = text.substr(begin, end - begin);

    if (actual != expected && std::getenv("SAMSA_UPDATE_DOCS") != nullptr) {
        text.replace(begin, end - begin, expected);
        std::ofstream(docs, std::ios::binary | std::ios::trunc) << text;
        return;
    }
    EXPECT_EQ(actual, expected)
        << docs << " is out of date; regenerate its table with SAMSA_UPDATE_DOCS=1 "
        << "build/src/broker/broker_config_test --gtest_filter='*Reference*'";
}

}  // namespace
}  // namespace samsa::broker
