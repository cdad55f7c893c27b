#include "storage/offset_map.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>

#include "base/assert.h"

namespace samsa::storage {

offset_map::offset_map(std::size_t memory_bytes, double load_factor)
    : slots_(std::max<std::size_t>(2, memory_bytes / slot_bytes)),
      // At least one slot stays empty, so every probe ends.
      max_entries_(
          std::clamp<std::size_t>(static_cast<std::size_t>(static_cast<double>(slots_.size()) *
                                                           std::clamp(load_factor, 0.0, 1.0)),
                                  1, slots_.size() - 1)) {}

offset_map::key_hash offset_map::hash(std::span<const uint8_t> key) {
    XXH128_hash_t hashed = XXH3_128bits(key.data(), key.size());
    return {hashed.low64, hashed.high64};
}

std::size_t offset_map::find_slot(const key_hash& hashed) const {
    std::size_t index = hashed.low % slots_.size();
    while (true) {
        const slot& candidate = slots_[index];
        if (candidate.value < 0 || (candidate.low == hashed.low && candidate.high == hashed.high)) {
            return index;
        }
        index = index + 1 == slots_.size() ? 0 : index + 1;
    }
}

void offset_map::put(std::span<const uint8_t> key, offset value) {
    key_hash hashed = hash(key);
    slot& target = slots_[find_slot(hashed)];
    if (target.value < 0) {
        SAMSA_ASSERT(size_ < max_entries_, "offset_map: put of a new key into a full map");
        target.low = hashed.low;
        target.high = hashed.high;
        ++size_;
    }
    target.value = std::max(target.value, value.value());
    latest_offset_ = std::max(latest_offset_, value.value());
}

int64_t offset_map::get(std::span<const uint8_t> key) const {
    return slots_[find_slot(hash(key))].value;
}

double offset_map::utilization() const {
    return static_cast<double>(size_) / static_cast<double>(slots_.size());
}

void offset_map::clear() {
    std::fill(slots_.begin(), slots_.end(), slot{});
    size_ = 0;
    latest_offset_ = -1;
}

}  // namespace samsa::storage
