#include "protocol/record_batch_builder.h"

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "base/crc32c.h"
#include "base/endian.h"
#include "base/varint.h"
#include "protocol/record_batch_format.h"

namespace samsa::protocol {
namespace format = record_batch_format;
namespace {

constexpr std::size_t max_batch_size_bytes =
    format::log_overhead_bytes + static_cast<std::size_t>(std::numeric_limits<int32_t>::max());

void append_varint(std::vector<uint8_t>& out, int32_t value) {
    uint8_t bytes[max_varint32_bytes];
    std::size_t size = encode_unsigned_varint32(zigzag_encode32(value), bytes);
    out.insert(out.end(), bytes, bytes + size);
}

void append_varlong(std::vector<uint8_t>& out, int64_t value) {
    uint8_t bytes[max_varint64_bytes];
    std::size_t size = encode_unsigned_varint64(zigzag_encode64(value), bytes);
    out.insert(out.end(), bytes, bytes + size);
}

bool fits_int32(std::size_t size) {
    return size <= static_cast<std::size_t>(std::numeric_limits<int32_t>::max());
}

// Length-prefixed bytes, -1 for null. Returns false if the length does not fit a varint.
bool append_bytes(std::vector<uint8_t>& out, std::optional<byte_view> bytes) {
    if (!bytes) {
        append_varint(out, -1);
        return true;
    }
    if (!fits_int32(bytes->size())) {
        return false;
    }
    append_varint(out, static_cast<int32_t>(bytes->size()));
    out.insert(out.end(), bytes->begin(), bytes->end());
    return true;
}

int64_t wrapping_subtract(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

uint16_t attributes_of(const record_batch_settings& settings, compression_codec codec) {
    uint16_t attributes = static_cast<uint16_t>(codec);
    if (settings.timestamp_type == timestamp_type::log_append_time) {
        attributes |= format::timestamp_type_mask;
    }
    if (settings.transactional == transaction_mode::transactional) {
        attributes |= format::transactional_mask;
    }
    if (settings.kind == batch_kind::control) {
        attributes |= format::control_mask;
    }
    if (settings.delete_horizon_ms) {
        attributes |= format::delete_horizon_mask;
    }
    return attributes;
}

}  // namespace

std::string_view to_string(record_batch_builder_error error) {
    switch (error) {
        case record_batch_builder_error::no_records:
            return "a record batch needs at least one record";
        case record_batch_builder_error::batch_too_large:
            return "record batch too large for its length field";
        case record_batch_builder_error::compression_failed:
            return "record batch compression failed";
    }
    return "unknown record batch builder error";
}

record_batch_builder::record_batch_builder(const record_batch_settings& settings)
    : settings_(settings), buffer_(format::header_size_bytes) {}

void record_batch_builder::append(const record_fields& fields) {
    append_with_offset_delta(record_count_, fields);
}

void record_batch_builder::append_with_offset_delta(int32_t offset_delta,
                                                    const record_fields& fields) {
    SAMSA_ASSERT(offset_delta > last_offset_delta_,
                 "record_batch_builder: offset delta %d after %d", offset_delta,
                 last_offset_delta_);
    write_record(offset_delta, fields);
}

void record_batch_builder::write_record(int32_t offset_delta, const record_fields& fields) {
    if (!base_timestamp_ms_) {
        base_timestamp_ms_ = settings_.delete_horizon_ms.value_or(fields.timestamp_ms);
    }
    scratch_.clear();
    scratch_.push_back(0);  // attributes
    append_varlong(scratch_, wrapping_subtract(fields.timestamp_ms, *base_timestamp_ms_));
    append_varint(scratch_, offset_delta);
    bool fits = append_bytes(scratch_, fields.key) && append_bytes(scratch_, fields.value);
    fits = fits && fits_int32(fields.headers.size());
    append_varint(scratch_, static_cast<int32_t>(fields.headers.size()));
    for (const record_header& header : fields.headers) {
        fits = fits && append_bytes(scratch_, header.key) && append_bytes(scratch_, header.value);
    }
    fits = fits && fits_int32(scratch_.size()) &&
           buffer_.size() + max_varint32_bytes + scratch_.size() <= max_batch_size_bytes &&
           record_count_ < std::numeric_limits<int32_t>::max();
    if (!fits || too_large_) {
        too_large_ = true;
        return;
    }
    append_varint(buffer_, static_cast<int32_t>(scratch_.size()));
    buffer_.insert(buffer_.end(), scratch_.begin(), scratch_.end());

    ++record_count_;
    last_offset_delta_ = offset_delta;
    max_timestamp_ms_ = std::max(max_timestamp_ms_, fields.timestamp_ms);
}

result<std::vector<uint8_t>, record_batch_builder_error> record_batch_builder::build() && {
    if (too_large_) {
        return failure{record_batch_builder_error::batch_too_large};
    }
    if (record_count_ == 0) {
        return failure{record_batch_builder_error::no_records};
    }
    std::vector<uint8_t> batch = std::move(buffer_);
    if (settings_.codec != compression_codec::none) {
        auto records = std::span(batch).subspan(format::records_position);
        auto compressed = compress(settings_.codec, records);
        if (!compressed) {
            return failure{record_batch_builder_error::compression_failed};
        }
        if (format::header_size_bytes + compressed->size() > max_batch_size_bytes) {
            return failure{record_batch_builder_error::batch_too_large};
        }
        batch.resize(format::header_size_bytes);
        batch.insert(batch.end(), compressed->begin(), compressed->end());
    }

    int64_t max_timestamp_ms = settings_.timestamp_type == timestamp_type::log_append_time
                                   ? settings_.log_append_time_ms
                                   : max_timestamp_ms_;
    uint8_t* header = batch.data();
    store_big_endian<int64_t>(header + format::base_offset_position, settings_.base_offset.value());
    store_big_endian<int32_t>(header + format::batch_length_position,
                              static_cast<int32_t>(batch.size() - format::log_overhead_bytes));
    store_big_endian<int32_t>(header + format::partition_leader_epoch_position,
                              settings_.partition_leader_epoch.value());
    store_big_endian<int8_t>(header + format::magic_position, format::magic_v2);
    store_big_endian<uint16_t>(header + format::attributes_position,
                               attributes_of(settings_, settings_.codec));
    int32_t last_offset_delta =
        std::max(last_offset_delta_, settings_.last_offset_delta.value_or(0));
    store_big_endian<int32_t>(header + format::last_offset_delta_position, last_offset_delta);
    store_big_endian<int64_t>(header + format::base_timestamp_position, *base_timestamp_ms_);
    store_big_endian<int64_t>(header + format::max_timestamp_position, max_timestamp_ms);
    store_big_endian<int64_t>(header + format::producer_id_position, settings_.producer_id.value());
    store_big_endian<int16_t>(header + format::producer_epoch_position,
                              settings_.producer_epoch.value());
    store_big_endian<int32_t>(header + format::base_sequence_position, settings_.base_sequence);
    store_big_endian<int32_t>(header + format::record_count_position, record_count_);
    store_big_endian<uint32_t>(header + format::crc_position,
                               crc32c(std::span(batch).subspan(format::crc_coverage_start)));
    return batch;
}

std::vector<uint8_t> build_empty_batch(const record_batch_view& batch) {
    std::vector<uint8_t> empty(format::header_size_bytes);
    uint8_t* header = empty.data();
    uint16_t attributes =
        static_cast<uint16_t>(batch.attributes()) &
        (format::timestamp_type_mask | format::transactional_mask | format::control_mask);
    store_big_endian<int64_t>(header + format::base_offset_position, batch.base_offset().value());
    store_big_endian<int32_t>(header + format::batch_length_position,
                              static_cast<int32_t>(empty.size() - format::log_overhead_bytes));
    store_big_endian<int32_t>(header + format::partition_leader_epoch_position,
                              batch.partition_leader_epoch().value());
    store_big_endian<int8_t>(header + format::magic_position, format::magic_v2);
    store_big_endian<uint16_t>(header + format::attributes_position, attributes);
    store_big_endian<int32_t>(header + format::last_offset_delta_position,
                              batch.last_offset_delta());
    store_big_endian<int64_t>(header + format::base_timestamp_position, batch.max_timestamp_ms());
    store_big_endian<int64_t>(header + format::max_timestamp_position, batch.max_timestamp_ms());
    store_big_endian<int64_t>(header + format::producer_id_position, batch.producer_id().value());
    store_big_endian<int16_t>(header + format::producer_epoch_position,
                              batch.producer_epoch().value());
    store_big_endian<int32_t>(header + format::base_sequence_position, batch.base_sequence());
    store_big_endian<int32_t>(header + format::record_count_position, 0);
    store_big_endian<uint32_t>(header + format::crc_position,
                               crc32c(std::span(empty).subspan(format::crc_coverage_start)));
    return empty;
}

}  // namespace samsa::protocol
