#pragma once

// The ids of Kafka's vocabulary, each its own type (see strong_id.h).

#include <cstdint>

#include "base/strong_id.h"

namespace samsa {

// An offset in a partition log (also a high watermark, a log start/end offset).
using offset = strong_id<struct offset_tag, int64_t>;
// The epoch of a partition's leader, bumped at every leader change.
using leader_epoch = strong_id<struct leader_epoch_tag, int32_t>;
// A partition's index within its topic.
using partition_id = strong_id<struct partition_id_tag, int32_t>;
// A broker or controller node.
using node_id = strong_id<struct node_id_tag, int32_t>;
// An idempotent or transactional producer, and its epoch.
using producer_id = strong_id<struct producer_id_tag, int64_t>;
using producer_epoch = strong_id<struct producer_epoch_tag, int16_t>;

}  // namespace samsa
