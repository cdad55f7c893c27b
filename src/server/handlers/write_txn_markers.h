#pragma once

// WriteTxnMarkers (key 27), versions 0-1: a transaction coordinator asking this node, as the
// leader of the partitions, to append COMMIT or ABORT markers (transaction_markers.h does
// the work the local coordinator uses too). Per partition: NONE, UNKNOWN_TOPIC_OR_PARTITION,
// NOT_LEADER_OR_FOLLOWER, INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED from the
// producer state, KAFKA_STORAGE_ERROR. Kafka restricts it to the cluster (ClusterAction);
// without an authorizer, as here, Kafka serves anyone too.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_write_txn_markers_handler();

}  // namespace samsa::server::handlers
