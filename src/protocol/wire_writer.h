#pragma once

// Writes Kafka protocol primitives into a growing buffer.
//
// Errors are sticky, as in wire_reader: a value the requested version cannot carry (a
// null where the version has no nullable form, a non-ignorable field the version lacks,
// a length over the wire type's range) records an encode_error and the caller checks
// ok() once at the end, instead of every write returning a status.
//
// Records may be external (shared_bytes::external): bytes that stay in a segment file and
// are spliced into the message when it is sent (sendfile, server/connection.h). For such a
// value write_records() writes the length prefix only and notes an external_gap; bytes()
// then holds the message without those bytes, and the gaps say where they belong.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/shared_bytes.h"
#include "base/uuid.h"

namespace samsa::protocol {

enum class encode_error : uint8_t {
    none = 0,
    null_not_allowed,      // a null in a version where the field is not nullable
    field_not_in_version,  // a non-default, non-ignorable field the version lacks
    too_long,              // a string, bytes or array longer than its length prefix allows
    unsupported_version,   // the version is outside the message's valid range
};

const char* to_string(encode_error error);

// size_bytes bytes that belong at `position` of bytes() and were not written there. Gaps
// are in ascending position order. Only the writer given the external value knows its gap:
// a tagged field's own writer would lose it, so the generator refuses records there.
struct external_gap {
    std::size_t position = 0;
    std::size_t size_bytes = 0;

    friend bool operator==(const external_gap&, const external_gap&) = default;
};

class wire_writer {
public:
    wire_writer() = default;

    bool ok() const { return error_ == encode_error::none; }
    encode_error error() const { return error_; }
    void fail(encode_error error) {
        if (error_ == encode_error::none) {
            error_ = error;
        }
    }

    std::size_t size() const { return buffer_.size(); }
    const std::vector<uint8_t>& bytes() const { return buffer_; }
    std::vector<uint8_t> take_bytes() { return std::move(buffer_); }
    void reserve(std::size_t size_bytes) { buffer_.reserve(size_bytes); }

    void write_bool(bool value) { write_int8(value ? 1 : 0); }
    void write_int8(int8_t value) { buffer_.push_back(static_cast<uint8_t>(value)); }
    void write_int16(int16_t value);
    void write_uint16(uint16_t value);
    void write_int32(int32_t value);
    void write_uint32(uint32_t value);
    void write_int64(int64_t value);
    void write_float64(double value);
    void write_uuid(const uuid& value);
    void write_unsigned_varint(uint32_t value);
    void write_varint(int32_t value);
    void write_varlong(int64_t value);

    void write_string(std::string_view value, bool compact);
    void write_nullable_string(const std::optional<std::string>& value, bool compact);
    void write_bytes(std::span<const uint8_t> value, bool compact);
    void write_nullable_bytes(const std::optional<shared_bytes>& value, bool compact);
    // A field of schema type records: like write_bytes / write_nullable_bytes, except that
    // an external value writes its length prefix and an external_gap instead of its bytes.
    void write_records(const shared_bytes& value, bool compact);
    void write_records(const std::optional<shared_bytes>& value, bool compact);
    void write_array_length(std::size_t count, bool compact);
    void write_null_array(bool compact);
    void write_raw(std::span<const uint8_t> bytes);

    // Overwrites 4 bytes already written (a frame's size prefix).
    void patch_int32(std::size_t position, int32_t value);

    // Where external records belong in bytes(), in order. Empty unless write_records() was
    // given an external value.
    const std::vector<external_gap>& external_gaps() const { return external_gaps_; }

private:
    // The length prefix of a bytes or records field; false (and failed) when too long.
    bool write_bytes_length(std::size_t size, bool compact);

    std::vector<uint8_t> buffer_;
    std::vector<external_gap> external_gaps_;
    encode_error error_ = encode_error::none;
};

}  // namespace samsa::protocol
