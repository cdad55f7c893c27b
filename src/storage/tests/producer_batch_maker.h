#pragma once

// The producer_batch a producer-state test applies: a producer's batch of `records` records
// from base_sequence on.

#include <cstdint>

#include "storage/producer_state.h"

namespace samsa::storage {

inline producer_batch batch_of(int64_t id, int16_t epoch, int32_t base_sequence, int32_t records,
                               bool transactional = false, int64_t timestamp_ms = 1000) {
    producer_batch batch;
    batch.id = producer_id(id);
    batch.epoch = producer_epoch(epoch);
    batch.base_sequence = base_sequence;
    batch.last_sequence = increment_sequence(base_sequence, records - 1);
    batch.transactional = transactional;
    batch.max_timestamp_ms = timestamp_ms;
    return batch;
}

}  // namespace samsa::storage
