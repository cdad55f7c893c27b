#pragma once

// The log cleaner's key -> offset map (Kafka's SkimpyOffsetMap): for every key of the dirty
// section, the offset of its newest record. Keys are not stored, only a 128-bit hash of each
// (XXH3-128; Kafka keeps a 16-byte MD5), so the memory is fixed however long the keys are:
// 24 bytes a slot, in one table allocated up front and never grown. Open addressing with
// linear probing; the map counts itself full at load_factor of its slots
// (log.cleaner.io.buffer.load.factor), and the cleaner stops adding keys there and cleans
// the rest of the dirty section in a later pass.
//
// Two keys with the same 128-bit hash would be taken for one: the older one's latest value
// would be removed. At 2^-128 per pair this is less likely than a disk corrupting a batch
// whose CRC still matches.
//
// Ownership: one clean at a time, on the cleaner's thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/ids.h"

namespace samsa::storage {

class offset_map {
public:
    static constexpr std::size_t slot_bytes = 24;

    // A table of memory_bytes / slot_bytes slots (at least two).
    offset_map(std::size_t memory_bytes, double load_factor);

    // Records that key's newest record so far is at `value`: a larger offset replaces a
    // smaller one. Precondition: !full() or the key is already in the map.
    void put(std::span<const uint8_t> key, offset value);
    // The offset put for key, or -1 when it was never put.
    int64_t get(std::span<const uint8_t> key) const;

    bool full() const { return size_ >= max_entries_; }
    std::size_t size() const { return size_; }
    std::size_t slots() const { return slots_.size(); }
    std::size_t max_entries() const { return max_entries_; }
    // The largest offset put; -1 before any put.
    int64_t latest_offset() const { return latest_offset_; }
    // size() / slots(): Kafka's buffer utilization metric.
    double utilization() const;
    void clear();

private:
    struct slot {
        uint64_t low = 0;
        uint64_t high = 0;
        int64_t value = -1;  // -1: empty (offsets are never negative)
    };
    struct key_hash {
        uint64_t low;
        uint64_t high;
    };
    static key_hash hash(std::span<const uint8_t> key);
    // The slot holding the hash, or the empty slot where it would go.
    std::size_t find_slot(const key_hash& hashed) const;

    std::vector<slot> slots_;
    std::size_t max_entries_;
    std::size_t size_ = 0;
    int64_t latest_offset_ = -1;
};

}  // namespace samsa::storage
