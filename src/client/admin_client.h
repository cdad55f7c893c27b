#pragma once

// Synchronous wrappers of librdkafka's admin API and metadata/offset queries for the samsa
// CLI: each call sends one request, waits at most the --timeout, and returns plain values or
// a client_error whose kind says whether the broker refused or could not be reached.
//
//     auto admin = client::admin_client::create(settings);
//     if (!admin) { context.fail(admin.error()); return; }
//     auto created = admin->create_topic({.name = "orders", .partitions = 3});

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/client_config.h"
#include "client/client_error.h"
#include "client/rdkafka_handles.h"

namespace samsa::client {

struct new_topic {
    std::string name;
    int partitions = -1;          // -1: the broker's num.partitions
    int replication_factor = -1;  // -1: the broker's default.replication.factor
    std::vector<std::pair<std::string, std::string>> configs;
};

struct partition_info {
    int32_t partition = 0;
    int32_t leader = -1;
    std::vector<int32_t> replicas;
    std::vector<int32_t> in_sync_replicas;
    std::string error;  // empty when the partition is fine
};

struct topic_info {
    std::string name;
    std::vector<partition_info> partitions;
    std::string error;
};

struct broker_info {
    int32_t id = -1;
    std::string host;
    int port = 0;
    std::optional<std::string> rack;
};

struct cluster_metadata {
    std::vector<broker_info> brokers;
    std::vector<topic_info> topics;
    // The broker that answered (the one the bootstrap connection reached).
    int32_t answering_broker = -1;
};

enum class config_resource : uint8_t { topic, broker };

struct config_entry {
    std::string name;
    std::optional<std::string> value;
    std::string source;  // Kafka's names: DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...
    bool read_only = false;
    bool sensitive = false;
    bool is_default = false;
};

// The outcome for one item of a request that names many (topics, groups, partitions).
struct item_outcome {
    std::string name;
    std::optional<client_error> error;
};

struct partition_offset {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = -1;
    std::optional<client_error> error;
};

struct group_listing {
    std::string group_id;
    std::string state;
    bool is_simple = false;
};

struct group_member {
    std::string member_id;
    std::string client_id;
    std::string host;
    std::optional<std::string> group_instance_id;
    std::vector<std::pair<std::string, int32_t>> assignment;
};

struct group_description {
    std::string group_id;
    std::string state;
    std::string protocol;  // the partition assignor
    bool is_simple = false;
    int32_t coordinator = -1;
    std::vector<group_member> members;
};

struct watermarks {
    int64_t low = -1;
    int64_t high = -1;
};

class admin_client {
public:
    static client_result<admin_client> create(const connection_settings& settings);

    // Every topic (or only `topic`: an unknown one is a refused error).
    client_result<cluster_metadata> metadata(const std::optional<std::string>& topic = {});
    client_result<bool> create_topic(const new_topic& topic);
    std::vector<item_outcome> delete_topics(const std::vector<std::string>& names,
                                            std::optional<client_error>& request_error);
    client_result<bool> create_partitions(const std::string& topic, int total);
    client_result<std::vector<config_entry>> describe_configs(config_resource type,
                                                              const std::string& name);
    // Deletes records before each given offset (-1: up to the high watermark); the
    // offsets are the new low watermarks.
    client_result<std::vector<partition_offset>> delete_records(
        const std::vector<partition_offset>& before);
    client_result<watermarks> query_watermarks(const std::string& topic, int32_t partition);
    // For each partition, the first offset whose timestamp is >= the given ms (the offset
    // field holds the timestamp on the way in); the high watermark when there is none.
    client_result<std::vector<partition_offset>> offsets_for_times(
        const std::vector<partition_offset>& timestamps);

    client_result<std::vector<group_listing>> list_groups();
    client_result<group_description> describe_group(const std::string& group);
    std::vector<item_outcome> delete_groups(const std::vector<std::string>& groups,
                                            std::optional<client_error>& request_error);
    client_result<std::vector<partition_offset>> list_group_offsets(const std::string& group);
    client_result<std::vector<partition_offset>> alter_group_offsets(
        const std::string& group, const std::vector<partition_offset>& offsets);

    // The cluster id and controller librdkafka learned from metadata (empty / -1 unknown).
    std::string cluster_id();
    int32_t controller_id();

    // Maps a librdkafka error to the CLI's failure kinds; `what` says what was attempted.
    client_error error_for(rd_kafka_resp_err_t code, const std::string& what,
                           const char* detail = nullptr) const;

private:
    admin_client(client_handle client, connection_settings settings);

    admin_options_handle options(rd_kafka_admin_op_t op);
    // Waits for the admin result event of the request just sent on queue_ (of `api_key`).
    client_result<event_handle> wait(const std::string& what, int16_t api_key);
    // Why the broker cannot serve `api_key` ("the broker at ... does not support ..."), or
    // nullopt when it does or cannot be asked.
    std::optional<std::string> missing_api(int16_t api_key) const;

    client_handle client_;
    queue_handle queue_;
    connection_settings settings_;
};

// Kafka's name for a librdkafka config source (DYNAMIC_TOPIC_CONFIG, ...).
std::string config_source_name(rd_kafka_ConfigSource_t source);

}  // namespace samsa::client
