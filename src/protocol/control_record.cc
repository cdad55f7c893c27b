#include "protocol/control_record.h"

#include <optional>
#include <utility>

#include "base/assert.h"
#include "protocol/record.h"
#include "protocol/record_batch_builder.h"

namespace samsa::protocol {
namespace {

// A marker batch holds one record of 4 + 6 bytes; anything that decompresses to more than
// this is not a marker (and is not worth decompressing further).
constexpr std::size_t max_marker_batch_records_bytes = 1024;

std::string describe(std::string_view what, record_error error) {
    std::string message(what);
    message += ": ";
    message += to_string(error);
    return message;
}

}  // namespace

result<transaction_marker, std::string> parse_transaction_marker(const record_batch_view& batch) {
    if (!batch.is_control()) {
        return failure{std::string("not a control batch")};
    }
    if (batch.record_count() != 1) {
        return failure{"a transaction marker batch holds one record, not " +
                       std::to_string(batch.record_count())};
    }
    auto reader = record_reader::open(batch, max_marker_batch_records_bytes);
    if (!reader) {
        return failure{describe("unreadable control batch", reader.error())};
    }
    auto first = reader->next();
    if (!first) {
        return failure{describe("unreadable control record", first.error())};
    }
    if (!first->has_value()) {
        return failure{std::string("control batch without a record")};
    }
    const record& control = **first;
    auto key = decode_control_record_key(control.key);
    if (!key) {
        return failure{describe("bad control record key", key.error())};
    }
    if (key->type != control_record_type::abort && key->type != control_record_type::commit) {
        return failure{"control record type " + std::to_string(static_cast<int>(key->type)) +
                       " is not a transaction marker"};
    }
    auto value = decode_end_transaction_marker(control.value);
    if (!value) {
        return failure{describe("bad transaction marker value", value.error())};
    }
    transaction_marker marker;
    marker.type =
        key->type == control_record_type::commit ? control_type::commit : control_type::abort;
    marker.coordinator_epoch = value->coordinator_epoch;
    return marker;
}

std::vector<uint8_t> build_transaction_marker_batch(samsa::producer_id id,
                                                    samsa::producer_epoch epoch,
                                                    const transaction_marker& marker,
                                                    int64_t timestamp_ms) {
    record_batch_settings settings;
    settings.producer_id = id;
    settings.producer_epoch = epoch;
    settings.base_sequence = -1;
    settings.transactional = transaction_mode::transactional;
    settings.kind = batch_kind::control;

    auto key =
        encode_control_record_key(marker.type == control_type::commit ? control_record_type::commit
                                                                      : control_record_type::abort);
    auto value = encode_end_transaction_marker(marker.coordinator_epoch);
    record_fields fields;
    fields.timestamp_ms = timestamp_ms;
    fields.key = byte_view(key);
    fields.value = byte_view(value);

    record_batch_builder builder(settings);
    builder.append(fields);
    auto batch = std::move(builder).build();
    // One 10-byte uncompressed record cannot be too large or fail to compress.
    SAMSA_ASSERT(batch.has_value(), "transaction marker batch: %s",
                 std::string(to_string(batch.error())).c_str());
    return std::move(batch).value();
}

}  // namespace samsa::protocol
