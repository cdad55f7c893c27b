#pragma once

// Variable-length integers as Kafka encodes them (protobuf style, 7 bits per byte, least
// significant group first). Signed values are zig-zag encoded. An unsigned 32-bit value
// takes at most 5 bytes and a 64-bit one at most 10; a longer encoding is malformed.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace samsa {

inline constexpr std::size_t max_varint32_bytes = 5;
inline constexpr std::size_t max_varint64_bytes = 10;

struct varint_decoded_u32 {
    uint32_t value;
    std::size_t size_bytes;
};
struct varint_decoded_u64 {
    uint64_t value;
    std::size_t size_bytes;
};

// nullopt when the input ends mid-varint or the encoding is too long.
std::optional<varint_decoded_u32> decode_unsigned_varint32(std::span<const uint8_t> input);
std::optional<varint_decoded_u64> decode_unsigned_varint64(std::span<const uint8_t> input);

// Writes into out (which must have room for the maximum size); returns bytes written.
std::size_t encode_unsigned_varint32(uint32_t value, uint8_t* out);
std::size_t encode_unsigned_varint64(uint64_t value, uint8_t* out);

std::size_t unsigned_varint32_size(uint32_t value);
std::size_t unsigned_varint64_size(uint64_t value);

constexpr uint32_t zigzag_encode32(int32_t value) {
    return (static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31);
}
constexpr int32_t zigzag_decode32(uint32_t value) {
    return static_cast<int32_t>((value >> 1) ^ (~(value & 1) + 1));
}
constexpr uint64_t zigzag_encode64(int64_t value) {
    return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
constexpr int64_t zigzag_decode64(uint64_t value) {
    return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

}  // namespace samsa
