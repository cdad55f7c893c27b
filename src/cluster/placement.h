#pragma once

// Which shard of a node owns a partition (shard.h: the ownership rule). A pure function of
// the partition and the shard count, so every shard computes the same answer without
// asking, and the same partition lands on the same shard after a restart with the same
// --smp.

#include <cstdint>

#include "runtime/shard.h"
#include "storage/topic_partition.h"

namespace samsa::cluster {

runtime::shard_id shard_for(const storage::topic_partition& partition, uint32_t shard_count);

}  // namespace samsa::cluster
