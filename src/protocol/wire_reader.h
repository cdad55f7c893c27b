#pragma once

// Reads Kafka protocol primitives from a received frame, never trusting a length.
//
// Errors are sticky: the first malformed read records a decode_error, every later read
// returns a zero value, and the caller checks ok() once at the end. Before anything is
// allocated, every string/bytes length is checked against the bytes left and every array
// count against (bytes left / smallest possible element size), so a hostile count cannot
// make the decoder allocate more than a small multiple of the frame it holds.
//
// Byte and string slices returned by read_bytes() share ownership of the frame (no copy).

#include <cstdint>
#include <optional>
#include <string>

#include "base/shared_bytes.h"
#include "base/uuid.h"

namespace samsa::protocol {

enum class decode_error : uint8_t {
    none = 0,
    truncated,            // the frame ended inside a field
    negative_length,      // a length or count below -1 (or -1 where null is not allowed)
    length_past_end,      // a length or count larger than what is left
    bad_varint,           // an unterminated or overlong varint
    unsupported_version,  // the version is outside the message's valid range
    trailing_bytes,       // bytes left over after the message
    too_many_entries,     // more array elements than the reader's entry_count allows
};

const char* to_string(decode_error error);

// The array elements one decode reads, against a limit: the server charges a request for
// the entries it names, whose decoded size can be many times their wire size
// (server/request_decoding.h).
struct entry_count {
    uint64_t limit = UINT64_MAX;
    uint64_t read = 0;
};

class wire_reader {
public:
    explicit wire_reader(shared_bytes frame) : frame_(std::move(frame)) {}

    bool ok() const { return error_ == decode_error::none; }
    decode_error error() const { return error_; }
    void fail(decode_error error) {
        if (error_ == decode_error::none) {
            error_ = error;
        }
        position_ = frame_.size();
    }
    std::size_t remaining() const { return frame_.size() - position_; }
    std::size_t position() const { return position_; }

    bool read_bool() { return read_int8() != 0; }
    int8_t read_int8();
    int16_t read_int16();
    uint16_t read_uint16();
    int32_t read_int32();
    uint32_t read_uint32();
    int64_t read_int64();
    double read_float64();
    uuid read_uuid();
    uint32_t read_unsigned_varint();
    int32_t read_varint();
    int64_t read_varlong();

    // Strings and bytes in their classic (int16/int32 length) or compact (unsigned varint
    // length + 1) forms. The nullable variants return nullopt for a null.
    std::string read_string(bool compact);
    std::optional<std::string> read_nullable_string(bool compact);
    shared_bytes read_bytes(bool compact);
    std::optional<shared_bytes> read_nullable_bytes(bool compact);

    // An array's element count: classic int32 or compact unsigned varint - 1. Returns -1
    // for a null array (the caller checks whether null is allowed) and fails when the
    // count cannot fit in what is left given each element takes at least
    // min_element_bytes (treated as 1 when 0).
    int32_t read_array_length(bool compact, std::size_t min_element_bytes);

    // Adds every array's element count to *count (nullptr: stop counting), failing with
    // too_many_entries once it passes count->limit. Sub-readers count into the same one.
    // The count must outlive the reads.
    void count_entries(entry_count* count) { entry_count_ = count; }

    // A flexible struct's tagged-field count, counted as entries like an array's elements
    // (an unknown tag is kept as a field of its own), as many as the bytes left can hold.
    uint32_t read_tagged_field_count();

    // A struct's presence marker (int8: -1 absent, 1 present) for nullable struct fields.
    bool read_struct_presence() { return read_int8() >= 0; }

    // A slice of the next size bytes, as its own reader (a tagged field's payload).
    wire_reader sub_reader(std::size_t size);
    shared_bytes read_raw(std::size_t size);

private:
    const uint8_t* take(std::size_t size);

    shared_bytes frame_;
    std::size_t position_ = 0;
    decode_error error_ = decode_error::none;
    entry_count* entry_count_ = nullptr;
};

}  // namespace samsa::protocol
