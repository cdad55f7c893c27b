// Building the broker's configuration from a file and overrides (see broker/broker_config.h).

#include "broker/broker_config.h"

#include <gtest/gtest.h>

#include <limits>

#include "broker/tests/temporary_directory.h"

namespace samsa::broker {
namespace {

using testing::temporary_directory;
using testing::write_file;

// Kafka 4.0's config/server.properties, as shipped (comments shortened).
constexpr std::string_view kafka_server_properties = R"(
############################# Server Basics #############################
# The role of this server. Setting this puts us in KRaft mode
process.roles=broker,controller
# The node id associated with this instance's roles
node.id=1
# List of controller endpoints used connect to the controller cluster
controller.quorum.bootstrap.servers=localhost:9093

############################# Socket Server Settings #############################
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600

############################# Log Basics #############################
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1

############################# Internal Topic Settings  #############################
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1

############################# Log Flush Policy #############################
#log.flush.interval.messages=10000
#log.flush.interval.ms=1000

############################# Log Retention Policy #############################
log.retention.hours=168
#log.retention.bytes=1073741824
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
)";

constexpr int64_t hour_ms = 60 * 60 * 1000;

std::vector<config_setting> file_settings(
    std::initializer_list<std::pair<std::string, std::string>> entries) {
    std::vector<config_setting> settings;
    std::size_t line = 0;
    for (const auto& [key, value] : entries) {
        settings.push_back({key, value, config_origin::from_file("server.properties", ++line)});
    }
    return settings;
}

broker_config built(const std::vector<config_setting>& settings,
                    const std::vector<std::string>& overrides = {}) {
    auto config = make_broker_config(settings, overrides);
    if (!config) {
        for (const auto& problem : config.error()) {
            ADD_FAILURE() << problem.message;
        }
        return {};
    }
    return *std::move(config);
}

broker_config with_overrides(const std::vector<std::string>& overrides) {
    return built({}, overrides);
}

std::vector<config_problem> problems_of(const std::vector<config_setting>& settings,
                                        const std::vector<std::string>& overrides = {}) {
    auto config = make_broker_config(settings, overrides);
    EXPECT_FALSE(config.has_value());
    return config.has_value() ? std::vector<config_problem>{} : config.error();
}

std::vector<config_problem> override_problems(const std::vector<std::string>& overrides) {
    return problems_of({}, overrides);
}

// The single problem expected, with a message containing `text`.
void expect_one_problem(const std::vector<config_problem>& problems, config_problem_kind kind,
                        std::string_view key, std::string_view text) {
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].kind, kind) << problems[0].message;
    EXPECT_EQ(problems[0].key, key) << problems[0].message;
    EXPECT_NE(problems[0].message.find(text), std::string::npos) << problems[0].message;
}

TEST(broker_config, ABrokerWithoutConfigListensOnLoopbackAndKeepsDataInDotData) {
    auto config = built({});
    ASSERT_EQ(config.listeners.served.size(), 1u);
    EXPECT_EQ(config.listeners.served[0].to_string(), "PLAINTEXT://127.0.0.1:9092");
    EXPECT_EQ(config.listeners.advertised, config.listeners.served);
    EXPECT_TRUE(config.listeners.controller.empty());
    EXPECT_EQ(config.listeners.inter_broker_listener_name, "PLAINTEXT");
    EXPECT_EQ(config.log.dirs, std::vector<std::filesystem::path>{"./data"});
    EXPECT_EQ(config.node.metadata_log_dir, "./data");
    EXPECT_EQ(config.node.configured_node_id, std::nullopt);
    EXPECT_EQ(config.node.process_roles,
              (std::vector<process_role>{process_role::broker, process_role::controller}));
}

TEST(broker_config, DefaultsAreKafkas) {
    auto config = built({});
    EXPECT_EQ(config.server.socket_request_max_bytes, 104857600);
    EXPECT_EQ(config.server.queued_max_requests, 500);
    EXPECT_EQ(config.server.queued_max_request_bytes, 536870912);
    EXPECT_EQ(config.server.connections_max_idle_ms, 600000);
    EXPECT_EQ(config.server.max_connections, INT32_MAX);
    EXPECT_EQ(config.server.socket_send_buffer_bytes, 102400);
    EXPECT_EQ(config.server.socket_listen_backlog_size, 50);
    EXPECT_EQ(config.topics.num_partitions, 1);
    EXPECT_TRUE(config.topics.auto_create_topics_enable);
    EXPECT_EQ(config.topic_defaults.retention_ms, 168 * hour_ms);
    EXPECT_EQ(config.topic_defaults.retention_bytes, -1);
    EXPECT_EQ(config.topic_defaults.segment_bytes, 1073741824);
    EXPECT_EQ(config.topic_defaults.segment_ms, 168 * hour_ms);
    EXPECT_EQ(config.topic_defaults.segment_jitter_ms, 0);
    EXPECT_EQ(config.topic_defaults.flush_messages, INT64_MAX);
    EXPECT_EQ(config.topic_defaults.flush_ms, INT64_MAX);
    EXPECT_TRUE(config.topic_defaults.cleanup.deletes);
    EXPECT_FALSE(config.topic_defaults.cleanup.compacts);
    EXPECT_EQ(config.topic_defaults.compression_type, broker_compression_type::producer);
    EXPECT_EQ(config.topic_defaults.timestamp_type, message_timestamp_type::create_time);
    EXPECT_EQ(config.topic_defaults.message_timestamp_after_max_ms, hour_ms);
    EXPECT_EQ(config.topic_defaults.max_message_bytes, 1048588);
    EXPECT_EQ(config.log.num_recovery_threads_per_data_dir, 2);
    EXPECT_EQ(config.cleaner.dedupe_buffer_size, 134217728);
    EXPECT_EQ(config.group.offsets_topic_replication_factor, 3);
    EXPECT_EQ(config.group.offsets_retention_ms, 7 * 24 * hour_ms);
    EXPECT_EQ(config.transaction.state_log_min_isr, 2);
}

TEST(broker_config, KafkasShippedServerPropertiesLoads) {
    temporary_directory dir;
    write_file(dir / "server.properties", kafka_server_properties);
    auto config = load_broker_config(dir / "server.properties", {});
    ASSERT_TRUE(config.has_value()) << config.error()[0].message;

    EXPECT_EQ(config->node.configured_node_id, node_id(1));
    ASSERT_EQ(config->listeners.served.size(), 1u);
    EXPECT_EQ(config->listeners.served[0].to_string(), "PLAINTEXT://:9092");
    ASSERT_EQ(config->listeners.controller.size(), 1u);
    EXPECT_EQ(config->listeners.controller[0].to_string(), "CONTROLLER://:9093");
    ASSERT_EQ(config->listeners.advertised.size(), 1u);
    EXPECT_EQ(config->listeners.advertised[0].to_string(), "PLAINTEXT://localhost:9092");
    EXPECT_EQ(config->log.dirs, std::vector<std::filesystem::path>{"/tmp/kraft-combined-logs"});
    EXPECT_EQ(config->group.offsets_topic_replication_factor, 1);
    EXPECT_EQ(config->log.num_recovery_threads_per_data_dir, 1);
    EXPECT_EQ(config->node.controller_quorum_bootstrap_servers,
              std::vector<std::string>{"localhost:9093"});
}

TEST(broker_config, ControllerListenersNeedNoProtocolMapEntryByDefault) {
    auto config = with_overrides(
        {"listeners=PLAINTEXT://:9092,CONTROLLER://:9093", "controller.listener.names=controller"});
    ASSERT_EQ(config.listeners.controller.size(), 1u);
    EXPECT_EQ(config.listeners.controller[0].protocol, security_protocol::plaintext);
    EXPECT_EQ(config.listeners.advertised.size(), 1u);
}

TEST(broker_config, OverrideWinsOverFile) {
    auto config =
        built(file_settings({{"num.partitions", "3"}, {"log.dirs", "/a"}}), {"num.partitions=6"});
    EXPECT_EQ(config.topics.num_partitions, 6);
    EXPECT_EQ(config.log.dirs, std::vector<std::filesystem::path>{"/a"});
    const config_entry* entry = config.find("num.partitions");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->value, "6");
    EXPECT_EQ(entry->source, config_source::static_broker_config);
    EXPECT_EQ(entry->origin.describe(), "--set");
}

TEST(broker_config, ALaterOverrideWinsOverAnEarlierOne) {
    EXPECT_EQ(with_overrides({"num.partitions=2", "num.partitions=5"}).topics.num_partitions, 5);
}

TEST(broker_config, EntriesRecordEffectiveValueAndSource) {
    auto config = built(file_settings({{"auto.create.topics.enable", " FALSE "}}));
    ASSERT_EQ(config.entries.size(), config_definitions().size());

    const config_entry* set = config.find("auto.create.topics.enable");
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->value, "false");
    EXPECT_EQ(set->source, config_source::static_broker_config);
    EXPECT_EQ(set->origin.describe(), "server.properties:1");

    const config_entry* defaulted = config.find("log.retention.hours");
    ASSERT_NE(defaulted, nullptr);
    EXPECT_EQ(defaulted->value, "168");
    EXPECT_EQ(defaulted->source, config_source::default_config);

    const config_entry* null = config.find("log.retention.ms");
    ASSERT_NE(null, nullptr);
    EXPECT_EQ(null->value, std::nullopt);
    EXPECT_EQ(config.find("no.such.key"), nullptr);
}

TEST(broker_config, EveryProblemIsReportedNotJustTheFirst) {
    auto problems = problems_of(file_settings({{"num.partitions", "zero"},
                                               {"log.retention.hour", "1"},
                                               {"compression.type", "brotli"}}),
                                {"socket.request.max.bytes=0", "oops"});
    ASSERT_EQ(problems.size(), 5u);
    std::vector<config_problem_kind> kinds;
    for (const auto& problem : problems) {
        kinds.push_back(problem.kind);
    }
    for (auto kind :
         {config_problem_kind::malformed_value, config_problem_kind::unknown_key,
          config_problem_kind::invalid_value, config_problem_kind::malformed_override}) {
        EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end());
    }
}

TEST(broker_config, UnknownKeySuggestsNearestName) {
    auto problems = problems_of(file_settings({{"log.retention.hour", "1"}}));
    expect_one_problem(problems, config_problem_kind::unknown_key, "log.retention.hour",
                       "server.properties:1: unknown configuration key 'log.retention.hour'; "
                       "did you mean 'log.retention.hours'?");
}

TEST(broker_config, UnknownKeyFarFromEveryNameHasNoSuggestion) {
    auto problems = override_problems({"ssl.keystore.location=/etc/keystore.jks"});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].message, "--set: unknown configuration key 'ssl.keystore.location'");
}

TEST(broker_config, MalformedValueNamesKeyValueTypeAndOrigin) {
    auto problems =
        problems_of(file_settings({{"num.partitions", "1"}, {"log.retention.ms", "abc"}}));
    expect_one_problem(problems, config_problem_kind::malformed_value, "log.retention.ms",
                       "server.properties:2: invalid value 'abc' for log.retention.ms: not a "
                       "number of type LONG");
}

TEST(broker_config, OutOfRangeValueIsReported) {
    expect_one_problem(
        override_problems({"num.partitions=4294967296"}), config_problem_kind::out_of_range,
        "num.partitions",
        "--set: invalid value '4294967296' for num.partitions: out of range for INT");
}

TEST(broker_config, ValueBelowItsMinimumIsInvalid) {
    expect_one_problem(override_problems({"log.segment.bytes=1024"}),
                       config_problem_kind::invalid_value, "log.segment.bytes",
                       "value must be at least 1048576");
}

TEST(broker_config, RetentionMsWinsOverMinutesAndHours) {
    auto config = with_overrides(
        {"log.retention.hours=1", "log.retention.minutes=2", "log.retention.ms=3000"});
    EXPECT_EQ(config.topic_defaults.retention_ms, 3000);
}

TEST(broker_config, RetentionMinutesWinOverHours) {
    auto config = with_overrides({"log.retention.hours=1", "log.retention.minutes=2"});
    EXPECT_EQ(config.topic_defaults.retention_ms, 2 * 60 * 1000);
    EXPECT_EQ(with_overrides({"log.retention.hours=2"}).topic_defaults.retention_ms, 2 * hour_ms);
}

TEST(broker_config, NegativeRetentionIsUnlimited) {
    EXPECT_EQ(with_overrides({"log.retention.ms=-1"}).topic_defaults.retention_ms, -1);
    EXPECT_EQ(with_overrides({"log.retention.hours=-5"}).topic_defaults.retention_ms, -1);
}

TEST(broker_config, ZeroRetentionIsRefused) {
    expect_one_problem(override_problems({"log.retention.minutes=0"}),
                       config_problem_kind::invalid_value, "log.retention.minutes",
                       "retention must be unlimited (-1) or at least 1 ms");
}

TEST(broker_config, RollMsWinsOverRollHours) {
    auto config = with_overrides({"log.roll.hours=2", "log.roll.ms=60000",
                                  "log.roll.jitter.hours=1", "log.roll.jitter.ms=500"});
    EXPECT_EQ(config.topic_defaults.segment_ms, 60000);
    EXPECT_EQ(config.topic_defaults.segment_jitter_ms, 500);
    auto hours = with_overrides({"log.roll.hours=2", "log.roll.jitter.hours=1"});
    EXPECT_EQ(hours.topic_defaults.segment_ms, 2 * hour_ms);
    EXPECT_EQ(hours.topic_defaults.segment_jitter_ms, hour_ms);
    expect_one_problem(override_problems({"log.roll.ms=0"}), config_problem_kind::invalid_value,
                       "log.roll.ms", "value must be at least 1");
}

TEST(broker_config, FlushIntervalFallsBackToTheSchedulerInterval) {
    EXPECT_EQ(with_overrides({"log.flush.scheduler.interval.ms=2000"}).topic_defaults.flush_ms,
              2000);
    EXPECT_EQ(with_overrides({"log.flush.scheduler.interval.ms=2000", "log.flush.interval.ms=10"})
                  .topic_defaults.flush_ms,
              10);
}

TEST(broker_config, LogDirsWinsOverLogDir) {
    auto config = with_overrides({"log.dir=/single", "log.dirs=/a, /b"});
    EXPECT_EQ(config.log.dirs, (std::vector<std::filesystem::path>{"/a", "/b"}));
    EXPECT_EQ(config.node.metadata_log_dir, "/a");
    EXPECT_EQ(with_overrides({"log.dir=/single"}).log.dirs,
              std::vector<std::filesystem::path>{"/single"});
}

TEST(broker_config, LogDirsMustNameDistinctDirectories) {
    expect_one_problem(override_problems({"log.dirs= , "}), config_problem_kind::invalid_value,
                       "log.dirs", "at least one log directory");
    expect_one_problem(override_problems({"log.dirs=/a,/b/../a"}),
                       config_problem_kind::invalid_value, "log.dirs", "listed more than once");
}

TEST(broker_config, MetadataLogDirGetsAMetaPropertiesToo) {
    auto config = with_overrides({"log.dirs=/a,/b", "metadata.log.dir=/meta"});
    EXPECT_EQ(config.meta_properties_dirs(),
              (std::vector<std::filesystem::path>{"/a", "/b", "/meta"}));
    EXPECT_EQ(with_overrides({"log.dirs=/a,/b", "metadata.log.dir=/b/"}).meta_properties_dirs(),
              (std::vector<std::filesystem::path>{"/a", "/b"}));
}

TEST(broker_config, NodeIdMinusOneMeansFromMetaProperties) {
    EXPECT_EQ(with_overrides({"node.id=-1"}).node.configured_node_id, std::nullopt);
    EXPECT_EQ(with_overrides({"node.id=7"}).node.configured_node_id, node_id(7));
    expect_one_problem(override_problems({"node.id=-2"}), config_problem_kind::invalid_value,
                       "node.id", "value must be at least -1");
}

TEST(broker_config, BrokerIdIsTheOlderNameOfNodeId) {
    EXPECT_EQ(with_overrides({"broker.id=4"}).node.configured_node_id, node_id(4));
    EXPECT_EQ(with_overrides({"broker.id=4", "node.id=4"}).node.configured_node_id, node_id(4));
    expect_one_problem(override_problems({"broker.id=4", "node.id=5"}),
                       config_problem_kind::invalid_value, "broker.id", "differs from node.id 5");
}

TEST(broker_config, OnlyTheCombinedRolesAreSupported) {
    expect_one_problem(override_problems({"process.roles=broker"}),
                       config_problem_kind::unsupported, "process.roles",
                       "set process.roles=broker,controller");
    expect_one_problem(override_problems({"process.roles=zookeeper"}),
                       config_problem_kind::invalid_value, "process.roles",
                       "'zookeeper' is not one of broker, controller");
    EXPECT_EQ(with_overrides({"process.roles=controller , broker"}).node.process_roles.size(), 2u);
}

TEST(broker_config, AdvertisedListenersDefaultToListeners) {
    auto config = with_overrides({"listeners=PLAINTEXT://:0"});
    ASSERT_EQ(config.listeners.advertised.size(), 1u);
    EXPECT_TRUE(config.listeners.advertised[0].has_wildcard_host());
    EXPECT_TRUE(config.listeners.advertised[0].has_ephemeral_port());
}

TEST(broker_config, AdvertisedListenerMustNameAListener) {
    expect_one_problem(
        override_problems({"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT",
                           "advertised.listeners=PLAINTEXT://a:9092,EXTERNAL://b:9094"}),
        config_problem_kind::invalid_value, "advertised.listeners",
        "listener EXTERNAL is not one of the listeners (PLAINTEXT)");
}

TEST(broker_config, AWildcardListenerNeedsAdvertisedListeners) {
    expect_one_problem(override_problems({"listeners=PLAINTEXT://0.0.0.0:9092"}),
                       config_problem_kind::invalid_value, "listeners",
                       "set advertised.listeners to a routable address");
    auto config = with_overrides(
        {"listeners=PLAINTEXT://0.0.0.0:9092", "advertised.listeners=PLAINTEXT://host-1:9092"});
    EXPECT_EQ(config.listeners.advertised[0].to_string(), "PLAINTEXT://host-1:9092");
}

TEST(broker_config, ListenerNameMissingFromProtocolMapIsAnError) {
    expect_one_problem(override_problems({"listeners=CLIENT://:9092"}),
                       config_problem_kind::invalid_value, "listeners",
                       "--set: listeners: 'CLIENT://:9092' names listener CLIENT, which "
                       "listener.security.protocol.map does not define");
}

TEST(broker_config, NonPlaintextListenersAreNotSupportedYet) {
    auto problems = override_problems({"listeners=PLAINTEXT://:9092,SSL://:9093"});
    expect_one_problem(problems, config_problem_kind::unsupported, "listeners",
                       "SSL://:9093 uses security protocol SSL, which Samsa does not serve yet");
}

TEST(broker_config, CustomListenerNamesMapToProtocols) {
    auto config = with_overrides({"listeners=CLIENT://:9092,REPLICATION://:9093",
                                  "listener.security.protocol.map=CLIENT:PLAINTEXT,"
                                  "REPLICATION:PLAINTEXT",
                                  "inter.broker.listener.name=replication"});
    EXPECT_EQ(config.listeners.served.size(), 2u);
    EXPECT_EQ(config.listeners.inter_broker_listener_name, "REPLICATION");
}

TEST(broker_config, InterBrokerListenerMustBeAdvertised) {
    expect_one_problem(
        override_problems({"listeners=CLIENT://:9092",
                           "listener.security.protocol.map=CLIENT:PLAINTEXT,PLAINTEXT:PLAINTEXT"}),
        config_problem_kind::invalid_value, "security.inter.broker.protocol",
        "the inter-broker listener PLAINTEXT must be a listener defined in advertised.listeners");
    expect_one_problem(override_problems({"inter.broker.listener.name=PLAINTEXT",
                                          "security.inter.broker.protocol=PLAINTEXT"}),
                       config_problem_kind::invalid_value, "inter.broker.listener.name",
                       "only one of");
}

TEST(broker_config, ABrokerNeedsAListenerThatIsNotAController) {
    expect_one_problem(
        override_problems({"listeners=CONTROLLER://:9093", "controller.listener.names=CONTROLLER"}),
        config_problem_kind::invalid_value, "listeners", "no listener to serve clients on");
}

TEST(broker_config, RulesBetweenKeysAreChecked) {
    expect_one_problem(override_problems({"group.min.session.timeout.ms=10000",
                                          "group.max.session.timeout.ms=5000"}),
                       config_problem_kind::invalid_value, "group.max.session.timeout.ms",
                       "must be at least group.min.session.timeout.ms");
    expect_one_problem(
        override_problems({"replica.fetch.wait.max.ms=40000", "replica.socket.timeout.ms=50000"}),
        config_problem_kind::invalid_value, "replica.fetch.wait.max.ms",
        "must be at most replica.lag.time.max.ms");
    expect_one_problem(override_problems({"queued.max.request.bytes=1000"}),
                       config_problem_kind::invalid_value, "queued.max.request.bytes",
                       "must be at least socket.request.max.bytes");
    expect_one_problem(override_problems({"log.cleaner.dedupe.buffer.size=1048576"}),
                       config_problem_kind::invalid_value, "log.cleaner.dedupe.buffer.size",
                       "more than 1 MiB per cleaner thread");
}

TEST(broker_config, TheLogCleanerDefaultsAreKafkas) {
    const log_cleaner_settings cleaner = built({}).cleaner;
    EXPECT_TRUE(cleaner.enable);
    EXPECT_EQ(cleaner.threads, 1);
    EXPECT_EQ(cleaner.dedupe_buffer_size, 134217728);
    EXPECT_EQ(cleaner.io_buffer_size, 524288);
    EXPECT_DOUBLE_EQ(cleaner.io_buffer_load_factor, 0.9);
    EXPECT_EQ(cleaner.io_max_bytes_per_second, std::numeric_limits<double>::max());
    EXPECT_EQ(cleaner.backoff_ms, 15000);
}

TEST(broker_config, TheLogCleanerSettingsAreRead) {
    const log_cleaner_settings cleaner =
        built(file_settings({{"log.cleaner.enable", "false"},
                             {"log.cleaner.threads", "4"},
                             {"log.cleaner.dedupe.buffer.size", "67108864"},
                             {"log.cleaner.io.buffer.size", "1048576"},
                             {"log.cleaner.io.buffer.load.factor", "0.75"},
                             {"log.cleaner.io.max.bytes.per.second", "1e6"},
                             {"log.cleaner.backoff.ms", "500"}}))
            .cleaner;
    EXPECT_FALSE(cleaner.enable);
    EXPECT_EQ(cleaner.threads, 4);
    EXPECT_EQ(cleaner.dedupe_buffer_size, 67108864);
    EXPECT_EQ(cleaner.io_buffer_size, 1048576);
    EXPECT_DOUBLE_EQ(cleaner.io_buffer_load_factor, 0.75);
    EXPECT_DOUBLE_EQ(cleaner.io_max_bytes_per_second, 1e6);
    EXPECT_EQ(cleaner.backoff_ms, 500);
}

TEST(broker_config, TheCompactionDefaultsOfTopicsAreRead) {
    auto defaults = built({}).topic_defaults;
    EXPECT_DOUBLE_EQ(defaults.min_cleanable_dirty_ratio, 0.5);
    EXPECT_EQ(defaults.delete_retention_ms, 86400000);
    EXPECT_EQ(defaults.min_compaction_lag_ms, 0);
    EXPECT_EQ(defaults.max_compaction_lag_ms, INT64_MAX);

    defaults =
        with_overrides(
            {"log.cleaner.min.cleanable.ratio=0.2", "log.cleaner.delete.retention.ms=1000",
             "log.cleaner.min.compaction.lag.ms=2000", "log.cleaner.max.compaction.lag.ms=3000"})
            .topic_defaults;
    EXPECT_DOUBLE_EQ(defaults.min_cleanable_dirty_ratio, 0.2);
    EXPECT_EQ(defaults.delete_retention_ms, 1000);
    EXPECT_EQ(defaults.min_compaction_lag_ms, 2000);
    EXPECT_EQ(defaults.max_compaction_lag_ms, 3000);
}

TEST(broker_config, EnumerationsBecomeTypedValues) {
    auto config = with_overrides({"log.cleanup.policy=compact,delete", "compression.type=zstd",
                                  "log.message.timestamp.type=LogAppendTime"});
    EXPECT_TRUE(config.topic_defaults.cleanup.compacts);
    EXPECT_TRUE(config.topic_defaults.cleanup.deletes);
    EXPECT_EQ(config.topic_defaults.compression_type, broker_compression_type::zstd);
    EXPECT_EQ(config.topic_defaults.timestamp_type, message_timestamp_type::log_append_time);
    EXPECT_FALSE(with_overrides({"log.cleanup.policy=compact"}).topic_defaults.cleanup.deletes);
}

TEST(broker_config, AMissingConfigFileIsTheOnlyProblemReported) {
    temporary_directory dir;
    std::vector<std::string> overrides{"num.partitions=x"};
    auto config = load_broker_config(dir / "missing.properties", overrides);
    ASSERT_FALSE(config.has_value());
    ASSERT_EQ(config.error().size(), 1u);
    EXPECT_EQ(config.error()[0].kind, config_problem_kind::unreadable_file);
}

TEST(broker_config, FileProblemsNameTheFileAndLine) {
    temporary_directory dir;
    auto path = dir / "server.properties";
    write_file(path, "# settings\nnum.partitions=3\nnum.io.threads=0\n");
    auto config = load_broker_config(path, {});
    ASSERT_FALSE(config.has_value());
    ASSERT_EQ(config.error().size(), 1u);
    EXPECT_EQ(config.error()[0].message,
              path.string() + ":3: invalid value '0' for num.io.threads: value must be at least 1");
}

}  // namespace
}  // namespace samsa::broker
