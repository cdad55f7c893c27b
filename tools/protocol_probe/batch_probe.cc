#include "batch_probe.h"

#include <optional>
#include <string_view>
#include <vector>

#include "probe_json.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"

namespace samsa::protocol {
namespace {

// Generous for a probe, and still a bound on what a hostile input can make us allocate.
constexpr std::size_t max_uncompressed_bytes = 64 * 1024 * 1024;

void write_optional_bytes(json_writer& json, std::string_view name,
                          const std::optional<byte_view>& bytes) {
    json.key(name);
    if (bytes) {
        json.hex_value(*bytes);
    } else {
        json.null_value();
    }
}

void write_header_fields(json_writer& json, const record_batch_view& batch) {
    json.key("base_offset");
    json.value(batch.base_offset().value());
    json.key("batch_length");
    json.value(static_cast<int64_t>(batch.batch_length()));
    json.key("partition_leader_epoch");
    json.value(static_cast<int64_t>(batch.partition_leader_epoch().value()));
    json.key("magic");
    json.value(static_cast<int64_t>(batch.magic()));
    json.key("crc");
    json.value(static_cast<int64_t>(batch.crc()));
    json.key("attributes");
    json.value(static_cast<int64_t>(batch.attributes()));
    json.key("codec");
    json.value(to_string(batch.codec()));
    json.key("timestamp_type");
    json.value(batch.timestamp_type() == timestamp_type::log_append_time ? "log_append_time"
                                                                         : "create_time");
    json.key("is_transactional");
    json.value(batch.is_transactional());
    json.key("is_control");
    json.value(batch.is_control());
    json.key("last_offset_delta");
    json.value(static_cast<int64_t>(batch.last_offset_delta()));
    json.key("base_timestamp");
    json.value(batch.base_timestamp_ms());
    json.key("max_timestamp");
    json.value(batch.max_timestamp_ms());
    json.key("producer_id");
    json.value(batch.producer_id().value());
    json.key("producer_epoch");
    json.value(static_cast<int64_t>(batch.producer_epoch().value()));
    json.key("base_sequence");
    json.value(static_cast<int64_t>(batch.base_sequence()));
    json.key("record_count");
    json.value(static_cast<int64_t>(batch.record_count()));
}

void write_record(json_writer& json, const record& r) {
    json.begin_object();
    json.key("attributes");
    json.value(static_cast<int64_t>(r.attributes));
    json.key("offset_delta");
    json.value(static_cast<int64_t>(r.offset_delta));
    json.key("timestamp_delta");
    json.value(r.timestamp_delta);
    write_optional_bytes(json, "key", r.key);
    write_optional_bytes(json, "value", r.value);
    json.key("headers");
    json.begin_array();
    for (const record_header& header : r.headers) {
        json.begin_object();
        // Hex rather than text: the probe reports bytes as read, valid UTF-8 or not.
        json.key("key");
        json.hex_value(header.key);
        write_optional_bytes(json, "value", header.value);
        json.end_object();
    }
    json.end_array();
    json.end_object();
}

// The settings that make the builder reproduce the batch's header, uncompressed.
record_batch_settings uncompressed_settings_of(const record_batch_view& batch) {
    record_batch_settings settings;
    settings.base_offset = batch.base_offset();
    settings.partition_leader_epoch = batch.partition_leader_epoch();
    settings.producer_id = batch.producer_id();
    settings.producer_epoch = batch.producer_epoch();
    settings.base_sequence = batch.base_sequence();
    settings.codec = compression_codec::none;
    settings.timestamp_type = batch.timestamp_type();
    settings.log_append_time_ms = batch.max_timestamp_ms();
    settings.transactional =
        batch.is_transactional() ? transaction_mode::transactional : transaction_mode::none;
    settings.kind = batch.is_control() ? batch_kind::control : batch_kind::data;
    return settings;
}

// Appends r to the builder with the same offset and timestamp deltas.
void append_to(record_batch_builder& builder, const record_batch_view& batch, const record& r) {
    std::vector<record_header> headers(r.headers.begin(), r.headers.end());
    record_fields fields;
    fields.timestamp_ms = static_cast<int64_t>(static_cast<uint64_t>(batch.base_timestamp_ms()) +
                                               static_cast<uint64_t>(r.timestamp_delta));
    fields.key = r.key;
    fields.value = r.value;
    fields.headers = headers;
    builder.append_with_offset_delta(r.offset_delta, fields);
}

}  // namespace

std::string probe_batch(std::span<const uint8_t> bytes) {
    auto batch = record_batch_view::parse(bytes, crc_check::verify);
    if (!batch) {
        return error_json(std::string("batch: ") + std::string(to_string(batch.error())));
    }
    if (batch->size_bytes() != bytes.size()) {
        return error_json("batch: " + std::to_string(bytes.size() - batch->size_bytes()) +
                          " trailing bytes");
    }
    auto reader = record_reader::open(*batch, max_uncompressed_bytes);
    if (!reader) {
        return error_json(std::string("records: ") + std::string(to_string(reader.error())));
    }

    json_writer json;
    json.begin_object();
    write_header_fields(json, *batch);
    record_batch_builder builder(uncompressed_settings_of(*batch));
    json.key("records");
    json.begin_array();
    while (true) {
        auto next = reader->next();
        if (!next) {
            return error_json(std::string("records: ") + std::string(to_string(next.error())));
        }
        if (!next->has_value()) {
            break;
        }
        write_record(json, **next);
        append_to(builder, *batch, **next);
    }
    json.end_array();

    auto rebuilt = std::move(builder).build();
    json.key("rebuilt");
    if (rebuilt) {
        json.hex_value(*rebuilt);
    } else {
        json.null_value();
        json.key("rebuild_error");
        json.value(to_string(rebuilt.error()));
    }
    json.end_object();
    return json.text();
}

}  // namespace samsa::protocol
