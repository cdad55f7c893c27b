#pragma once

// Shared by the fuzzers that feed record batches: rewrites the CRC of every batch whose
// length field fits in the buffer, in order, stopping at the first that does not (the
// splitter and log recovery stop there too). Mutated bytes then get past the CRC check to
// the code behind it: decompression, record decoding, recovery's later checks.

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/crc32c.h"
#include "base/endian.h"
#include "protocol/record_batch_format.h"

namespace samsa::fuzz {

inline void fix_up_crcs(std::span<uint8_t> buffer) {
    namespace format = protocol::record_batch_format;
    std::size_t position = 0;
    while (buffer.size() - position >= format::header_size_bytes) {
        auto length =
            load_big_endian<int32_t>(buffer.data() + position + format::batch_length_position);
        if (length < format::min_batch_length ||
            static_cast<std::size_t>(length) >
                buffer.size() - position - format::log_overhead_bytes) {
            return;
        }
        std::size_t size = format::log_overhead_bytes + static_cast<std::size_t>(length);
        auto batch = buffer.subspan(position, size);
        store_big_endian<uint32_t>(batch.data() + format::crc_position,
                                   crc32c(batch.subspan(format::crc_coverage_start)));
        position += size;
    }
}

}  // namespace samsa::fuzz
