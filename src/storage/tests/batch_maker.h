#pragma once

// Record batches for storage tests: n records with values "v<offset-independent index>"
// of a chosen size and given timestamps.

#include <cstdint>
#include <string>
#include <vector>

#include "base/assert.h"
#include "protocol/record_batch_builder.h"

namespace samsa::storage {

inline std::vector<uint8_t> make_batch(int records, int64_t first_timestamp_ms,
                                       std::size_t value_bytes = 16, char fill = 'x') {
    protocol::record_batch_builder builder({});
    std::string value(value_bytes, fill);
    for (int index = 0; index < records; ++index) {
        protocol::byte_view bytes{reinterpret_cast<const uint8_t*>(value.data()), value.size()};
        builder.append({.timestamp_ms = first_timestamp_ms + index, .value = bytes});
    }
    auto built = std::move(builder).build();
    SAMSA_ASSERT(built, "test batch did not build");
    return std::move(built).value();
}

}  // namespace samsa::storage
