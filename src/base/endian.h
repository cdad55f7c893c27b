#pragma once

// Big-endian (network order) loads and stores, the byte order of every fixed-width
// integer in the Kafka protocol and in Kafka's on-disk formats.

#include <bit>
#include <cstdint>
#include <cstring>

namespace samsa {

template <typename T>
T load_big_endian(const uint8_t* source) {
    static_assert(std::is_integral_v<T>);
    std::make_unsigned_t<T> raw;
    std::memcpy(&raw, source, sizeof raw);
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        if constexpr (sizeof(T) == 2)
            raw = __builtin_bswap16(raw);
        if constexpr (sizeof(T) == 4)
            raw = __builtin_bswap32(raw);
        if constexpr (sizeof(T) == 8)
            raw = __builtin_bswap64(raw);
    }
    return static_cast<T>(raw);
}

template <typename T>
void store_big_endian(uint8_t* destination, T value) {
    static_assert(std::is_integral_v<T>);
    auto raw = static_cast<std::make_unsigned_t<T>>(value);
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        if constexpr (sizeof(T) == 2)
            raw = __builtin_bswap16(raw);
        if constexpr (sizeof(T) == 4)
            raw = __builtin_bswap32(raw);
        if constexpr (sizeof(T) == 8)
            raw = __builtin_bswap64(raw);
    }
    std::memcpy(destination, &raw, sizeof raw);
}

}  // namespace samsa
