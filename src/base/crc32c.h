#pragma once

// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected), the checksum of Kafka's v2 record
// batches. Computed by ISA-L, which picks the SSE4.2/PCLMUL (or ARM CRC) kernel at run time.
//
// The value is the conventional one: initial register ~0, final xor ~0, so
// crc32c("123456789") == 0xE3069283 and crc32c of no bytes is 0.

#include <cstdint>
#include <span>

namespace samsa {

uint32_t crc32c(std::span<const uint8_t> bytes);

// The CRC of the concatenation of the bytes behind `crc` and `more`:
// crc32c_extend(crc32c(a), b) == crc32c(a + b), and crc32c_extend(0, b) == crc32c(b).
uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> more);

}  // namespace samsa
