#pragma once

// Everything a request handler may use, gathered in one context struct per shard (one
// instance per shard, owned by that shard, used only on its thread). Layers below the
// server are reached only through here, so a handler's dependencies are visible in one
// place and a test can build a context with just what it needs.

#include <asio/awaitable.hpp>

#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "cluster/controller.h"
#include "cluster/metadata_image.h"
#include "cluster/partition_manager.h"
#include "coordinator/group_coordinator.h"
#include "coordinator/transaction_coordinator.h"
#include "protocol/error_code.h"
#include "runtime/shard.h"
#include "server/config_admin.h"
#include "storage/log_manager.h"

namespace samsa::server {

class handler_registry;
class fetch_purgatory;
class fetch_session_cache;

// The hook Metadata calls for an unknown topic when auto creation is on
// (auto.create.topics.enable and the request's allow_auto_topic_creation). Creation
// completes in a later metadata image; the answer is the error to report meanwhile:
// LEADER_NOT_AVAILABLE when creation started (Kafka's answer, clients retry), or why not.
class topic_auto_creator {
public:
    virtual ~topic_auto_creator() = default;
    virtual asio::awaitable<protocol::error_code> create_topic(std::string_view name) = 0;
};

// The controller's topic operations as a handler on any shard reaches them (the broker
// forwards to the controller on shard 0). Each returns once the resulting metadata image
// has been published to every shard, so a Metadata request that follows on any connection
// sees the change.
class topic_admin {
public:
    virtual ~topic_admin() = default;
    virtual asio::awaitable<std::vector<cluster::topic_outcome>> create_topics(
        std::vector<cluster::topic_request> requests, bool validate_only) = 0;
    virtual asio::awaitable<std::vector<cluster::topic_outcome>> delete_topics(
        std::vector<cluster::topic_reference> topics) = 0;
    virtual asio::awaitable<std::vector<cluster::topic_outcome>> create_partitions(
        std::vector<cluster::partition_increase> increases, bool validate_only) = 0;
};

// Producer ids for InitProducerId, each handed out once in the cluster's lifetime (blocks
// the controller allocates through the metadata log). Callable from any shard.
class producer_id_source {
public:
    virtual ~producer_id_source() = default;
    // A producer id no producer has had; UNKNOWN_SERVER_ERROR (or the controller's error)
    // when none can be had.
    virtual asio::awaitable<result<producer_id, protocol::error_code>> next_producer_id() = 0;
};

// How __consumer_offsets is created (Kafka's offsets.topic.* settings).
struct group_settings {
    int32_t offsets_topic_num_partitions = 50;
    int16_t offsets_topic_replication_factor = 3;
    int32_t offsets_topic_segment_bytes = 104'857'600;
};

// How __transaction_state is created (Kafka's transaction.state.log.* settings).
struct transaction_log_settings {
    int32_t num_partitions = 50;
    int16_t replication_factor = 3;
    int32_t segment_bytes = 104'857'600;
};

struct broker_settings {
    node_id node{1};
    bool auto_create_topics_enable = true;  // auto.create.topics.enable
    int32_t fetch_max_bytes = 57'671'680;   // fetch.max.bytes
    group_settings groups;
    transaction_log_settings transactions;
    // log.dirs as configured (DescribeLogDirs answers each, made absolute).
    std::vector<std::filesystem::path> log_dirs;
};

struct shard_services {
    runtime::shard* shard = nullptr;
    runtime::shard_set* shards = nullptr;
    const handler_registry* handlers = nullptr;
    broker_settings settings;
    // This shard's current image, replaced when a new one is published.
    cluster::metadata_image_ptr metadata;
    // nullptr until topics can be created (storage and the metadata log): unknown
    // topics are then UNKNOWN_TOPIC_OR_PARTITION.
    topic_auto_creator* auto_creator = nullptr;
    // nullptr only in tests that need no topic administration.
    topic_admin* admin = nullptr;
    // The partitions every shard hosts, by shard id. Each manager is used only on its own
    // shard: handlers reach it through partition_access.h. Empty when nothing is hosted
    // (tests without storage): every partition is then unknown.
    std::vector<cluster::partition_manager*> partitions_by_shard;
    // The group coordinator of every shard, by shard id, each used only on its own shard
    // (group_access.h). Empty when groups are not served (tests).
    std::vector<coordinator::group_coordinator*> groups_by_shard;
    // The transaction coordinator of every shard, by shard id, each used only on its own
    // shard (transaction_access.h). Empty when transactions are not served (tests).
    std::vector<coordinator::transaction_coordinator*> transactions_by_shard;
    // This shard's delayed fetches and fetch sessions; nullptr in tests that fetch nothing.
    fetch_purgatory* fetches = nullptr;
    fetch_session_cache* fetch_sessions = nullptr;
    // The node's log manager, for what may be called from any shard: DeleteRecords makes log
    // start offsets durable through persist_log_start_offsets_in_background. nullptr in tests
    // without storage (moved starts are then only checkpointed periodically).
    storage::log_manager* logs = nullptr;
    // Dynamic configs and client quotas; nullptr in tests that need none (their requests
    // are then answered with an error per resource).
    config_admin* configs = nullptr;
    // This shard's producer ids; nullptr in tests that need none (InitProducerId is then
    // answered COORDINATOR_NOT_AVAILABLE).
    producer_id_source* producer_ids = nullptr;
};

}  // namespace samsa::server
