#include "workload.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "base/crc32c.h"
#include "base/endian.h"
#include "protocol/record_batch_builder.h"

namespace samsa::tools {
namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fill_payload(uint64_t seed, offset sequence, std::span<uint8_t> payload) {
    uint64_t state = seed ^ (static_cast<uint64_t>(sequence.value()) * 0xd1342543de82ef95ULL);
    std::size_t position = 0;
    while (position < payload.size()) {
        uint64_t word = splitmix64(state);
        for (int i = 0; i < 8 && position < payload.size(); ++i, ++position) {
            payload[position] = static_cast<uint8_t>(word >> (8 * i));
        }
    }
}

}  // namespace

std::vector<uint8_t> make_record_value(uint64_t seed, offset sequence, std::size_t record_bytes) {
    SAMSA_ASSERT(record_bytes >= record_value_header_bytes, "record of %zu bytes", record_bytes);
    std::vector<uint8_t> value(record_bytes);
    store_big_endian<int64_t>(value.data(), sequence.value());
    store_big_endian<uint64_t>(value.data() + 8, seed);
    fill_payload(seed, sequence, std::span(value).subspan(record_value_header_bytes));
    return value;
}

built_batch build_batch(uint64_t seed, offset first_sequence, const batch_shape& shape,
                        int64_t timestamp_ms) {
    protocol::record_batch_builder builder({.base_offset = first_sequence});
    uint32_t checksum = 0;
    for (int32_t i = 0; i < shape.record_count; ++i) {
        auto value =
            make_record_value(seed, offset(first_sequence.value() + i), shape.record_bytes);
        checksum = extend_records_checksum(checksum, value);
        builder.append({.timestamp_ms = timestamp_ms, .value = protocol::byte_view(value)});
    }
    auto built = std::move(builder).build();
    SAMSA_ASSERT(built.has_value(), "building a batch failed: %s",
                 std::string(protocol::to_string(built.error())).c_str());
    return {std::move(built).value(), checksum};
}

std::optional<std::string> check_record_value(std::span<const uint8_t> value, offset position) {
    if (value.size() < record_value_header_bytes) {
        return fmt::format("value of {} bytes, shorter than its header", value.size());
    }
    auto sequence = offset(load_big_endian<int64_t>(value.data()));
    if (sequence != position) {
        return fmt::format("record at offset {} was written for offset {}", position.value(),
                           sequence.value());
    }
    auto seed = load_big_endian<uint64_t>(value.data() + 8);
    if (make_record_value(seed, sequence, value.size()) !=
        std::vector<uint8_t>(value.begin(), value.end())) {
        return fmt::format("record at offset {}: payload differs from what seed {} makes",
                           position.value(), seed);
    }
    return std::nullopt;
}

uint32_t extend_records_checksum(uint32_t checksum, std::span<const uint8_t> value) {
    return crc32c_extend(checksum, value);
}

}  // namespace samsa::tools
