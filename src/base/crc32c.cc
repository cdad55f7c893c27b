#include "base/crc32c.h"

#include <isa-l/crc.h>

#include <algorithm>
#include <climits>

namespace samsa {
namespace {

// ISA-L takes the length as an int; larger inputs go through in pieces of this size.
constexpr std::size_t max_chunk_bytes = std::size_t{1} << 30;

}  // namespace

uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> more) {
    static_assert(max_chunk_bytes <= INT_MAX);
    // ISA-L's crc32_iscsi neither presets nor inverts the register: the caller passes the
    // raw register in and gets the raw register back. The conventional CRC-32C inverts both.
    unsigned int state = ~crc;
    while (!more.empty()) {
        std::size_t chunk = std::min(more.size(), max_chunk_bytes);
        // ISA-L's signature is not const-correct; it only reads the buffer.
        state =
            crc32_iscsi(const_cast<unsigned char*>(more.data()), static_cast<int>(chunk), state);
        more = more.subspan(chunk);
    }
    return ~state;
}

uint32_t crc32c(std::span<const uint8_t> bytes) {
    return crc32c_extend(0, bytes);
}

}  // namespace samsa
