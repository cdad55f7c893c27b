#include "base/varint.h"

namespace samsa {
namespace {

template <typename T, std::size_t MaxBytes>
std::optional<std::pair<T, std::size_t>> decode_unsigned(std::span<const uint8_t> input) {
    T value = 0;
    for (std::size_t i = 0; i < MaxBytes && i < input.size(); ++i) {
        uint8_t byte = input[i];
        value |= static_cast<T>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            // The last group may only use the bits the type has left.
            if (i == MaxBytes - 1 && (byte >> (sizeof(T) * 8 - 7 * i)) != 0) {
                return std::nullopt;
            }
            return std::pair{value, i + 1};
        }
    }
    return std::nullopt;
}

template <typename T>
std::size_t encode_unsigned(T value, uint8_t* out) {
    std::size_t size = 0;
    while (value >= 0x80) {
        out[size++] = static_cast<uint8_t>(value | 0x80);
        value >>= 7;
    }
    out[size++] = static_cast<uint8_t>(value);
    return size;
}

template <typename T>
std::size_t unsigned_size(T value) {
    std::size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++size;
    }
    return size;
}

}  // namespace

std::optional<varint_decoded_u32> decode_unsigned_varint32(std::span<const uint8_t> input) {
    auto decoded = decode_unsigned<uint32_t, max_varint32_bytes>(input);
    if (!decoded) {
        return std::nullopt;
    }
    return varint_decoded_u32{decoded->first, decoded->second};
}

std::optional<varint_decoded_u64> decode_unsigned_varint64(std::span<const uint8_t> input) {
    auto decoded = decode_unsigned<uint64_t, max_varint64_bytes>(input);
    if (!decoded) {
        return std::nullopt;
    }
    return varint_decoded_u64{decoded->first, decoded->second};
}

std::size_t encode_unsigned_varint32(uint32_t value, uint8_t* out) {
    return encode_unsigned(value, out);
}
std::size_t encode_unsigned_varint64(uint64_t value, uint8_t* out) {
    return encode_unsigned(value, out);
}
std::size_t unsigned_varint32_size(uint32_t value) {
    return unsigned_size(value);
}
std::size_t unsigned_varint64_size(uint64_t value) {
    return unsigned_size(value);
}

}  // namespace samsa
