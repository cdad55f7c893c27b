#pragma once

// The broker's configuration: Kafka's server config names and defaults (the table in
// config_definitions.h), read from an optional .properties file and `--set key=value`
// overrides, parsed and validated, with the values Samsa uses as typed fields.
//
//     auto config = load_broker_config("config/server.properties", overrides);
//     if (!config) { for (auto& p : config.error()) print(p.message); exit(2); }
//     config->listeners.served, config->topic_defaults.retention_ms, config->log.dirs ...
//
// Every problem is collected, not just the first: unknown keys (with a "did you mean"),
// malformed or out-of-range values, values a validator or a rule between keys refuses,
// and listeners Samsa cannot serve yet. Each message names the key and where it was set.
//
// Derived values follow Kafka: log.dirs wins over log.dir; log.retention.ms over .minutes
// over .hours (negative: unlimited); log.roll.ms over .hours, and the same for the jitter;
// log.flush.interval.ms falls back to log.flush.scheduler.interval.ms; broker.id is
// node.id's older name; advertised.listeners defaults to listeners.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "broker/config_definitions.h"
#include "broker/config_sources.h"
#include "broker/listener_endpoint.h"

namespace samsa::broker {

enum class process_role : uint8_t { broker, controller };

// Kafka's BrokerCompressionType: a codec, or "producer" (keep what the producer sent).
enum class broker_compression_type : uint8_t { uncompressed, zstd, lz4, snappy, gzip, producer };

enum class message_timestamp_type : uint8_t { create_time, log_append_time };

// cleanup.policy: "delete", "compact", or both.
struct cleanup_policy {
    bool deletes = true;    // segments beyond retention are deleted
    bool compacts = false;  // only the last record of each key is kept
};

// Who this node is. Samsa runs the controller in-process; the quorum keys are accepted.
struct node_settings {
    std::optional<node_id> configured_node_id;  // node.id (or broker.id); nullopt when -1
    std::vector<process_role> process_roles;
    std::optional<std::string> rack;  // broker.rack
    // metadata.log.dir, or the first log directory when unset.
    std::filesystem::path metadata_log_dir;
    std::vector<std::string> controller_quorum_voters;
    std::vector<std::string> controller_quorum_bootstrap_servers;
};

struct listener_settings {
    // The listeners of `listeners` that Samsa serves: all but the controller listeners.
    std::vector<listener_endpoint> served;
    // Listeners named in controller.listener.names: parsed, not served.
    std::vector<listener_endpoint> controller;
    // What clients are told (advertised.listeners, else listeners), controller ones left
    // out as Kafka does. An empty host or port 0 is resolved by the server once it is
    // listening: see resolve_advertised_listener.
    std::vector<listener_endpoint> advertised;
    // inter.broker.listener.name, or the listener named after security.inter.broker.protocol.
    std::string inter_broker_listener_name;
};

// The socket server: limits on connections and requests.
struct socket_server_settings {
    int32_t socket_request_max_bytes;
    int32_t queued_max_requests;       // Samsa: per connection, requests read and not yet answered
    int64_t queued_max_request_bytes;  // <= 0: no limit
    int64_t connections_max_idle_ms;
    int32_t max_connections;
    int32_t max_connections_per_ip;
    int32_t socket_send_buffer_bytes;     // -1: the OS default
    int32_t socket_receive_buffer_bytes;  // -1: the OS default
    int32_t socket_listen_backlog_size;
    int32_t fetch_max_bytes;  // the most a Fetch response carries
};

// The log manager's broker-wide settings.
struct log_settings {
    std::vector<std::filesystem::path> dirs;  // log.dirs, else log.dir; as written
    int64_t retention_check_interval_ms;
    int64_t flush_scheduler_interval_ms;
    int32_t flush_offset_checkpoint_interval_ms;
    int32_t flush_start_offset_checkpoint_interval_ms;
    int32_t num_recovery_threads_per_data_dir;
};

// Creating and deleting topics.
struct topic_settings {
    bool auto_create_topics_enable;
    bool delete_topic_enable;
    int32_t num_partitions;
    int32_t default_replication_factor;
};

// The broker's defaults of topic-level configs, named after the topic configs they are
// the default of (retention.ms is log.retention.ms, or .minutes, or .hours).
struct topic_config_defaults {
    int32_t segment_bytes;
    int64_t segment_ms;
    int64_t segment_jitter_ms;
    int32_t segment_index_bytes;
    int32_t index_interval_bytes;
    int64_t retention_ms;     // -1: unlimited
    int64_t retention_bytes;  // negative: unlimited
    int64_t flush_messages;
    int64_t flush_ms;
    cleanup_policy cleanup;
    int64_t delete_retention_ms;
    int64_t min_compaction_lag_ms;
    int64_t max_compaction_lag_ms;
    double min_cleanable_dirty_ratio;
    int64_t file_delete_delay_ms;
    int32_t max_message_bytes;  // message.max.bytes
    broker_compression_type compression_type;
    int32_t min_insync_replicas;
    bool unclean_leader_election_enable;
    bool preallocate;
    message_timestamp_type timestamp_type;
    int64_t message_timestamp_before_max_ms;
    int64_t message_timestamp_after_max_ms;
};

// The log cleaner's broker-wide settings (Kafka's CleanerConfig, log.cleaner.*): how much
// memory, I/O and how many threads compaction may use. What to compact and when is per topic
// (cleanup.policy, min.cleanable.dirty.ratio, ...: storage::log_config).
struct log_cleaner_settings {
    bool enable;                     // log.cleaner.enable: false runs no cleaner at all
    int32_t threads;                 // log.cleaner.threads: logs cleaned at once; 0 cleans none
    int64_t dedupe_buffer_size;      // log.cleaner.dedupe.buffer.size: key -> offset maps, all
                                     // threads together (more than 1 MiB per thread)
    int32_t io_buffer_size;          // log.cleaner.io.buffer.size: read and write buffers, all
                                     // threads together
    double io_buffer_load_factor;    // log.cleaner.io.buffer.load.factor: how full a key ->
                                     // offset map may get before a pass stops
    double io_max_bytes_per_second;  // log.cleaner.io.max.bytes.per.second: read and write
                                     // throttle, all threads together
    int64_t backoff_ms;              // log.cleaner.backoff.ms: sleep when no log is cleanable
};

struct replication_settings {
    int32_t num_replica_fetchers;
    int64_t replica_lag_time_max_ms;
    int32_t replica_fetch_max_bytes;
    int32_t replica_fetch_wait_max_ms;
    int32_t replica_fetch_min_bytes;
    int32_t replica_fetch_response_max_bytes;
    int32_t replica_fetch_backoff_ms;
    int32_t replica_socket_timeout_ms;
    int32_t replica_socket_receive_buffer_bytes;
    int64_t replica_high_watermark_checkpoint_interval_ms;
    bool auto_leader_rebalance_enable;
    int32_t leader_imbalance_per_broker_percentage;
    int64_t leader_imbalance_check_interval_seconds;
};

struct group_coordinator_settings {
    int32_t group_initial_rebalance_delay_ms;
    int32_t group_min_session_timeout_ms;
    int32_t group_max_session_timeout_ms;
    int32_t group_max_size;
    int32_t offsets_topic_num_partitions;
    int16_t offsets_topic_replication_factor;
    int32_t offsets_topic_segment_bytes;
    int32_t offsets_load_buffer_size;
    int64_t offsets_retention_ms;  // offsets.retention.minutes, in ms
    int64_t offsets_retention_check_interval_ms;
    int32_t offsets_commit_timeout_ms;
    int32_t offset_metadata_max_bytes;
};

struct transaction_settings {
    int32_t state_log_num_partitions;
    int16_t state_log_replication_factor;
    int32_t state_log_min_isr;
    int32_t state_log_segment_bytes;
    int32_t state_log_load_buffer_size;
    int32_t max_timeout_ms;
    int32_t transactional_id_expiration_ms;
    int32_t abort_timed_out_transaction_cleanup_interval_ms;
    int32_t remove_expired_transaction_cleanup_interval_ms;
    bool partition_verification_enable;
    int32_t producer_id_expiration_ms;
};

// One key's effective value, as DescribeConfigs reports it.
struct config_entry {
    const config_definition* definition;
    std::optional<std::string> value;  // nullopt: Kafka's null (unset, no default)
    config_source source;
    config_origin origin;
};

struct broker_config {
    node_settings node;
    listener_settings listeners;
    socket_server_settings server;
    log_settings log;
    topic_settings topics;
    topic_config_defaults topic_defaults;
    log_cleaner_settings cleaner;
    replication_settings replication;
    group_coordinator_settings group;
    transaction_settings transaction;

    // Every known key, in the order of config_definitions().
    std::vector<config_entry> entries;

    // The entry of `name`, or nullptr for a key Samsa does not know.
    const config_entry* find(std::string_view name) const;

    // The directories that hold a meta.properties: every log dir, and the metadata log
    // dir when it is not one of them (as Kafka's KafkaRaftServer does).
    std::vector<std::filesystem::path> meta_properties_dirs() const;
};

// Builds the configuration from the settings of a file and then the `--set` overrides
// ("key=value", in order; a later one wins).
result<broker_config, std::vector<config_problem>> make_broker_config(
    std::span<const config_setting> file_settings, std::span<const std::string> overrides);

// Reads `file` when given (see read_config_file), then as make_broker_config.
result<broker_config, std::vector<config_problem>> load_broker_config(
    const std::optional<std::filesystem::path>& file, std::span<const std::string> overrides);

}  // namespace samsa::broker
