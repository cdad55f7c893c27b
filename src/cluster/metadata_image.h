#pragma once

// What the cluster looks like at one point of the metadata log: brokers, topics and their
// partitions, dynamic configs, client quotas and finalized features. An image is immutable; a
// change builds a new image (metadata_image_builder.h, from metadata log records) which is
// published to every shard (each shard keeps a shared_ptr to the current one), so readers
// on any shard never lock and never see a half-applied change.
//
// Invariants (asserted whenever an image is made): broker ids, topic names and topic ids are
// unique; a topic's partitions are indexed by their id (partitions[i].partition == i).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "base/uuid.h"

namespace samsa::cluster {

class metadata_image_builder;

// Kafka's SecurityProtocol ids, as a RegisterBrokerRecord endpoint carries them.
enum class security_protocol : int16_t { plaintext = 0, ssl = 1, sasl_plaintext = 2, sasl_ssl = 3 };

// One listener of a broker as clients should reach it (an advertised listener).
struct broker_endpoint {
    std::string listener_name;
    std::string host;
    uint16_t port = 0;
    security_protocol protocol = security_protocol::plaintext;

    bool operator==(const broker_endpoint&) const = default;
};

struct broker_registration {
    node_id id;
    std::vector<broker_endpoint> endpoints;
    std::optional<std::string> rack;
    // A fenced broker is registered but not serving (Kafka's KRaft fencing).
    bool fenced = false;
    // Assigned by the controller at each registration, so that a heartbeat or fencing
    // decision about an older incarnation of the broker can be told apart.
    int64_t broker_epoch = 0;
    // Random per start of the broker process.
    uuid incarnation_id;
    bool in_controlled_shutdown = false;

    const broker_endpoint* find_endpoint(std::string_view listener_name) const;
    bool operator==(const broker_registration&) const = default;
};

// Kafka's LeaderRecoveryState: recovering after an unclean election until the new leader
// has rewritten what the other replicas may have beyond its log.
enum class leader_recovery_state : int8_t { recovered = 0, recovering = 1 };

struct partition_metadata {
    partition_id partition;
    node_id leader{-1};  // -1: no leader (offline)
    leader_epoch epoch{0};
    std::vector<node_id> replicas;  // in order of preference: replicas[0] is the preferred leader
    std::vector<node_id> isr;
    // Replicas the Metadata response reports offline. Not derived from the metadata log: it
    // depends on the listener and on which brokers are registered, so readers compute it.
    std::vector<node_id> offline_replicas;
    // Bumped at every change of the partition (leader, ISR, replicas); Kafka's partition
    // epoch, which an AlterPartition request must name.
    int32_t partition_epoch = 0;
    // A reassignment in progress: replicas being removed from, and added to, `replicas`.
    std::vector<node_id> removing_replicas;
    std::vector<node_id> adding_replicas;
    leader_recovery_state recovery_state = leader_recovery_state::recovered;

    bool operator==(const partition_metadata&) const = default;
};

struct topic_metadata {
    std::string name;
    topic_id id;
    bool internal = false;
    std::vector<partition_metadata> partitions;  // indexed by partition id

    bool operator==(const topic_metadata&) const = default;
};

// Config names to values: only what was set dynamically (ConfigRecord). Static settings and
// Kafka's defaults are the reader's to layer beneath.
using config_map = std::map<std::string, std::string, std::less<>>;

// One part of a client quota entity: an entity type ("user", "client-id", "ip") and a name;
// a null name is the type's default entity (Kafka's "<default>").
struct quota_entity_part {
    std::string type;
    std::optional<std::string> name;

    auto operator<=>(const quota_entity_part&) const = default;
};
// A client quota entity (Kafka's ClientQuotaEntity): its parts in entity type order, each
// type at most once.
using quota_entity = std::vector<quota_entity_part>;
// Quota keys to values (producer_byte_rate, ...), as ClientQuotaRecords set them.
using quota_values = std::map<std::string, double, std::less<>>;

// The feature that versions the metadata log itself (Kafka's MetadataVersion).
inline constexpr std::string_view metadata_version_feature = "metadata.version";

// Where in the metadata log an image was built up to (Kafka's MetadataProvenance): the
// offset and Raft epoch of the last record applied, and its batch's append time. -1 for an
// image no record built.
struct metadata_provenance {
    offset last_offset{-1};
    leader_epoch last_epoch{-1};
    int64_t last_append_time_ms = -1;

    bool operator==(const metadata_provenance&) const = default;
};

class metadata_image {
public:
    metadata_image(std::string cluster_id, node_id controller_id,
                   std::vector<broker_registration> brokers, std::vector<topic_metadata> topics);

    const std::string& cluster_id() const { return cluster_id_; }
    node_id controller_id() const { return controller_id_; }
    const metadata_provenance& provenance() const { return provenance_; }

    const std::map<node_id, broker_registration>& brokers() const { return brokers_; }
    const broker_registration* find_broker(node_id id) const;

    // Topics in name order.
    const std::map<std::string, topic_metadata, std::less<>>& topics() const { return topics_; }
    const topic_metadata* find_topic(std::string_view name) const;
    const topic_metadata* find_topic(const topic_id& id) const;

    // Dynamic topic configs by topic name. A topic without any has no entry.
    const std::map<std::string, config_map, std::less<>>& topic_configs() const {
        return topic_configs_;
    }
    const config_map* find_topic_configs(std::string_view topic_name) const;
    // Dynamic broker configs by broker id in decimal; "" holds the cluster-wide defaults.
    const std::map<std::string, config_map, std::less<>>& broker_configs() const {
        return broker_configs_;
    }
    const config_map* find_broker_configs(std::string_view broker) const;

    // Client quotas by entity (ClientQuotaRecord). An entity without any has no entry.
    // Stored only: nothing enforces them yet.
    const std::map<quota_entity, quota_values>& client_quotas() const { return client_quotas_; }

    // Finalized feature levels by feature name (FeatureLevelRecord), metadata.version among
    // them. A feature at level 0 is not listed.
    const std::map<std::string, int16_t, std::less<>>& features() const { return features_; }
    std::optional<int16_t> metadata_version() const;

    // The first producer id no broker has been given yet (ProducerIdsRecord): the controller
    // hands out blocks from here.
    int64_t next_producer_id() const { return next_producer_id_; }

    bool operator==(const metadata_image&) const = default;

private:
    friend class metadata_image_builder;

    metadata_image() = default;
    // Asserts the invariants of the header comment.
    void check_invariants() const;

    std::string cluster_id_;
    node_id controller_id_{-1};
    metadata_provenance provenance_;
    std::map<node_id, broker_registration> brokers_;
    std::map<std::string, topic_metadata, std::less<>> topics_;
    std::unordered_map<topic_id, std::string> names_by_id_;
    std::map<std::string, config_map, std::less<>> topic_configs_;
    std::map<std::string, config_map, std::less<>> broker_configs_;
    std::map<quota_entity, quota_values> client_quotas_;
    std::map<std::string, int16_t, std::less<>> features_;
    int64_t next_producer_id_ = 0;
};

using metadata_image_ptr = std::shared_ptr<const metadata_image>;

}  // namespace samsa::cluster
