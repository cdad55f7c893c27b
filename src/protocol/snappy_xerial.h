#pragma once

// Snappy as Kafka clients frame it. The Java client writes through xerial's
// SnappyOutputStream, which frames raw snappy blocks like this (integers big-endian):
//
//   header  magic   8 bytes  0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
//           version int32    1
//           compat  int32    1 (the oldest reader version that can read the stream)
//   blocks  repeated until the end of the input:
//           length  int32    size of the compressed block that follows, >= 0
//           block   length bytes of raw snappy (its own varint uncompressed length first)
//
// Each block compresses up to 32 KiB of input independently; the output is the
// concatenation of the blocks' contents. Some clients (librdkafka can, older kafka-python
// did) instead write a single raw snappy block with no framing; a payload that does not start
// with the magic is read that way.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "protocol/compression.h"

namespace samsa::protocol {

inline constexpr std::array<uint8_t, 8> xerial_magic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
inline constexpr std::size_t xerial_header_size_bytes = 8 + 4 + 4;
inline constexpr int32_t xerial_version = 1;
inline constexpr int32_t xerial_compatible_version = 1;
inline constexpr std::size_t xerial_block_size_bytes = 32 * 1024;

// Xerial framing of input.
std::vector<uint8_t> snappy_compress_xerial(std::span<const uint8_t> input);

// Either framing, detected by the magic. The size of each block is known before it is
// decoded, so the output is allocated once, after checking the total against the bound.
result<std::vector<uint8_t>, compression_error> snappy_decompress(std::span<const uint8_t> input,
                                                                  std::size_t max_output_bytes);

}  // namespace samsa::protocol
