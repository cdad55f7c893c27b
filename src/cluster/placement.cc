#include "cluster/placement.h"

#include "base/assert.h"

namespace samsa::cluster {
namespace {

// FNV-1a: stable across builds and standard libraries, unlike std::hash, so placement
// does not change when the toolchain does.
uint64_t fnv1a(std::string_view bytes, uint64_t hash = 1469598103934665603ULL) {
    for (unsigned char byte : bytes) {
        hash ^= byte;
        hash *= 1099511628211ULL;
    }
    return hash;
}

}  // namespace

runtime::shard_id shard_for(const storage::topic_partition& partition, uint32_t shard_count) {
    SAMSA_ASSERT(shard_count > 0, "no shards to place %s on", partition.topic.c_str());
    uint64_t hash = fnv1a(partition.topic);
    // Consecutive partitions of a topic go to consecutive shards, so a topic's load spreads
    // over every shard.
    uint64_t slot = hash + static_cast<uint64_t>(partition.partition.value());
    return runtime::shard_id(static_cast<uint32_t>(slot % shard_count));
}

}  // namespace samsa::cluster
