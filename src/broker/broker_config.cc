#include "broker/broker_config.h"

#include <algorithm>

#include "broker/config_builder.h"

namespace samsa::broker {
namespace {

using detail::config_builder;

constexpr int64_t ms_per_minute = 60 * 1000;
constexpr int64_t ms_per_hour = 60 * ms_per_minute;

// Whether two paths name the same directory as written ("/a/b/../c/" is "/a/c").
bool same_directory(const std::filesystem::path& a, const std::filesystem::path& b) {
    auto normal = [](const std::filesystem::path& path) {
        auto normalized = path.lexically_normal();
        return normalized.has_filename() ? normalized : normalized.parent_path();
    };
    return normal(a) == normal(b);
}

// The first of `names` that is set explicitly, else the last one (the default that
// applies); for a problem with a derived value, this is the key to blame.
std::string_view deciding_key(const config_builder& values,
                              std::initializer_list<std::string_view> names) {
    for (auto name : names) {
        if (values.is_set(name)) {
            return name;
        }
    }
    return *(names.end() - 1);
}

node_settings read_node(config_builder& values) {
    node_settings node;
    std::vector<std::string> roles = values.list("process.roles");
    for (const auto& role : roles) {
        auto parsed = role == "broker" ? process_role::broker : process_role::controller;
        if (std::find(node.process_roles.begin(), node.process_roles.end(), parsed) !=
            node.process_roles.end()) {
            values.report(config_problem_kind::invalid_value, "process.roles",
                          "duplicate role " + role);
        }
        node.process_roles.push_back(parsed);
    }
    std::sort(node.process_roles.begin(), node.process_roles.end());
    node.process_roles.erase(std::unique(node.process_roles.begin(), node.process_roles.end()),
                             node.process_roles.end());
    if (node.process_roles.size() != 2) {
        values.report(config_problem_kind::unsupported, "process.roles",
                      "Samsa runs the broker and controller roles in one process; set "
                      "process.roles=broker,controller (separate roles are not supported yet)");
    }

    // broker.id is node.id's older name: either may be set, and both only if equal.
    int32_t id = values.int32("node.id");
    int32_t broker_id = values.int32("broker.id");
    if (values.is_set("broker.id")) {
        if (values.is_set("node.id") && broker_id != id) {
            values.report(config_problem_kind::invalid_value, "broker.id",
                          "broker.id " + std::to_string(broker_id) + " differs from node.id " +
                              std::to_string(id) +
                              "; broker.id is the older name of node.id, set only one");
        }
        if (!values.is_set("node.id")) {
            id = broker_id;
        }
        if (broker_id < -1) {
            values.report(config_problem_kind::invalid_value, "broker.id",
                          "value must be at least -1 (-1: from meta.properties)");
        }
    }
    if (id >= 0) {
        node.configured_node_id = node_id(id);
    }
    if (const std::string* rack = values.string("broker.rack")) {
        node.rack = *rack;
    }
    node.controller_quorum_voters = values.list("controller.quorum.voters");
    node.controller_quorum_bootstrap_servers = values.list("controller.quorum.bootstrap.servers");
    return node;
}

std::vector<std::filesystem::path> read_log_dirs(config_builder& values) {
    const std::string* log_dirs = values.string("log.dirs");
    std::string_view key = log_dirs != nullptr ? "log.dirs" : "log.dir";
    std::vector<std::filesystem::path> dirs;
    for (const auto& dir :
         parse_csv_list(log_dirs != nullptr ? *log_dirs : *values.string("log.dir"))) {
        std::filesystem::path path(dir);
        auto same = [&](const std::filesystem::path& other) { return same_directory(other, path); };
        if (std::any_of(dirs.begin(), dirs.end(), same)) {
            values.report(config_problem_kind::invalid_value, key,
                          "log directory " + dir + " is listed more than once");
            continue;
        }
        dirs.push_back(std::move(path));
    }
    if (dirs.empty()) {
        values.report(config_problem_kind::invalid_value, key,
                      "at least one log directory must be defined via log.dirs or log.dir");
    }
    return dirs;
}

socket_server_settings read_socket_server(config_builder& values) {
    socket_server_settings server{
        .socket_request_max_bytes = values.int32("socket.request.max.bytes"),
        .queued_max_requests = values.int32("queued.max.requests"),
        .queued_max_request_bytes = values.int64("queued.max.request.bytes"),
        .connections_max_idle_ms = values.int64("connections.max.idle.ms"),
        .max_connections = values.int32("max.connections"),
        .max_connections_per_ip = values.int32("max.connections.per.ip"),
        .socket_send_buffer_bytes = values.int32("socket.send.buffer.bytes"),
        .socket_receive_buffer_bytes = values.int32("socket.receive.buffer.bytes"),
        .socket_listen_backlog_size = values.int32("socket.listen.backlog.size"),
        .fetch_max_bytes = values.int32("fetch.max.bytes"),
    };
    if (server.queued_max_request_bytes > 0 &&
        server.queued_max_request_bytes < server.socket_request_max_bytes) {
        values.report(
            config_problem_kind::invalid_value,
            deciding_key(values, {"queued.max.request.bytes", "socket.request.max.bytes"}),
            "queued.max.request.bytes must be at least socket.request.max.bytes (or "
            "-1 for no limit)");
    }
    return server;
}

// log.retention.ms > log.retention.minutes > log.retention.hours; negative is unlimited (-1).
int64_t read_retention_ms(config_builder& values) {
    int64_t retention_ms = 0;
    if (auto ms = values.optional_int64("log.retention.ms")) {
        retention_ms = *ms;
    } else if (auto minutes = values.optional_int32("log.retention.minutes")) {
        retention_ms = *minutes * ms_per_minute;
    } else {
        retention_ms = values.int32("log.retention.hours") * ms_per_hour;
    }
    if (retention_ms < 0) {
        return -1;
    }
    if (retention_ms == 0) {
        values.report(config_problem_kind::invalid_value,
                      deciding_key(values, {"log.retention.ms", "log.retention.minutes",
                                            "log.retention.hours"}),
                      "retention must be unlimited (-1) or at least 1 ms");
    }
    return retention_ms;
}

topic_config_defaults read_topic_defaults(config_builder& values) {
    topic_config_defaults defaults{};
    defaults.segment_bytes = values.int32("log.segment.bytes");
    defaults.segment_ms =
        values.optional_int64("log.roll.ms").value_or(values.int32("log.roll.hours") * ms_per_hour);
    if (defaults.segment_ms < 1) {
        values.report(config_problem_kind::invalid_value, "log.roll.ms",
                      "value must be at least 1");
    }
    defaults.segment_jitter_ms = values.optional_int64("log.roll.jitter.ms")
                                     .value_or(values.int32("log.roll.jitter.hours") * ms_per_hour);
    if (defaults.segment_jitter_ms < 0) {
        values.report(config_problem_kind::invalid_value, "log.roll.jitter.ms",
                      "value must be at least 0");
    }
    defaults.segment_index_bytes = values.int32("log.index.size.max.bytes");
    defaults.index_interval_bytes = values.int32("log.index.interval.bytes");
    defaults.retention_ms = read_retention_ms(values);
    defaults.retention_bytes = values.int64("log.retention.bytes");
    defaults.flush_messages = values.int64("log.flush.interval.messages");
    defaults.flush_ms = values.optional_int64("log.flush.interval.ms")
                            .value_or(values.int64("log.flush.scheduler.interval.ms"));
    const auto& policies = values.list("log.cleanup.policy");
    defaults.cleanup.deletes =
        std::find(policies.begin(), policies.end(), "delete") != policies.end();
    defaults.cleanup.compacts =
        std::find(policies.begin(), policies.end(), "compact") != policies.end();
    defaults.delete_retention_ms = values.int64("log.cleaner.delete.retention.ms");
    defaults.min_compaction_lag_ms = values.int64("log.cleaner.min.compaction.lag.ms");
    defaults.max_compaction_lag_ms = values.int64("log.cleaner.max.compaction.lag.ms");
    defaults.min_cleanable_dirty_ratio = values.float64("log.cleaner.min.cleanable.ratio");
    defaults.file_delete_delay_ms = values.int64("log.segment.delete.delay.ms");
    defaults.max_message_bytes = values.int32("message.max.bytes");

    const std::string& compression = *values.string("compression.type");
    using enum broker_compression_type;
    for (auto [name, type] : {std::pair{"uncompressed", uncompressed},
                              {"zstd", zstd},
                              {"lz4", lz4},
                              {"snappy", snappy},
                              {"gzip", gzip},
                              {"producer", producer}}) {
        if (compression == name) {
            defaults.compression_type = type;
        }
    }
    defaults.min_insync_replicas = values.int32("min.insync.replicas");
    defaults.unclean_leader_election_enable = values.boolean("unclean.leader.election.enable");
    defaults.preallocate = values.boolean("log.preallocate");
    defaults.timestamp_type = *values.string("log.message.timestamp.type") == "LogAppendTime"
                                  ? message_timestamp_type::log_append_time
                                  : message_timestamp_type::create_time;
    defaults.message_timestamp_before_max_ms = values.int64("log.message.timestamp.before.max.ms");
    defaults.message_timestamp_after_max_ms = values.int64("log.message.timestamp.after.max.ms");
    return defaults;
}

log_cleaner_settings read_cleaner(config_builder& values) {
    log_cleaner_settings cleaner{
        .enable = values.boolean("log.cleaner.enable"),
        .threads = values.int32("log.cleaner.threads"),
        .dedupe_buffer_size = values.int64("log.cleaner.dedupe.buffer.size"),
        .io_buffer_size = values.int32("log.cleaner.io.buffer.size"),
        .io_buffer_load_factor = values.float64("log.cleaner.io.buffer.load.factor"),
        .io_max_bytes_per_second = values.float64("log.cleaner.io.max.bytes.per.second"),
        .backoff_ms = values.int64("log.cleaner.backoff.ms"),
    };
    if (cleaner.threads > 0 && cleaner.dedupe_buffer_size / cleaner.threads <= 1024 * 1024) {
        values.report(
            config_problem_kind::invalid_value,
            deciding_key(values, {"log.cleaner.dedupe.buffer.size", "log.cleaner.threads"}),
            "log.cleaner.dedupe.buffer.size must be more than 1 MiB per cleaner thread");
    }
    return cleaner;
}

replication_settings read_replication(config_builder& values) {
    replication_settings replication{
        .num_replica_fetchers = values.int32("num.replica.fetchers"),
        .replica_lag_time_max_ms = values.int64("replica.lag.time.max.ms"),
        .replica_fetch_max_bytes = values.int32("replica.fetch.max.bytes"),
        .replica_fetch_wait_max_ms = values.int32("replica.fetch.wait.max.ms"),
        .replica_fetch_min_bytes = values.int32("replica.fetch.min.bytes"),
        .replica_fetch_response_max_bytes = values.int32("replica.fetch.response.max.bytes"),
        .replica_fetch_backoff_ms = values.int32("replica.fetch.backoff.ms"),
        .replica_socket_timeout_ms = values.int32("replica.socket.timeout.ms"),
        .replica_socket_receive_buffer_bytes = values.int32("replica.socket.receive.buffer.bytes"),
        .replica_high_watermark_checkpoint_interval_ms =
            values.int64("replica.high.watermark.checkpoint.interval.ms"),
        .auto_leader_rebalance_enable = values.boolean("auto.leader.rebalance.enable"),
        .leader_imbalance_per_broker_percentage =
            values.int32("leader.imbalance.per.broker.percentage"),
        .leader_imbalance_check_interval_seconds =
            values.int64("leader.imbalance.check.interval.seconds"),
    };
    // Kafka's rules: a follower's fetch must return before the socket times out, and
    // before the leader would drop it from the ISR.
    if (replication.replica_fetch_wait_max_ms > replication.replica_socket_timeout_ms) {
        values.report(config_problem_kind::invalid_value, "replica.fetch.wait.max.ms",
                      "must be at most replica.socket.timeout.ms (" +
                          std::to_string(replication.replica_socket_timeout_ms) + ")");
    }
    if (replication.replica_fetch_wait_max_ms > replication.replica_lag_time_max_ms) {
        values.report(config_problem_kind::invalid_value, "replica.fetch.wait.max.ms",
                      "must be at most replica.lag.time.max.ms (" +
                          std::to_string(replication.replica_lag_time_max_ms) +
                          "), or followers would keep leaving the ISR");
    }
    return replication;
}

group_coordinator_settings read_group(config_builder& values) {
    group_coordinator_settings group{
        .group_initial_rebalance_delay_ms = values.int32("group.initial.rebalance.delay.ms"),
        .group_min_session_timeout_ms = values.int32("group.min.session.timeout.ms"),
        .group_max_session_timeout_ms = values.int32("group.max.session.timeout.ms"),
        .group_max_size = values.int32("group.max.size"),
        .offsets_topic_num_partitions = values.int32("offsets.topic.num.partitions"),
        .offsets_topic_replication_factor = values.int16("offsets.topic.replication.factor"),
        .offsets_topic_segment_bytes = values.int32("offsets.topic.segment.bytes"),
        .offsets_load_buffer_size = values.int32("offsets.load.buffer.size"),
        .offsets_retention_ms = values.int32("offsets.retention.minutes") * ms_per_minute,
        .offsets_retention_check_interval_ms = values.int64("offsets.retention.check.interval.ms"),
        .offsets_commit_timeout_ms = values.int32("offsets.commit.timeout.ms"),
        .offset_metadata_max_bytes = values.int32("offset.metadata.max.bytes"),
    };
    if (group.group_max_session_timeout_ms < group.group_min_session_timeout_ms) {
        values.report(
            config_problem_kind::invalid_value,
            deciding_key(values, {"group.max.session.timeout.ms", "group.min.session.timeout.ms"}),
            "group.max.session.timeout.ms must be at least "
            "group.min.session.timeout.ms");
    }
    return group;
}

transaction_settings read_transaction(config_builder& values) {
    return {
        .state_log_num_partitions = values.int32("transaction.state.log.num.partitions"),
        .state_log_replication_factor = values.int16("transaction.state.log.replication.factor"),
        .state_log_min_isr = values.int32("transaction.state.log.min.isr"),
        .state_log_segment_bytes = values.int32("transaction.state.log.segment.bytes"),
        .state_log_load_buffer_size = values.int32("transaction.state.log.load.buffer.size"),
        .max_timeout_ms = values.int32("transaction.max.timeout.ms"),
        .transactional_id_expiration_ms = values.int32("transactional.id.expiration.ms"),
        .abort_timed_out_transaction_cleanup_interval_ms =
            values.int32("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
        .remove_expired_transaction_cleanup_interval_ms =
            values.int32("transaction.remove.expired.transaction.cleanup.interval.ms"),
        .partition_verification_enable =
            values.boolean("transaction.partition.verification.enable"),
        .producer_id_expiration_ms = values.int32("producer.id.expiration.ms"),
    };
}

}  // namespace

const config_entry* broker_config::find(std::string_view name) const {
    auto found = std::find_if(entries.begin(), entries.end(), [&](const config_entry& entry) {
        return entry.definition->name == name;
    });
    return found == entries.end() ? nullptr : &*found;
}

std::vector<std::filesystem::path> broker_config::meta_properties_dirs() const {
    std::vector<std::filesystem::path> dirs = log.dirs;
    auto same = [&](const std::filesystem::path& dir) {
        return same_directory(dir, node.metadata_log_dir);
    };
    if (!node.metadata_log_dir.empty() && std::none_of(dirs.begin(), dirs.end(), same)) {
        dirs.push_back(node.metadata_log_dir);
    }
    return dirs;
}

result<broker_config, std::vector<config_problem>> make_broker_config(
    std::span<const config_setting> file_settings, std::span<const std::string> overrides) {
    std::vector<config_setting> settings(file_settings.begin(), file_settings.end());
    std::vector<config_problem> override_problems;
    for (const auto& text : overrides) {
        auto setting = parse_override(text);
        if (setting) {
            settings.push_back(*std::move(setting));
        } else {
            override_problems.push_back(setting.error());
        }
    }

    config_builder values(settings);
    for (auto& problem : override_problems) {
        values.add(std::move(problem));
    }

    broker_config config;
    config.node = read_node(values);
    bool serves_broker_role =
        std::find(config.node.process_roles.begin(), config.node.process_roles.end(),
                  process_role::broker) != config.node.process_roles.end();
    config.listeners = detail::resolve_listener_settings(values, serves_broker_role);
    config.server = read_socket_server(values);
    config.log = {
        .dirs = read_log_dirs(values),
        .retention_check_interval_ms = values.int64("log.retention.check.interval.ms"),
        .flush_scheduler_interval_ms = values.int64("log.flush.scheduler.interval.ms"),
        .flush_offset_checkpoint_interval_ms =
            values.int32("log.flush.offset.checkpoint.interval.ms"),
        .flush_start_offset_checkpoint_interval_ms =
            values.int32("log.flush.start.offset.checkpoint.interval.ms"),
        .num_recovery_threads_per_data_dir = values.int32("num.recovery.threads.per.data.dir"),
    };
    const std::string* metadata_log_dir = values.string("metadata.log.dir");
    if (metadata_log_dir != nullptr && !metadata_log_dir->empty()) {
        config.node.metadata_log_dir = *metadata_log_dir;
    } else if (!config.log.dirs.empty()) {
        config.node.metadata_log_dir = config.log.dirs.front();
    }
    config.topics = {
        .auto_create_topics_enable = values.boolean("auto.create.topics.enable"),
        .delete_topic_enable = values.boolean("delete.topic.enable"),
        .num_partitions = values.int32("num.partitions"),
        .default_replication_factor = values.int32("default.replication.factor"),
    };
    config.topic_defaults = read_topic_defaults(values);
    config.cleaner = read_cleaner(values);
    config.replication = read_replication(values);
    config.group = read_group(values);
    config.transaction = read_transaction(values);

    if (values.has_problems()) {
        return failure{values.take_problems()};
    }
    config.entries = values.entries();
    return config;
}

result<broker_config, std::vector<config_problem>> load_broker_config(
    const std::optional<std::filesystem::path>& file, std::span<const std::string> overrides) {
    std::vector<config_setting> file_settings;
    if (file) {
        auto read = read_config_file(*file);
        if (!read) {
            return failure{std::vector<config_problem>{read.error()}};
        }
        file_settings = *std::move(read);
    }
    return make_broker_config(file_settings, overrides);
}

}  // namespace samsa::broker
