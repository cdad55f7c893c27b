#pragma once

// Fetch (key 1), versions 4-16, for consumers (read_uncommitted; read_committed reads up
// to the last stable offset, which equals the high watermark until transactions exist).
//
// A fetch resolves its partitions through the shard's fetch sessions (KIP-227,
// fetch_session_cache.h), reads each on its owner shard, and answers at once when it has
// min_bytes, max_wait_ms is 0, or a partition has an error; otherwise it waits in the
// shard's purgatory (fetch_purgatory.h) until a partition grows or max_wait_ms passes,
// then reads again.
//
// Per partition, Kafka's rules: whole batches from the one holding fetch_offset, at most
// partition_max_bytes, never past the high watermark; the request's max_bytes (capped by
// fetch.max.bytes) bounds the whole response, except that the first partition with data
// returns at least one batch however large. fetch_offset below the log start offset or
// past the log end offset is OFFSET_OUT_OF_RANGE; a current_leader_epoch older or newer
// than the partition's is FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH. The preferred read
// replica is always -1.
//
// Record bytes are not copied: each partition's records are file regions of its segment,
// sent with sendfile by the connection.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_fetch_handler();

}  // namespace samsa::server::handlers
