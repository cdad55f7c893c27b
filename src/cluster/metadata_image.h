#pragma once

// What the cluster looks like at one point of the metadata log: brokers, topics and their
// partitions. An image is immutable; a change builds a new image which is published to
// every shard (each shard keeps a shared_ptr to the current one), so readers on any
// shard never lock and never see a half-applied change.
//
// On a single node the image is built at start-up from the node's own registration; the
// metadata log (KRaft records) that produces it in general arrives with topic creation.

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

// One listener of a broker as clients should reach it (an advertised listener).
struct broker_endpoint {
    std::string listener_name;
    std::string host;
    uint16_t port = 0;
};

struct broker_registration {
    node_id id;
    std::vector<broker_endpoint> endpoints;
    std::optional<std::string> rack;
    // A fenced broker is registered but not serving (Kafka's KRaft fencing).
    bool fenced = false;

    const broker_endpoint* find_endpoint(std::string_view listener_name) const;
};

struct partition_metadata {
    partition_id partition;
    node_id leader{-1};  // -1: no leader (offline)
    leader_epoch epoch{0};
    std::vector<node_id> replicas;
    std::vector<node_id> isr;
    std::vector<node_id> offline_replicas;
};

struct topic_metadata {
    std::string name;
    topic_id id;
    bool internal = false;
    std::vector<partition_metadata> partitions;  // indexed by partition id
};

class metadata_image {
public:
    metadata_image(std::string cluster_id, node_id controller_id,
                   std::vector<broker_registration> brokers, std::vector<topic_metadata> topics);

    const std::string& cluster_id() const { return cluster_id_; }
    node_id controller_id() const { return controller_id_; }

    const std::map<node_id, broker_registration>& brokers() const { return brokers_; }
    const broker_registration* find_broker(node_id id) const;

    // Topics in name order.
    const std::map<std::string, topic_metadata, std::less<>>& topics() const { return topics_; }
    const topic_metadata* find_topic(std::string_view name) const;
    const topic_metadata* find_topic(const topic_id& id) const;

private:
    std::string cluster_id_;
    node_id controller_id_;
    std::map<node_id, broker_registration> brokers_;
    std::map<std::string, topic_metadata, std::less<>> topics_;
    std::unordered_map<topic_id, std::string> names_by_id_;
};

using metadata_image_ptr = std::shared_ptr<const metadata_image>;

}  // namespace samsa::cluster
