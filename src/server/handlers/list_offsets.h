#pragma once

// ListOffsets (key 2), versions 0-8: for each partition, an offset by a special timestamp
// or by time.
//   -2 EARLIEST and -4 EARLIEST_LOCAL (v8; no tiered storage, so the same): the log start
//      offset;
//   -1 LATEST: the high watermark (read_uncommitted) or the last stable offset
//      (read_committed, v2+);
//   -3 MAX_TIMESTAMP (v7+): the first record with the largest timestamp, and that timestamp;
//   t >= 0: the first record whose timestamp is at or after t, below the latest offset a
//      consumer may read; none is offset -1 and timestamp -1.
// The leader epoch (v4+) is the epoch of the offset returned; a current_leader_epoch older
// or newer than the partition's is FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH. Version 0
// answers old_style_offsets with that one offset (Kafka 4 dropped v0; Samsa still serves it).

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_list_offsets_handler();

}  // namespace samsa::server::handlers
