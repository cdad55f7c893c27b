#pragma once

// Writing a transaction's markers (WriteTxnMarkers' work): for every partition of the
// transaction, a COMMIT or ABORT control batch appended by the partition's leader after
// the producer state's epoch checks, made durable (Kafka appends markers with acks=all),
// and for __consumer_offsets partitions the group coordinator told, so the producer's
// transactional offsets become committed or are dropped.
//
// The transaction coordinator reaches it through coordinator::transaction_marker_writer
// (one per shard); the WriteTxnMarkers handler calls write_transaction_markers directly.
// On one node every leader is a shard of this node: the appends are cross-shard calls.

#include <asio/awaitable.hpp>

#include <vector>

#include "coordinator/transaction_coordinator.h"
#include "protocol/error_code.h"
#include "server/shard_services.h"

namespace samsa::server {

// Per partition of markers.partitions, in order: NONE, or why its marker was not written
// (UNKNOWN_TOPIC_OR_PARTITION for a partition the metadata does not have,
// NOT_LEADER_OR_FOLLOWER, INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED from the
// producer state, KAFKA_STORAGE_ERROR).
asio::awaitable<std::vector<protocol::error_code>> write_transaction_markers(
    shard_services& services, const coordinator::transaction_markers& markers);

// The transaction coordinator's marker writer on one shard. A partition no longer in the
// metadata counts as written (its topic was deleted), as in Kafka; so does a marker the
// producer state fences (a newer coordinator or producer epoch took over: Kafka gives up on
// those markers too). Anything else is retried by the coordinator.
class shard_marker_writer final : public coordinator::transaction_marker_writer {
public:
    explicit shard_marker_writer(shard_services& services) : services_(services) {}

    asio::awaitable<protocol::error_code> write_markers(
        const coordinator::transaction_markers& markers) override;

private:
    shard_services& services_;
};

}  // namespace samsa::server
