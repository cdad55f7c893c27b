#pragma once

// DeleteRecords (key 21), versions 0-2: moves each partition's log start offset to the
// requested offset, so that consumers can no longer read the records before it, and deletes
// the segments wholly below it. The answer per partition is the low watermark: the log start
// offset afterwards (on one node the leader's is the only one), -1 with an error.
//
// Kafka's rules (ReplicaManager.deleteRecordsOnLocalLog, Partition.deleteRecordsOnLeader):
//   - a topic or partition the metadata does not know: UNKNOWN_TOPIC_OR_PARTITION; an
//     internal topic: INVALID_TOPIC_EXCEPTION; a partition not led here:
//     NOT_LEADER_OR_FOLLOWER;
//   - a topic whose cleanup.policy lacks "delete": POLICY_VIOLATION;
//   - offset -1 means the high watermark; any other negative offset, or one past the high
//     watermark: OFFSET_OUT_OF_RANGE; an offset at or below the current start changes
//     nothing and answers the current start;
//   - timeout_ms is how long Kafka waits for the followers' log start offsets to catch up;
//     with no followers the answer is immediate.
//
// Durability (Samsa's addition; Kafka waits for the next periodic checkpoint): the answer
// goes out only once the new start offsets are in the log-start-offset-checkpoint, so a
// crash right after cannot bring the deleted records back. If that write fails the
// partitions are KAFKA_STORAGE_ERROR (the start has moved in memory; a retry persists it).

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_delete_records_handler();

}  // namespace samsa::server::handlers
