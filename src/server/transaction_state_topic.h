#pragma once

// __transaction_state as the server sees it: which partition holds a transactional id and
// which node coordinates it, and creating the topic the first time a client looks for a
// transaction coordinator (Kafka creates it then, answering COORDINATOR_NOT_AVAILABLE until
// it exists; clients retry).
//
// The topic: transaction.state.log.num.partitions partitions (50), compacted, uncompressed,
// transaction.state.log.segment.bytes segments, and the replication factor
// transaction.state.log.replication.factor capped at the number of registered brokers (as
// __consumer_offsets, offsets_topic.h).

#include <asio/awaitable.hpp>

#include <optional>
#include <string_view>

#include "cluster/metadata_image.h"
#include "protocol/error_code.h"
#include "server/offsets_topic.h"
#include "server/shard_services.h"

namespace samsa::server {

// The partition of __transaction_state that holds transactional_id and its leader (the
// coordinator); nullopt when the topic does not exist yet.
std::optional<group_placement> place_transaction(const cluster::metadata_image& image,
                                                 std::string_view transactional_id);

// Asks the controller to create __transaction_state; an existing topic is not an error.
asio::awaitable<protocol::error_code> create_transaction_state_topic(shard_services& services);

}  // namespace samsa::server
