#pragma once

// TxnOffsetCommit (key 28) v0-3: a transactional producer commits a consumer group's offsets
// as part of its transaction (sendOffsetsToTransaction). Answered by the group's coordinator
// (group_access.h), which writes them to the group's __consumer_offsets partition as the
// producer's transactional batch; they become visible to OffsetFetch only when the
// transaction commits (group_coordinator::complete_transaction).
//
// Per partition, Kafka's answers: UNKNOWN_TOPIC_OR_PARTITION for a partition that does not
// exist; INVALID_GROUP_ID for an empty group id; COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR
// when this node does not serve the group; v3's member checks (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION, FENCED_INSTANCE_ID); OFFSET_METADATA_TOO_LARGE past
// offset.metadata.max.bytes. A negative producer id is INVALID_PRODUCER_ID_MAPPING and a
// negative epoch INVALID_PRODUCER_EPOCH (such a batch cannot be transactional).

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_txn_offset_commit_handler();

}  // namespace samsa::server::handlers
