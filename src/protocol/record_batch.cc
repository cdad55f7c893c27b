#include "protocol/record_batch.h"

#include <limits>

#include "base/assert.h"
#include "base/crc32c.h"
#include "base/endian.h"
#include "protocol/record_batch_format.h"

namespace samsa::protocol {
namespace format = record_batch_format;
namespace {

template <typename T>
T field(std::span<const uint8_t> batch, std::size_t position) {
    return load_big_endian<T>(batch.data() + position);
}

uint32_t compute_crc(std::span<const uint8_t> batch) {
    return crc32c(batch.subspan(format::crc_coverage_start));
}

bool is_known_codec(uint16_t attributes) {
    return (attributes & format::codec_mask) <= static_cast<uint16_t>(compression_codec::zstd);
}

// Always on: a rewrite of bytes that are not a parsed batch would corrupt the log.
void require_exact_batch(std::span<const uint8_t> batch, const char* operation) {
    bool exact = batch.size() >= format::header_size_bytes &&
                 static_cast<int64_t>(batch.size()) ==
                     int64_t{field<int32_t>(batch, format::batch_length_position)} +
                         static_cast<int64_t>(format::log_overhead_bytes);
    SAMSA_ASSERT(exact, "%s: %zu bytes are not exactly one parsed record batch", operation,
                 batch.size());
}

}  // namespace

std::string_view to_string(record_batch_error error) {
    switch (error) {
        case record_batch_error::truncated:
            return "record batch shorter than its header";
        case record_batch_error::bad_batch_length:
            return "record batch length smaller than its header";
        case record_batch_error::batch_length_past_end:
            return "record batch length past the end of the buffer";
        case record_batch_error::unsupported_magic:
            return "record batch magic is not 2";
        case record_batch_error::crc_mismatch:
            return "record batch CRC mismatch";
        case record_batch_error::unknown_codec:
            return "record batch names an unknown compression codec";
        case record_batch_error::bad_record_count:
            return "record batch has a negative record count";
        case record_batch_error::bad_last_offset_delta:
            return "record batch has a negative last offset delta";
        case record_batch_error::last_offset_overflow:
            return "record batch's last offset is past the largest offset";
    }
    return "unknown record batch error";
}

result<record_batch_view, record_batch_error> record_batch_view::parse(
    std::span<const uint8_t> bytes, crc_check check) {
    if (bytes.size() < format::log_overhead_bytes) {
        return failure{record_batch_error::truncated};
    }
    int32_t batch_length = field<int32_t>(bytes, format::batch_length_position);
    if (batch_length < format::min_batch_length) {
        return failure{record_batch_error::bad_batch_length};
    }
    std::size_t size = format::log_overhead_bytes + static_cast<std::size_t>(batch_length);
    if (size > bytes.size()) {
        return failure{bytes.size() < format::header_size_bytes
                           ? record_batch_error::truncated
                           : record_batch_error::batch_length_past_end};
    }
    auto batch = bytes.first(size);
    if (field<int8_t>(batch, format::magic_position) != format::magic_v2) {
        return failure{record_batch_error::unsupported_magic};
    }
    if (check == crc_check::verify &&
        field<uint32_t>(batch, format::crc_position) != compute_crc(batch)) {
        return failure{record_batch_error::crc_mismatch};
    }
    if (!is_known_codec(field<uint16_t>(batch, format::attributes_position))) {
        return failure{record_batch_error::unknown_codec};
    }
    if (field<int32_t>(batch, format::record_count_position) < 0) {
        return failure{record_batch_error::bad_record_count};
    }
    int32_t last_delta = field<int32_t>(batch, format::last_offset_delta_position);
    if (last_delta < 0) {
        return failure{record_batch_error::bad_last_offset_delta};
    }
    // next_offset() is last offset + 1, so the last offset must stay below INT64_MAX.
    if (field<int64_t>(batch, format::base_offset_position) >=
        std::numeric_limits<int64_t>::max() - last_delta) {
        return failure{record_batch_error::last_offset_overflow};
    }
    return record_batch_view(batch);
}

std::span<const uint8_t> record_batch_view::records_payload() const {
    return bytes_.subspan(format::records_position);
}

offset record_batch_view::base_offset() const {
    return offset(field<int64_t>(bytes_, format::base_offset_position));
}
int32_t record_batch_view::batch_length() const {
    return field<int32_t>(bytes_, format::batch_length_position);
}
leader_epoch record_batch_view::partition_leader_epoch() const {
    return leader_epoch(field<int32_t>(bytes_, format::partition_leader_epoch_position));
}
int8_t record_batch_view::magic() const {
    return field<int8_t>(bytes_, format::magic_position);
}
uint32_t record_batch_view::crc() const {
    return field<uint32_t>(bytes_, format::crc_position);
}
int16_t record_batch_view::attributes() const {
    return field<int16_t>(bytes_, format::attributes_position);
}
compression_codec record_batch_view::codec() const {
    return static_cast<compression_codec>(attributes() & format::codec_mask);
}
protocol::timestamp_type record_batch_view::timestamp_type() const {
    return (attributes() & format::timestamp_type_mask) != 0 ? timestamp_type::log_append_time
                                                             : timestamp_type::create_time;
}
bool record_batch_view::is_transactional() const {
    return (attributes() & format::transactional_mask) != 0;
}
bool record_batch_view::is_control() const {
    return (attributes() & format::control_mask) != 0;
}
std::optional<int64_t> record_batch_view::delete_horizon_ms() const {
    if ((attributes() & format::delete_horizon_mask) == 0) {
        return std::nullopt;
    }
    return base_timestamp_ms();
}
int32_t record_batch_view::last_offset_delta() const {
    return field<int32_t>(bytes_, format::last_offset_delta_position);
}
offset record_batch_view::last_offset() const {
    return offset(base_offset().value() + last_offset_delta());
}
offset record_batch_view::next_offset() const {
    return offset(last_offset().value() + 1);
}
int64_t record_batch_view::base_timestamp_ms() const {
    return field<int64_t>(bytes_, format::base_timestamp_position);
}
int64_t record_batch_view::max_timestamp_ms() const {
    return field<int64_t>(bytes_, format::max_timestamp_position);
}
samsa::producer_id record_batch_view::producer_id() const {
    return samsa::producer_id(field<int64_t>(bytes_, format::producer_id_position));
}
samsa::producer_epoch record_batch_view::producer_epoch() const {
    return samsa::producer_epoch(field<int16_t>(bytes_, format::producer_epoch_position));
}
int32_t record_batch_view::base_sequence() const {
    return field<int32_t>(bytes_, format::base_sequence_position);
}
int32_t record_batch_view::record_count() const {
    return field<int32_t>(bytes_, format::record_count_position);
}

void set_base_offset(std::span<uint8_t> batch, offset base_offset) {
    require_exact_batch(batch, "set_base_offset");
    store_big_endian<int64_t>(batch.data() + format::base_offset_position, base_offset.value());
}

void set_partition_leader_epoch(std::span<uint8_t> batch, leader_epoch epoch) {
    require_exact_batch(batch, "set_partition_leader_epoch");
    store_big_endian<int32_t>(batch.data() + format::partition_leader_epoch_position,
                              epoch.value());
}

void set_log_append_time(std::span<uint8_t> batch, int64_t log_append_time_ms) {
    require_exact_batch(batch, "set_log_append_time");
    auto attributes = field<uint16_t>(batch, format::attributes_position);
    store_big_endian<uint16_t>(batch.data() + format::attributes_position,
                               attributes | format::timestamp_type_mask);
    store_big_endian<int64_t>(batch.data() + format::max_timestamp_position, log_append_time_ms);
    store_big_endian<uint32_t>(batch.data() + format::crc_position, compute_crc(batch));
}

result<std::optional<record_batch_bounds>, record_batch_error> record_batch_splitter::next() {
    if (error_) {
        return failure{*error_};
    }
    auto rest = buffer_.subspan(position_);
    if (rest.size() < format::log_overhead_bytes) {
        return std::optional<record_batch_bounds>();
    }
    int32_t batch_length = field<int32_t>(rest, format::batch_length_position);
    if (batch_length < format::min_batch_length) {
        error_ = record_batch_error::bad_batch_length;
        return failure{*error_};
    }
    // Checking the magic as soon as it is there catches garbage before it can pass for the
    // start of a huge partial batch.
    if (rest.size() > format::magic_position &&
        field<int8_t>(rest, format::magic_position) != format::magic_v2) {
        error_ = record_batch_error::unsupported_magic;
        return failure{*error_};
    }
    std::size_t size = format::log_overhead_bytes + static_cast<std::size_t>(batch_length);
    if (size > rest.size()) {
        return std::optional<record_batch_bounds>();
    }
    record_batch_bounds bounds{position_, size};
    position_ += size;
    return std::optional(bounds);
}

}  // namespace samsa::protocol
