#include "protocol/record.h"

#include "base/endian.h"
#include "base/varint.h"
#include "protocol/record_batch_format.h"

namespace samsa::protocol {
namespace format = record_batch_format;
namespace {

// Reads the fields of a record from a bounded span. The first failure sticks: later reads
// return empty values and the caller checks failed() once per group of fields.
class field_reader {
public:
    explicit field_reader(byte_view bytes) : rest_(bytes) {}

    bool failed() const { return error_.has_value(); }
    record_error error() const { return *error_; }
    std::size_t remaining() const { return rest_.size(); }
    byte_view rest() const { return rest_; }

    int8_t int8() {
        if (failed()) {
            return 0;
        }
        if (rest_.empty()) {
            fail(record_error::truncated);
            return 0;
        }
        auto value = static_cast<int8_t>(rest_[0]);
        rest_ = rest_.subspan(1);
        return value;
    }

    int32_t varint() {
        if (failed()) {
            return 0;
        }
        auto decoded = decode_unsigned_varint32(rest_);
        if (!decoded) {
            fail(varint_failure(max_varint32_bytes));
            return 0;
        }
        rest_ = rest_.subspan(decoded->size_bytes);
        return zigzag_decode32(decoded->value);
    }

    int64_t varlong() {
        if (failed()) {
            return 0;
        }
        auto decoded = decode_unsigned_varint64(rest_);
        if (!decoded) {
            fail(varint_failure(max_varint64_bytes));
            return 0;
        }
        rest_ = rest_.subspan(decoded->size_bytes);
        return zigzag_decode64(decoded->value);
    }

    byte_view bytes(int32_t length) {
        if (failed()) {
            return {};
        }
        if (static_cast<std::size_t>(length) > rest_.size()) {
            fail(record_error::truncated);
            return byte_view();
        }
        auto taken = rest_.first(static_cast<std::size_t>(length));
        rest_ = rest_.subspan(taken.size());
        return taken;
    }

    // A length-prefixed byte string where length -1 means null.
    std::optional<byte_view> nullable_bytes(record_error bad_length) {
        int32_t length = varint();
        if (failed()) {
            return std::nullopt;
        }
        if (length < -1) {
            fail(bad_length);
            return std::nullopt;
        }
        if (length == -1) {
            return std::nullopt;
        }
        return bytes(length);
    }

    void fail(record_error error) {
        if (!error_) {
            error_ = error;
        }
    }

private:
    // With fewer bytes than the longest encoding, a varint can only fail by running out.
    record_error varint_failure(std::size_t max_bytes) const {
        return rest_.size() < max_bytes ? record_error::truncated : record_error::bad_varint;
    }

    byte_view rest_;
    std::optional<record_error> error_;
};

// One header: key length (>= 0), key, value length (>= -1), value.
record_header read_header(field_reader& fields) {
    record_header header;
    int32_t key_length = fields.varint();
    if (!fields.failed() && key_length < 0) {
        fields.fail(record_error::bad_header_key_length);
    }
    header.key = fields.bytes(key_length);
    header.value = fields.nullable_bytes(record_error::bad_header_value_length);
    return header;
}

// Kafka's arithmetic on offsets and timestamps wraps; a hostile batch must not make ours
// undefined.
int64_t wrapping_add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

record_error from_compression_error(compression_error error) {
    switch (error) {
        case compression_error::corrupt:
            return record_error::corrupt_payload;
        case compression_error::too_large:
            return record_error::payload_too_large;
        case compression_error::unsupported_codec:
        case compression_error::library_failure:
            break;
    }
    return record_error::decompression_failed;
}

}  // namespace

std::string_view to_string(record_error error) {
    switch (error) {
        case record_error::corrupt_payload:
            return "record batch payload is not valid compressed data";
        case record_error::payload_too_large:
            return "record batch payload decompresses past the size limit";
        case record_error::decompression_failed:
            return "record batch payload decompression failed";
        case record_error::truncated:
            return "record field runs past the end of its record";
        case record_error::bad_varint:
            return "record varint is too long";
        case record_error::bad_record_length:
            return "record length is negative";
        case record_error::record_length_mismatch:
            return "record fields end before the record length";
        case record_error::bad_key_length:
            return "record key length below -1";
        case record_error::bad_value_length:
            return "record value length below -1";
        case record_error::bad_header_count:
            return "record header count is negative or too large";
        case record_error::bad_header_key_length:
            return "record header key length is negative";
        case record_error::bad_header_value_length:
            return "record header value length below -1";
        case record_error::record_count_mismatch:
            return "record count differs from the batch's record count";
        case record_error::bad_offset_delta:
            return "record offset delta is out of order or out of range";
        case record_error::bad_control_record:
            return "control record key or value is malformed";
    }
    return "unknown record error";
}

record_headers::iterator::iterator(byte_view bytes, int32_t left) : rest_(bytes), left_(left) {
    if (left_ > 0) {
        decode_current();
    }
}

record_headers::iterator& record_headers::iterator::operator++() {
    if (--left_ > 0) {
        decode_current();
    }
    return *this;
}

void record_headers::iterator::decode_current() {
    // The headers were validated when their record was decoded, so this cannot fail; if the
    // bytes were somehow not validated, a failure yields empty headers, never a bad read.
    field_reader fields(rest_);
    current_ = read_header(fields);
    rest_ = fields.rest();
}

offset record_offset(const record_batch_view& batch, const record& r) {
    return offset(wrapping_add(batch.base_offset().value(), r.offset_delta));
}

int64_t record_timestamp_ms(const record_batch_view& batch, const record& r) {
    if (batch.timestamp_type() == timestamp_type::log_append_time) {
        return batch.max_timestamp_ms();
    }
    return wrapping_add(batch.base_timestamp_ms(), r.timestamp_delta);
}

record_reader::record_reader(std::vector<uint8_t> decompressed, byte_view payload,
                             int32_t record_count, int32_t last_offset_delta,
                             offset_delta_rule rule)
    : decompressed_(std::move(decompressed)),
      remaining_(decompressed_.empty() ? payload : byte_view(decompressed_)),
      record_count_(record_count),
      last_offset_delta_(last_offset_delta),
      rule_(rule) {}

result<record_reader, record_error> record_reader::open(const record_batch_view& batch,
                                                        std::size_t max_uncompressed_bytes,
                                                        offset_delta_rule rule) {
    if (rule == offset_delta_rule::contiguous) {
        if (batch.record_count() == 0) {
            return failure{record_error::record_count_mismatch};
        }
        if (batch.last_offset_delta() != batch.record_count() - 1) {
            return failure{record_error::bad_offset_delta};
        }
    }
    std::vector<uint8_t> decompressed;
    byte_view payload = batch.records_payload();
    if (batch.codec() != compression_codec::none) {
        auto output = decompress(batch.codec(), payload, max_uncompressed_bytes);
        if (!output) {
            return failure{from_compression_error(output.error())};
        }
        decompressed = std::move(output).value();
        payload = decompressed;
    }
    // Every record takes at least min_record_size_bytes: a count the payload cannot hold
    // is rejected before any record is read.
    if (static_cast<uint64_t>(batch.record_count()) * format::min_record_size_bytes >
        payload.size()) {
        return failure{record_error::record_count_mismatch};
    }
    return record_reader(std::move(decompressed), payload, batch.record_count(),
                         batch.last_offset_delta(), rule);
}

result<std::optional<record>, record_error> record_reader::next() {
    if (error_) {
        return failure{*error_};
    }
    if (records_read_ == record_count_) {
        if (!remaining_.empty()) {
            error_ = record_error::record_count_mismatch;
            return failure{*error_};
        }
        return std::optional<record>();
    }
    if (remaining_.empty()) {
        error_ = record_error::record_count_mismatch;
        return failure{*error_};
    }
    auto decoded = decode_next();
    if (!decoded) {
        error_ = decoded.error();
        return failure{*error_};
    }
    ++records_read_;
    return std::optional(std::move(decoded).value());
}

result<record, record_error> record_reader::decode_next() {
    field_reader payload(remaining_);
    int32_t length = payload.varint();
    if (!payload.failed() && length < 0) {
        return failure{record_error::bad_record_length};
    }
    byte_view body = payload.bytes(length);
    if (payload.failed()) {
        return failure{payload.error()};
    }
    remaining_ = payload.rest();

    field_reader fields(body);
    record r;
    r.attributes = fields.int8();
    r.timestamp_delta = fields.varlong();
    r.offset_delta = fields.varint();
    r.key = fields.nullable_bytes(record_error::bad_key_length);
    r.value = fields.nullable_bytes(record_error::bad_value_length);
    int32_t header_count = fields.varint();
    if (fields.failed()) {
        return failure{fields.error()};
    }
    // Each header takes at least two bytes (two one-byte lengths).
    if (header_count < 0 || static_cast<std::size_t>(header_count) > fields.remaining() / 2) {
        return failure{record_error::bad_header_count};
    }
    byte_view header_bytes = fields.rest();
    for (int32_t i = 0; i < header_count && !fields.failed(); ++i) {
        read_header(fields);
    }
    if (fields.failed()) {
        return failure{fields.error()};
    }
    if (fields.remaining() != 0) {
        return failure{record_error::record_length_mismatch};
    }
    r.headers =
        record_headers(header_bytes.first(header_bytes.size() - fields.remaining()), header_count);

    bool in_order =
        rule_ == offset_delta_rule::contiguous
            ? r.offset_delta == records_read_
            : r.offset_delta > previous_offset_delta_ && r.offset_delta <= last_offset_delta_;
    if (!in_order) {
        return failure{record_error::bad_offset_delta};
    }
    previous_offset_delta_ = r.offset_delta;
    return r;
}

result<int32_t, record_error> validate_records(const record_batch_view& batch,
                                               std::size_t max_uncompressed_bytes,
                                               offset_delta_rule rule) {
    auto reader = record_reader::open(batch, max_uncompressed_bytes, rule);
    if (!reader) {
        return failure{reader.error()};
    }
    while (true) {
        auto next = reader->next();
        if (!next) {
            return failure{next.error()};
        }
        if (!next->has_value()) {
            return reader->records_read();
        }
    }
}

result<control_record_key, record_error> decode_control_record_key(std::optional<byte_view> key) {
    if (!key || key->size() < format::control_record_key_size_bytes) {
        return failure{record_error::bad_control_record};
    }
    control_record_key decoded;
    decoded.version = load_big_endian<int16_t>(key->data());
    decoded.type = static_cast<control_record_type>(load_big_endian<int16_t>(key->data() + 2));
    if (decoded.version < 0) {
        return failure{record_error::bad_control_record};
    }
    return decoded;
}

result<end_transaction_marker, record_error> decode_end_transaction_marker(
    std::optional<byte_view> value) {
    if (!value || value->size() < format::end_transaction_marker_size_bytes) {
        return failure{record_error::bad_control_record};
    }
    end_transaction_marker decoded;
    decoded.version = load_big_endian<int16_t>(value->data());
    decoded.coordinator_epoch = load_big_endian<int32_t>(value->data() + 2);
    if (decoded.version < 0) {
        return failure{record_error::bad_control_record};
    }
    return decoded;
}

std::array<uint8_t, 4> encode_control_record_key(control_record_type type) {
    std::array<uint8_t, format::control_record_key_size_bytes> key{};
    store_big_endian<int16_t>(key.data(), 0);
    store_big_endian<int16_t>(key.data() + 2, static_cast<int16_t>(type));
    return key;
}

std::array<uint8_t, 6> encode_end_transaction_marker(int32_t coordinator_epoch) {
    std::array<uint8_t, format::end_transaction_marker_size_bytes> value{};
    store_big_endian<int16_t>(value.data(), 0);
    store_big_endian<int32_t>(value.data() + 2, coordinator_epoch);
    return value;
}

}  // namespace samsa::protocol
