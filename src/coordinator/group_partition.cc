#include "coordinator/group_partition.h"

#include <cstddef>
#include <limits>

#include "base/assert.h"

namespace samsa::coordinator {
namespace {

constexpr uint16_t replacement_character = 0xFFFD;

// One step of UTF-8 decoding: the UTF-16 code units of one character, or the replacement
// character for one malformed subsequence, and how many bytes that used.
struct decoded_step {
    uint16_t units[2] = {replacement_character, 0};
    int unit_count = 1;
    std::size_t consumed_bytes = 1;
};

decoded_step replacement(std::size_t consumed_bytes) {
    return decoded_step{.consumed_bytes = consumed_bytes};
}

bool is_continuation(uint8_t byte) {
    return (byte & 0xC0) == 0x80;
}

// The rules below follow the JDK's String.decodeUTF8_UTF16 (JDK 9 and later), including its
// lengths for malformed subsequences, since those decide how many U+FFFD enter the hash.

// Lead byte C2..DF.
decoded_step decode_two(const uint8_t* bytes, std::size_t remaining) {
    if (remaining < 2 || !is_continuation(bytes[1])) {
        return replacement(1);
    }
    auto unit = static_cast<uint16_t>(((bytes[0] & 0x1F) << 6) | (bytes[1] & 0x3F));
    return decoded_step{.units = {unit, 0}, .unit_count = 1, .consumed_bytes = 2};
}

// Java's isMalformed3_2: b2 cannot be the second byte after lead b1 (an overlong E0 form, or
// not a continuation byte).
bool bad_second_of_three(uint8_t b1, uint8_t b2) {
    return (b1 == 0xE0 && (b2 & 0xE0) == 0x80) || !is_continuation(b2);
}

// Lead byte E0..EF.
decoded_step decode_three(const uint8_t* bytes, std::size_t remaining) {
    if (remaining < 3) {
        // Java replaces a bad second byte alone, and otherwise the whole truncated tail.
        bool second_is_bad = remaining == 2 && bad_second_of_three(bytes[0], bytes[1]);
        return replacement(second_is_bad ? 1 : remaining);
    }
    if (bad_second_of_three(bytes[0], bytes[1])) {
        return replacement(1);
    }
    if (!is_continuation(bytes[2])) {
        return replacement(2);
    }
    auto unit = static_cast<uint16_t>(((bytes[0] & 0x0F) << 12) | ((bytes[1] & 0x3F) << 6) |
                                      (bytes[2] & 0x3F));
    if (unit >= 0xD800 && unit <= 0xDFFF) {
        // An encoded surrogate: Java replaces the three bytes with a single U+FFFD.
        return replacement(3);
    }
    return decoded_step{.units = {unit, 0}, .unit_count = 1, .consumed_bytes = 3};
}

// Java's isMalformed4_2: b2 cannot be the second byte after lead b1.
bool bad_second_of_four(uint8_t b1, uint8_t b2) {
    return (b1 == 0xF0 && (b2 < 0x90 || b2 > 0xBF)) || (b1 == 0xF4 && (b2 & 0xF0) != 0x80) ||
           !is_continuation(b2);
}

// Lead byte F0..F7 with fewer than three bytes after it.
decoded_step decode_truncated_four(const uint8_t* bytes, std::size_t remaining) {
    if (bytes[0] > 0xF4 || (remaining >= 2 && bad_second_of_four(bytes[0], bytes[1]))) {
        return replacement(1);
    }
    if (remaining == 3 && !is_continuation(bytes[2])) {
        return replacement(2);
    }
    return replacement(remaining);
}

// Lead byte F0..F7.
decoded_step decode_four(const uint8_t* bytes, std::size_t remaining) {
    if (remaining < 4) {
        return decode_truncated_four(bytes, remaining);
    }
    if (bytes[0] > 0xF4 || bad_second_of_four(bytes[0], bytes[1])) {
        return replacement(1);
    }
    if (!is_continuation(bytes[2])) {
        return replacement(2);
    }
    if (!is_continuation(bytes[3])) {
        return replacement(3);
    }
    uint32_t code_point = ((bytes[0] & 0x07u) << 18) | ((bytes[1] & 0x3Fu) << 12) |
                          ((bytes[2] & 0x3Fu) << 6) | (bytes[3] & 0x3Fu);
    uint32_t offset_code_point = code_point - 0x10000;
    return decoded_step{.units = {static_cast<uint16_t>(0xD800 + (offset_code_point >> 10)),
                                  static_cast<uint16_t>(0xDC00 + (offset_code_point & 0x3FF))},
                        .unit_count = 2,
                        .consumed_bytes = 4};
}

decoded_step decode_non_ascii(const uint8_t* bytes, std::size_t remaining) {
    uint8_t lead = bytes[0];
    if (lead >= 0xC2 && lead <= 0xDF) {
        return decode_two(bytes, remaining);
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return decode_three(bytes, remaining);
    }
    if (lead >= 0xF0 && lead <= 0xF7) {
        return decode_four(bytes, remaining);
    }
    // A continuation byte with no lead, C0/C1 (always overlong), or F8..FF.
    return replacement(1);
}

}  // namespace

int32_t java_string_hash_code(std::string_view utf8) {
    // Unsigned arithmetic wraps like Java's int without signed-overflow undefined behaviour.
    uint32_t hash = 0;
    const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
    std::size_t position = 0;
    while (position < utf8.size()) {
        if (bytes[position] < 0x80) {
            hash = hash * 31 + bytes[position];
            ++position;
            continue;
        }
        decoded_step step = decode_non_ascii(bytes + position, utf8.size() - position);
        for (int i = 0; i < step.unit_count; ++i) {
            hash = hash * 31 + step.units[i];
        }
        position += step.consumed_bytes;
    }
    return static_cast<int32_t>(hash);
}

partition_id group_partition(std::string_view group_id, int32_t offsets_partition_count) {
    SAMSA_ASSERT(offsets_partition_count > 0, "offsets.topic.num.partitions is %d",
                 offsets_partition_count);
    int32_t hash = java_string_hash_code(group_id);
    int32_t magnitude = hash == std::numeric_limits<int32_t>::min() ? 0 : (hash < 0 ? -hash : hash);
    return partition_id(magnitude % offsets_partition_count);
}

}  // namespace samsa::coordinator
