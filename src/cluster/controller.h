#pragma once

// The active controller of a cluster of one voter (this node): the only writer of the
// metadata log. Admin requests (create and delete topics, add partitions, alter configs
// and client quotas) and this node's
// registration become metadata records (metadata_record.h), appended as one batch and made
// durable before they count, then applied to the image (metadata_image_builder.h), which
// the caller publishes to every shard.
//
// The log is a partition log at <metadata dir>/__cluster_metadata-0, as in Kafka's KRaft
// mode; at start-up it is replayed from the beginning to rebuild the image. A quorum of
// controllers (Raft) later replaces the single voter behind the same operations.
//
// Ownership: one controller per node, on shard 0; operations run one at a time (each
// validates against the image the previous one left), whatever interleaving their
// coroutines see.

#include <asio/awaitable.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cluster/client_quotas.h"
#include "cluster/config_changes.h"
#include "cluster/metadata_image.h"
#include "cluster/metadata_record.h"
#include "protocol/error_code.h"
#include "runtime/async_event.h"
#include "storage/file_system.h"
#include "storage/log_manager.h"
#include "storage/partition_log.h"

namespace samsa::cluster {

// The metadata.version a new cluster starts at: Kafka 3.8's (IBP_3_8_IV0), the version of
// the schemas the codecs are generated from.
inline constexpr int16_t bootstrap_metadata_version = 20;

struct topic_request {
    std::string name;
    int32_t num_partitions = -1;      // -1: the broker's num.partitions
    int16_t replication_factor = -1;  // -1: the broker's default.replication.factor
    std::vector<std::pair<std::string, std::optional<std::string>>> configs;
};

// What happened to one topic of a request, as the admin responses report it.
struct topic_outcome {
    std::string name;
    topic_id id;
    protocol::error_code error = protocol::error_code::none;
    std::optional<std::string> message;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
};

struct partition_increase {
    std::string topic;
    int32_t new_total = 0;  // CreatePartitions' count: the total wanted, not the increase
};

struct controller_settings {
    int32_t default_num_partitions = 1;      // num.partitions
    int16_t default_replication_factor = 1;  // default.replication.factor
    // A topic config the request sets: an error message when the key or value is refused.
    std::function<std::optional<std::string>(std::string_view key,
                                             const std::optional<std::string>& value)>
        validate_topic_config;
    storage::log_config metadata_log;
    // The config keys AlterConfigs and IncrementalAlterConfigs may set, and their values;
    // nullptr: every config alteration is refused.
    std::shared_ptr<const config_schema> configs;
};

using topic_reference = std::variant<std::string, topic_id>;

// Producer ids a broker may hand out: [first, first + size). Kafka's ProducerIdsBlock.
struct producer_id_block {
    int64_t first = 0;
    int32_t size = 0;
};
inline constexpr int32_t producer_id_block_size = 1000;  // Kafka's PRODUCER_ID_BLOCK_SIZE

// A plain struct rather than a result: it crosses shards (invoke_on default-constructs it).
struct producer_ids_result {
    protocol::error_code error = protocol::error_code::none;
    producer_id_block block;  // when error is none
};

class controller {
public:
    // Opens (creating) the metadata log in metadata_dir and replays it.
    static storage::storage_result<std::unique_ptr<controller>> open(
        storage::file_system& fs, const std::filesystem::path& metadata_dir, std::string cluster_id,
        node_id self, controller_settings settings, int64_t now_ms);

    metadata_image_ptr image() const { return image_; }

    // Registers this node as an unfenced broker with its endpoints and rack; on a new
    // cluster first finalizes metadata.version. Done at every start, as a KRaft broker
    // registers anew (its broker epoch is the offset of the record).
    asio::awaitable<storage::storage_result<metadata_image_ptr>> register_broker(
        const broker_registration& self, int64_t now_ms);

    asio::awaitable<std::vector<topic_outcome>> create_topics(std::vector<topic_request> requests,
                                                              bool validate_only, int64_t now_ms);
    asio::awaitable<std::vector<topic_outcome>> delete_topics(std::vector<topic_reference> topics,
                                                              int64_t now_ms);
    asio::awaitable<std::vector<topic_outcome>> create_partitions(
        std::vector<partition_increase> increases, bool validate_only, int64_t now_ms);
    // Dynamic topic and broker configs (config_changes.h); one outcome per alteration.
    asio::awaitable<std::vector<config_outcome>> alter_configs(
        std::vector<config_alteration> alterations, bool validate_only, int64_t now_ms);
    // Client quotas (client_quotas.h); one outcome per alteration.
    asio::awaitable<std::vector<quota_outcome>> alter_client_quotas(
        std::vector<quota_alteration> alterations, bool validate_only, int64_t now_ms);

    // The next block of producer ids for a broker (Kafka's AllocateProducerIds): written as a
    // ProducerIdsRecord before it is answered, so no id is handed out twice, even across a
    // kill -9. STALE_BROKER_EPOCH for a broker epoch other than the registered one;
    // UNKNOWN_SERVER_ERROR once the ids are exhausted or the write failed.
    asio::awaitable<producer_ids_result> allocate_producer_ids(node_id broker, int64_t broker_epoch,
                                                               int64_t now_ms);

    storage::storage_result<std::monostate> close();

private:
    controller(std::unique_ptr<storage::partition_log> log, metadata_image_ptr image, node_id self,
               controller_settings settings);

    // Appends the records as one batch, waits until durable, applies them.
    asio::awaitable<storage::storage_result<metadata_image_ptr>> commit(
        std::vector<metadata_record> records, int64_t now_ms);
    // Commits the records of an operation, if any; when that fails, every topic, config or
    // quota outcome that was to succeed reports KAFKA_STORAGE_ERROR with the failure's message.
    // Defined in controller.cc, the only user.
    template <typename Outcome>
    asio::awaitable<void> commit_for(std::vector<Outcome>& outcomes,
                                     std::vector<metadata_record> records, int64_t now_ms);
    // One operation at a time.
    asio::awaitable<void> begin_operation();
    void end_operation();

    topic_outcome check_new_topic(const topic_request& request,
                                  const std::vector<std::string>& earlier_names) const;

    std::unique_ptr<storage::partition_log> log_;
    metadata_image_ptr image_;
    node_id self_;
    controller_settings settings_;
    bool operation_running_ = false;
    std::unique_ptr<runtime::async_event> operation_finished_;
};

// Kafka's Uuid.randomUuid for topic ids: never zero, never the metadata topic's (0, 1), and
// never a text starting with '-'.
topic_id random_topic_id();

}  // namespace samsa::cluster
