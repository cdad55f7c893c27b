#include "protocol/wire_writer.h"

#include <bit>
#include <limits>

#include "base/endian.h"
#include "base/varint.h"

namespace samsa::protocol {

const char* to_string(encode_error error) {
    switch (error) {
        case encode_error::none:
            return "none";
        case encode_error::null_not_allowed:
            return "null not allowed";
        case encode_error::field_not_in_version:
            return "field not in version";
        case encode_error::too_long:
            return "too long";
        case encode_error::unsupported_version:
            return "unsupported version";
    }
    return "unknown";
}

namespace {

template <typename T>
void append_big_endian(std::vector<uint8_t>& buffer, T value) {
    auto size = buffer.size();
    buffer.resize(size + sizeof(T));
    store_big_endian(buffer.data() + size, value);
}

}  // namespace

void wire_writer::write_int16(int16_t value) {
    append_big_endian(buffer_, value);
}
void wire_writer::write_uint16(uint16_t value) {
    append_big_endian(buffer_, value);
}
void wire_writer::write_int32(int32_t value) {
    append_big_endian(buffer_, value);
}
void wire_writer::write_uint32(uint32_t value) {
    append_big_endian(buffer_, value);
}
void wire_writer::write_int64(int64_t value) {
    append_big_endian(buffer_, value);
}

void wire_writer::write_float64(double value) {
    append_big_endian(buffer_, std::bit_cast<uint64_t>(value));
}

void wire_writer::write_uuid(const uuid& value) {
    append_big_endian(buffer_, value.most_significant_bits());
    append_big_endian(buffer_, value.least_significant_bits());
}

void wire_writer::write_unsigned_varint(uint32_t value) {
    uint8_t encoded[max_varint32_bytes];
    auto size = encode_unsigned_varint32(value, encoded);
    buffer_.insert(buffer_.end(), encoded, encoded + size);
}

void wire_writer::write_varint(int32_t value) {
    write_unsigned_varint(zigzag_encode32(value));
}

void wire_writer::write_varlong(int64_t value) {
    uint8_t encoded[max_varint64_bytes];
    auto size = encode_unsigned_varint64(zigzag_encode64(value), encoded);
    buffer_.insert(buffer_.end(), encoded, encoded + size);
}

void wire_writer::write_string(std::string_view value, bool compact) {
    if (compact) {
        if (value.size() >= std::numeric_limits<uint32_t>::max()) {
            fail(encode_error::too_long);
            return;
        }
        write_unsigned_varint(static_cast<uint32_t>(value.size() + 1));
    } else {
        if (value.size() > static_cast<std::size_t>(std::numeric_limits<int16_t>::max())) {
            fail(encode_error::too_long);
            return;
        }
        write_int16(static_cast<int16_t>(value.size()));
    }
    buffer_.insert(buffer_.end(), value.begin(), value.end());
}

void wire_writer::write_nullable_string(const std::optional<std::string>& value, bool compact) {
    if (value) {
        write_string(*value, compact);
    } else if (compact) {
        write_unsigned_varint(0);
    } else {
        write_int16(-1);
    }
}

bool wire_writer::write_bytes_length(std::size_t size, bool compact) {
    if (size >= static_cast<std::size_t>(std::numeric_limits<int32_t>::max())) {
        fail(encode_error::too_long);
        return false;
    }
    if (compact) {
        write_unsigned_varint(static_cast<uint32_t>(size + 1));
    } else {
        write_int32(static_cast<int32_t>(size));
    }
    return true;
}

void wire_writer::write_bytes(std::span<const uint8_t> value, bool compact) {
    if (write_bytes_length(value.size(), compact)) {
        write_raw(value);
    }
}

void wire_writer::write_nullable_bytes(const std::optional<shared_bytes>& value, bool compact) {
    if (value) {
        write_bytes(value->span(), compact);
    } else if (compact) {
        write_unsigned_varint(0);
    } else {
        write_int32(-1);
    }
}

void wire_writer::write_records(const shared_bytes& value, bool compact) {
    if (!value.is_external()) {
        write_bytes(value.span(), compact);
        return;
    }
    if (write_bytes_length(value.size(), compact)) {
        external_gaps_.push_back({.position = buffer_.size(), .size_bytes = value.size()});
    }
}

void wire_writer::write_records(const std::optional<shared_bytes>& value, bool compact) {
    if (value) {
        write_records(*value, compact);
    } else {
        write_nullable_bytes(std::nullopt, compact);
    }
}

void wire_writer::write_array_length(std::size_t count, bool compact) {
    if (count >= static_cast<std::size_t>(std::numeric_limits<int32_t>::max())) {
        fail(encode_error::too_long);
        return;
    }
    if (compact) {
        write_unsigned_varint(static_cast<uint32_t>(count + 1));
    } else {
        write_int32(static_cast<int32_t>(count));
    }
}

void wire_writer::write_null_array(bool compact) {
    if (compact) {
        write_unsigned_varint(0);
    } else {
        write_int32(-1);
    }
}

void wire_writer::write_raw(std::span<const uint8_t> bytes) {
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void wire_writer::patch_int32(std::size_t position, int32_t value) {
    store_big_endian(buffer_.data() + position, value);
}

}  // namespace samsa::protocol
