#pragma once

// Committed offsets, answered by the group's coordinator (group_access.h):
//
//   OffsetCommit (key 8) v0-9: generation and member checks by the group; v1 carries a
//                commit timestamp per partition, v2-4 a retention time (an explicit
//                expiry, stored as OffsetCommitValue v1, as Kafka does); a partition of a
//                topic that does not exist is UNKNOWN_TOPIC_OR_PARTITION; metadata longer
//                than offset.metadata.max.bytes is OFFSET_METADATA_TOO_LARGE.
//   OffsetFetch  (key 9) v0-9: one group (v0-7) or several (v8+); null topics (v2+) asks
//                for every partition the group committed; a partition with no commit is
//                offset -1 with no error. require_stable answers UNSTABLE_OFFSET_COMMIT for
//                a partition whose commit is still being written.
//   OffsetDelete (key 47) v0: removes the group's offsets of the partitions (tombstones);
//                GROUP_ID_NOT_FOUND, or NON_EMPTY_GROUP while the group has members.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_offset_commit_handler();
api_handler make_offset_fetch_handler();
api_handler make_offset_delete_handler();

}  // namespace samsa::server::handlers
