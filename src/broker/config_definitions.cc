#include "broker/config_definitions.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <numeric>

namespace samsa::broker {
namespace {

constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

integer_range at_least(int64_t min) {
    return {min, int64_max};
}

// The defaults Kafka spells as Integer.MAX_VALUE, Long.MAX_VALUE and Double.MAX_VALUE.
constexpr std::string_view int32_max_text = "2147483647";
constexpr std::string_view int64_max_text = "9223372036854775807";
constexpr std::string_view double_max_text = "1.7976931348623157E308";

constexpr std::optional<std::string_view> null = std::nullopt;

std::vector<config_definition> make_definitions() {
    using enum config_type;
    using enum update_mode;
    using enum support_status;
    const any_value any;
    return {
        // ---- KRaft identity and roles -------------------------------------------------
        // Samsa deviation: Kafka 4.0 requires process.roles and node.id. Samsa runs both
        // roles in one process by default, and node.id -1 means "the id stored in
        // meta.properties, or 1 on first start".
        {"process.roles",
         list,
         "broker,controller",
         list_choice{{"broker", "controller"}},
         read_only,
         honoured,
         {},
         "(required)"},
        {"node.id", int32, "-1", at_least(-1), read_only, honoured, {}, "(required)"},
        // The ZooKeeper-era name of node.id; Kafka 4.0 still accepts it as a synonym.
        {"broker.id", int32, "-1", any, read_only, honoured},
        {"controller.listener.names", string, null, any, read_only, honoured},
        {"controller.quorum.voters", list, "", any, read_only, no_effect},
        {"controller.quorum.bootstrap.servers", list, "", any, read_only, no_effect},
        {"metadata.log.dir", string, null, any, read_only, planned},
        {"broker.rack", string, null, any, read_only, planned},
        // Removed from Kafka 4.0 with ZooKeeper (whose brokers ignore them); accepted so that
        // older files load.
        {"zookeeper.connect", string, null, any, read_only, no_effect},
        {"zookeeper.connection.timeout.ms", int32, null, any, read_only, no_effect},
        {"zookeeper.session.timeout.ms", int32, "18000", any, read_only, no_effect},

        // ---- Thread pools: Samsa runs one event loop per core instead ----------------
        {"num.network.threads", int32, "3", at_least(1), cluster_wide, no_effect},
        {"num.io.threads", int32, "8", at_least(1), cluster_wide, no_effect},
        {"background.threads", int32, "10", at_least(1), cluster_wide, no_effect},

        // ---- Socket server -------------------------------------------------------------
        // Samsa deviation: loopback by default, so that a broker started without a config
        // is reachable locally and not exposed to the network.
        {"listeners",
         string,
         "PLAINTEXT://127.0.0.1:9092",
         any,
         per_broker,
         honoured,
         {},
         "PLAINTEXT://:9092"},
        {"advertised.listeners", string, null, any, per_broker, honoured},
        {"listener.security.protocol.map", string,
         "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL", any,
         per_broker, honoured},
        {"inter.broker.listener.name", string, null, any, read_only, planned},
        {"security.inter.broker.protocol", string, "PLAINTEXT",
         string_choice{{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}}, read_only, planned},
        {"socket.send.buffer.bytes", int32, "102400", any, read_only, honoured},
        {"socket.receive.buffer.bytes", int32, "102400", any, read_only, honoured},
        {"socket.request.max.bytes", int32, "104857600", at_least(1), read_only, honoured},
        {"socket.listen.backlog.size", int32, "50", at_least(1), read_only, honoured},
        {"max.connections", int32, int32_max_text, at_least(0), cluster_wide, honoured},
        {"max.connections.per.ip", int32, int32_max_text, at_least(0), cluster_wide, honoured},
        {"max.connections.per.ip.overrides", string, "", any, cluster_wide, planned},
        {"max.connection.creation.rate", int32, int32_max_text, at_least(0), cluster_wide, planned},
        {"connections.max.idle.ms", int64, "600000", any, read_only, honoured},
        {"connection.failed.authentication.delay.ms", int32, "100", at_least(0), read_only,
         no_effect},
        // Samsa applies queued.max.requests per connection (requests read and not yet
        // answered); Kafka bounds one broker-wide queue. See docs/configuration.md.
        {"queued.max.requests", int32, "500", at_least(1), read_only, honoured},
        // Samsa deviation: a budget by default (Kafka: -1, none); server/request_memory_pool.h.
        {"queued.max.request.bytes", int64, "536870912", any, read_only, honoured, {}, "-1"},
        {"fetch.max.bytes", int32, "57671680", at_least(1024), read_only, honoured},
        {"message.max.bytes", int32, "1048588", at_least(0), cluster_wide, honoured,
         "max.message.bytes"},

        // ---- Topics ----------------------------------------------------------------------
        {"auto.create.topics.enable", boolean, "true", any, read_only, honoured},
        {"delete.topic.enable", boolean, "true", any, read_only, planned},
        {"num.partitions", int32, "1", at_least(1), read_only, planned},
        {"default.replication.factor", int32, "1", any, read_only, planned},
        {"min.insync.replicas", int32, "1", at_least(1), cluster_wide, planned,
         "min.insync.replicas"},
        {"unclean.leader.election.enable", boolean, "false", any, cluster_wide, planned,
         "unclean.leader.election.enable"},
        {"compression.type", string, "producer",
         string_choice{{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}}, cluster_wide,
         honoured, "compression.type"},

        // ---- Log -------------------------------------------------------------------------
        // Samsa deviation: data goes to ./data unless log.dirs or log.dir says otherwise.
        // log.dirs keeps Kafka's null default so that log.dir still applies when set.
        {"log.dir", string, "./data", any, read_only, honoured, {}, "/tmp/kafka-logs"},
        {"log.dirs", string, null, any, read_only, honoured},
        {"log.segment.bytes", int32, "1073741824", at_least(1024 * 1024), cluster_wide, honoured,
         "segment.bytes"},
        // log.roll.ms, when set, wins over log.roll.hours; the same for the jitter.
        {"log.roll.ms", int64, null, any, cluster_wide, honoured, "segment.ms"},
        {"log.roll.hours", int32, "168", at_least(1), read_only, honoured, "segment.ms"},
        {"log.roll.jitter.ms", int64, null, any, cluster_wide, honoured, "segment.jitter.ms"},
        {"log.roll.jitter.hours", int32, "0", at_least(0), read_only, honoured,
         "segment.jitter.ms"},
        // log.retention.ms wins over .minutes, which wins over .hours; negative is unlimited.
        {"log.retention.ms", int64, null, any, cluster_wide, honoured, "retention.ms"},
        {"log.retention.minutes", int32, null, any, read_only, honoured, "retention.ms"},
        {"log.retention.hours", int32, "168", any, read_only, honoured, "retention.ms"},
        {"log.retention.bytes", int64, "-1", any, cluster_wide, honoured, "retention.bytes"},
        {"log.retention.check.interval.ms", int64, "300000", at_least(1), read_only, honoured},
        {"log.cleanup.policy", list, "delete", list_choice{{"compact", "delete"}}, cluster_wide,
         honoured, "cleanup.policy"},
        {"log.index.size.max.bytes", int32, "10485760", at_least(4), cluster_wide, honoured,
         "segment.index.bytes"},
        {"log.index.interval.bytes", int32, "4096", at_least(0), cluster_wide, honoured,
         "index.interval.bytes"},
        {"log.flush.interval.messages", int64, int64_max_text, at_least(1), cluster_wide, honoured,
         "flush.messages"},
        // log.flush.interval.ms falls back to log.flush.scheduler.interval.ms when unset.
        {"log.flush.interval.ms", int64, null, any, cluster_wide, honoured, "flush.ms"},
        {"log.flush.scheduler.interval.ms", int64, int64_max_text, any, read_only, honoured,
         "flush.ms"},
        {"log.flush.offset.checkpoint.interval.ms", int32, "60000", at_least(0), read_only,
         honoured},
        {"log.flush.start.offset.checkpoint.interval.ms", int32, "60000", at_least(0), read_only,
         honoured},
        {"log.segment.delete.delay.ms", int64, "60000", at_least(0), cluster_wide, honoured,
         "file.delete.delay.ms"},
        {"log.preallocate", boolean, "false", any, cluster_wide, planned, "preallocate"},
        {"log.message.timestamp.type", string, "CreateTime",
         string_choice{{"CreateTime", "LogAppendTime"}}, cluster_wide, honoured,
         "message.timestamp.type"},
        {"log.message.timestamp.before.max.ms", int64, int64_max_text, at_least(0), cluster_wide,
         honoured, "message.timestamp.before.max.ms"},
        {"log.message.timestamp.after.max.ms", int64, "3600000", at_least(0), cluster_wide,
         honoured, "message.timestamp.after.max.ms"},
        {"num.recovery.threads.per.data.dir", int32, "2", at_least(1), cluster_wide, planned},

        // ---- Log cleaner (compaction) ----------------------------------------------------
        // The keys without a topic config are log_cleaner_settings (broker_config.h), read at
        // start-up: Kafka updates them at runtime, Samsa refuses that (dynamic_broker_configs.h).
        {"log.cleaner.enable", boolean, "true", any, read_only, honoured},
        {"log.cleaner.threads", int32, "1", at_least(0), cluster_wide, honoured},
        {"log.cleaner.dedupe.buffer.size", int64, "134217728", any, cluster_wide, honoured},
        {"log.cleaner.io.buffer.size", int32, "524288", at_least(0), cluster_wide, honoured},
        {"log.cleaner.io.buffer.load.factor", float64, "0.9", any, cluster_wide, honoured},
        {"log.cleaner.io.max.bytes.per.second", float64, double_max_text, any, cluster_wide,
         honoured},
        {"log.cleaner.backoff.ms", int64, "15000", at_least(0), cluster_wide, honoured},
        {"log.cleaner.min.cleanable.ratio", float64, "0.5", double_range{0, 1}, cluster_wide,
         honoured, "min.cleanable.dirty.ratio"},
        {"log.cleaner.delete.retention.ms", int64, "86400000", at_least(0), cluster_wide, honoured,
         "delete.retention.ms"},
        {"log.cleaner.min.compaction.lag.ms", int64, "0", at_least(0), cluster_wide, honoured,
         "min.compaction.lag.ms"},
        {"log.cleaner.max.compaction.lag.ms", int64, int64_max_text, at_least(1), cluster_wide,
         honoured, "max.compaction.lag.ms"},

        // ---- Replication -----------------------------------------------------------------
        {"num.replica.fetchers", int32, "1", any, cluster_wide, planned},
        {"replica.lag.time.max.ms", int64, "30000", any, read_only, planned},
        {"replica.fetch.max.bytes", int32, "1048576", at_least(0), read_only, planned},
        {"replica.fetch.wait.max.ms", int32, "500", any, read_only, planned},
        {"replica.fetch.min.bytes", int32, "1", any, read_only, planned},
        {"replica.fetch.response.max.bytes", int32, "10485760", at_least(0), read_only, planned},
        {"replica.fetch.backoff.ms", int32, "1000", at_least(0), read_only, planned},
        {"replica.socket.timeout.ms", int32, "30000", any, read_only, planned},
        {"replica.socket.receive.buffer.bytes", int32, "65536", any, read_only, planned},
        {"replica.high.watermark.checkpoint.interval.ms", int64, "5000", any, read_only, planned},
        {"auto.leader.rebalance.enable", boolean, "true", any, read_only, planned},
        {"leader.imbalance.per.broker.percentage", int32, "10", any, read_only, planned},
        {"leader.imbalance.check.interval.seconds", int64, "300", at_least(1), read_only, planned},

        // ---- Group coordinator -----------------------------------------------------------
        {"group.initial.rebalance.delay.ms", int32, "3000", any, read_only, honoured},
        {"group.min.session.timeout.ms", int32, "6000", any, read_only, honoured},
        {"group.max.session.timeout.ms", int32, "1800000", any, read_only, honoured},
        {"group.max.size", int32, int32_max_text, at_least(1), read_only, honoured},
        {"offsets.topic.num.partitions", int32, "50", at_least(1), read_only, honoured},
        {"offsets.topic.replication.factor", int16, "3", at_least(1), read_only, honoured},
        // Kafka's validator says at least 1, but the topic these create takes segment.bytes
        // of at least 1 MiB (KIP-1030), as log.segment.bytes does: a smaller value is refused
        // at start-up rather than failing every creation of the topic.
        {"offsets.topic.segment.bytes", int32, "104857600", at_least(1024 * 1024), read_only,
         honoured},
        {"offsets.load.buffer.size", int32, "5242880", at_least(1), read_only, planned},
        {"offsets.retention.minutes", int32, "10080", at_least(1), read_only, honoured},
        {"offsets.retention.check.interval.ms", int64, "600000", at_least(1), read_only, honoured},
        {"offsets.commit.timeout.ms", int32, "5000", at_least(1), read_only, planned},
        {"offset.metadata.max.bytes", int32, "4096", any, read_only, honoured},

        // ---- Transactions and idempotent producers ---------------------------------------
        {"transaction.state.log.num.partitions", int32, "50", at_least(1), read_only, honoured},
        {"transaction.state.log.replication.factor", int16, "3", at_least(1), read_only, honoured},
        {"transaction.state.log.min.isr", int32, "2", at_least(1), read_only, planned},
        {"transaction.state.log.segment.bytes", int32, "104857600", at_least(1024 * 1024),
         read_only, honoured},
        {"transaction.state.log.load.buffer.size", int32, "5242880", at_least(1), read_only,
         planned},
        {"transaction.max.timeout.ms", int32, "900000", at_least(1), read_only, honoured},
        {"transactional.id.expiration.ms", int32, "604800000", at_least(1), read_only, honoured},
        {"transaction.abort.timed.out.transaction.cleanup.interval.ms", int32, "10000", at_least(1),
         read_only, honoured},
        {"transaction.remove.expired.transaction.cleanup.interval.ms", int32, "3600000",
         at_least(1), read_only, honoured},
        {"transaction.partition.verification.enable", boolean, "true", any, cluster_wide, planned},
        {"producer.id.expiration.ms", int32, "86400000", at_least(1), cluster_wide, honoured},

        // ---- Share groups: Kafka 4.0's shipped server.properties sets these --------------
        {"share.coordinator.state.topic.replication.factor", int16, "3", at_least(1), read_only,
         no_effect},
        {"share.coordinator.state.topic.min.isr", int16, "2", at_least(1), read_only, no_effect},
    };
}

// Levenshtein distance, two rows.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> previous(b.size() + 1);
    std::vector<std::size_t> current(b.size() + 1);
    std::iota(previous.begin(), previous.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::string format_bound(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

std::string join_choices(const std::vector<std::string_view>& choices) {
    std::string text = "[";
    for (std::size_t i = 0; i < choices.size(); ++i) {
        text += (i == 0 ? "" : ", ");
        text += choices[i];
    }
    return text + "]";
}

}  // namespace

std::string_view to_string(config_type type) {
    switch (type) {
        case config_type::boolean:
            return "BOOLEAN";
        case config_type::string:
            return "STRING";
        case config_type::int32:
            return "INT";
        case config_type::int16:
            return "SHORT";
        case config_type::int64:
            return "LONG";
        case config_type::float64:
            return "DOUBLE";
        case config_type::list:
            return "LIST";
        case config_type::class_name:
            return "CLASS";
        case config_type::password:
            return "PASSWORD";
    }
    return "UNKNOWN";
}

std::string_view to_string(update_mode mode) {
    switch (mode) {
        case update_mode::read_only:
            return "read-only";
        case update_mode::per_broker:
            return "per-broker";
        case update_mode::cluster_wide:
            return "cluster-wide";
    }
    return "unknown";
}

std::string_view to_string(support_status status) {
    switch (status) {
        case support_status::honoured:
            return "honoured";
        case support_status::planned:
            return "planned";
        case support_status::no_effect:
            return "no effect";
    }
    return "unknown";
}

std::string describe(const config_validator& validator) {
    struct describer {
        std::string operator()(const any_value&) const { return ""; }
        std::string operator()(const integer_range& range) const {
            if (range.max == int64_max) {
                return "[" + std::to_string(range.min) + ",...]";
            }
            return "[" + std::to_string(range.min) + ",...," + std::to_string(range.max) + "]";
        }
        std::string operator()(const double_range& range) const {
            return "[" + format_bound(range.min) + ",...," + format_bound(range.max) + "]";
        }
        std::string operator()(const string_choice& choice) const {
            return join_choices(choice.choices);
        }
        std::string operator()(const list_choice& choice) const {
            return join_choices(choice.choices);
        }
    };
    return std::visit(describer{}, validator);
}

std::span<const config_definition> config_definitions() {
    static const std::vector<config_definition> definitions = make_definitions();
    return definitions;
}

const config_definition* find_config_definition(std::string_view name) {
    auto definitions = config_definitions();
    auto found = std::find_if(definitions.begin(), definitions.end(),
                              [&](const config_definition& d) { return d.name == name; });
    return found == definitions.end() ? nullptr : &*found;
}

std::string_view suggest_config_name(std::string_view unknown_name) {
    // One edit per five characters, at least one and at most three: "log.retention.hour"
    // finds "log.retention.hours", while short unrelated words find nothing.
    std::size_t allowed = std::clamp<std::size_t>(unknown_name.size() / 5, 1, 3);
    std::string_view best;
    std::size_t best_distance = allowed + 1;
    for (const auto& definition : config_definitions()) {
        std::size_t distance = edit_distance(unknown_name, definition.name);
        if (distance < best_distance) {
            best = definition.name;
            best_distance = distance;
        }
    }
    return best;
}

}  // namespace samsa::broker
