#pragma once

// The records storage_writer appends, made so that a reader can check every one of them
// without knowing anything but the bytes it reads back.
//
// Record value layout (big-endian), record_bytes long in all:
//
//   0   int64  sequence   the offset the record was meant to get
//   8   uint64 seed       the writer's --seed
//   16  bytes  payload    record_bytes - 16 bytes of splitmix64(mix(seed, sequence))
//
// A record at the wrong offset, a payload that is not the one its header promises, or a
// value of the wrong size is therefore caught by check_record_value(). The key is null and
// the timestamp is the append time: neither is checked.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/ids.h"

namespace samsa::tools {

// sequence + seed.
constexpr std::size_t record_value_header_bytes = 16;

struct batch_shape {
    int32_t record_count = 1;
    std::size_t record_bytes = 100;  // at least record_value_header_bytes
};

struct built_batch {
    std::vector<uint8_t> bytes;  // a v2 batch, uncompressed, base offset first_sequence
    uint32_t values_crc = 0;     // records_checksum() of its record values
};

// The bytes of the record at `sequence`.
std::vector<uint8_t> make_record_value(uint64_t seed, offset sequence, std::size_t record_bytes);

// A batch of shape.record_count records for offsets first_sequence, first_sequence + 1, ...
built_batch build_batch(uint64_t seed, offset first_sequence, const batch_shape& shape,
                        int64_t timestamp_ms);

// Why the value of the record at `position` is not one make_record_value() made for it, or
// nullopt when it is.
std::optional<std::string> check_record_value(std::span<const uint8_t> value, offset position);

// The checksum acks and dumps print for a batch: CRC-32C of its record values, in order,
// concatenated. Extend it value by value, starting from 0.
uint32_t extend_records_checksum(uint32_t checksum, std::span<const uint8_t> value);

}  // namespace samsa::tools
