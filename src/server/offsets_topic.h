#pragma once

// __consumer_offsets as the server sees it: where a group's coordinator is, and creating
// the topic the first time a client looks for a coordinator (Kafka creates it then too,
// and answers COORDINATOR_NOT_AVAILABLE until it exists; clients retry).
//
// The topic: offsets.topic.num.partitions partitions, compacted, offsets.topic.segment.bytes
// segments, compression.type=producer. Its replication factor is
// offsets.topic.replication.factor capped at the number of registered brokers: Kafka would
// refuse to create it on a cluster smaller than the factor (default 3), which leaves a
// one-node Kafka without consumer groups until the setting is lowered; Samsa starts with
// what it has (docs/consumer-groups.md).

#include <asio/awaitable.hpp>

#include <optional>
#include <string_view>

#include "cluster/metadata_image.h"
#include "cluster/topic_name.h"
#include "protocol/error_code.h"
#include "server/shard_services.h"

namespace samsa::server {

// The partition of __consumer_offsets that holds a group, and the node leading it (its
// coordinator): nullopt when the topic does not exist yet.
struct group_placement {
    partition_id partition;
    node_id coordinator{-1};  // -1: the partition has no leader now
};
std::optional<group_placement> place_group(const cluster::metadata_image& image,
                                           std::string_view group_id);

// The partition of an internal topic keyed like __consumer_offsets (Kafka's Java-hash
// placement) that holds key, and its leader; nullopt when the topic does not exist yet.
std::optional<group_placement> place_by_key(const cluster::metadata_image& image,
                                            std::string_view topic_name, std::string_view key);

// Asks the controller to create an internal topic with these configs, its replication
// factor capped at the number of registered brokers. Returns once the request is answered;
// an existing topic is not an error.
asio::awaitable<protocol::error_code> create_internal_topic(
    shard_services& services, std::string_view name, int32_t partitions, int16_t replication_factor,
    std::vector<std::pair<std::string, std::optional<std::string>>> configs);

// Asks the controller to create __consumer_offsets. Returns once the request is answered;
// an existing topic is not an error.
asio::awaitable<protocol::error_code> create_offsets_topic(shard_services& services);

}  // namespace samsa::server
