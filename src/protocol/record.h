#pragma once

// The records of a v2 batch (layout in record_batch_format.h): decoding them, with every
// varint and length checked against the bytes left, and the key/value formats of control
// records (transaction markers).
//
// Ownership: a record's key, value and headers are views. They point into the batch's bytes
// when the batch is uncompressed and into the record_reader's buffer otherwise, so they stay
// valid while both the batch's bytes and the reader (even moved) live.

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "protocol/record_batch.h"

namespace samsa::protocol {

using byte_view = std::span<const uint8_t>;

struct record_header {
    byte_view key;  // a UTF-8 string, never null
    std::optional<byte_view> value;
};

// The headers of a decoded record. They were validated when the record was decoded and are
// decoded again, without allocating, as they are iterated: a record's header count costs no
// memory however large it is.
class record_headers {
public:
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = record_header;
        using difference_type = std::ptrdiff_t;
        using pointer = const record_header*;
        using reference = const record_header&;

        iterator() = default;
        reference operator*() const { return current_; }
        pointer operator->() const { return &current_; }
        iterator& operator++();
        iterator operator++(int) {
            iterator before = *this;
            ++*this;
            return before;
        }
        bool operator==(const iterator& other) const { return left_ == other.left_; }

    private:
        friend class record_headers;
        iterator(byte_view bytes, int32_t left);
        void decode_current();

        byte_view rest_;
        int32_t left_ = 0;
        record_header current_;
    };

    record_headers() = default;

    std::size_t size() const { return static_cast<std::size_t>(count_); }
    bool empty() const { return count_ == 0; }
    iterator begin() const { return iterator(bytes_, count_); }
    iterator end() const { return iterator(); }

private:
    friend class record_reader;
    record_headers(byte_view bytes, int32_t count) : bytes_(bytes), count_(count) {}

    byte_view bytes_;
    int32_t count_ = 0;
};

struct record {
    int8_t attributes = 0;
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    std::optional<byte_view> key;
    std::optional<byte_view> value;
    record_headers headers;
};

// A record's absolute offset and timestamp; under LogAppendTime every record carries the
// batch's maxTimestamp.
offset record_offset(const record_batch_view& batch, const record& r);
int64_t record_timestamp_ms(const record_batch_view& batch, const record& r);

enum class record_error : uint8_t {
    corrupt_payload,          // the payload is not valid data of the batch's codec
    payload_too_large,        // it decompresses to more than the limit
    decompression_failed,     // the codec library failed
    truncated,                // a field runs past the end of its record or of the payload
    bad_varint,               // a varint longer than its type allows
    bad_record_length,        // negative
    record_length_mismatch,   // the fields end before the record's length does
    bad_key_length,           // below -1
    bad_value_length,         // below -1
    bad_header_count,         // negative, or more headers than the record has bytes for
    bad_header_key_length,    // negative: header keys are never null
    bad_header_value_length,  // below -1
    record_count_mismatch,    // the payload holds fewer or more records than recordCount
    bad_offset_delta,         // out of order, past lastOffsetDelta, or not contiguous
    bad_control_record,       // a control record key or marker value that cannot be read
};

std::string_view to_string(record_error error);

enum class offset_delta_rule : uint8_t {
    // Strictly increasing, within [0, lastOffsetDelta]. Compaction leaves gaps, and may
    // remove the last record while keeping lastOffsetDelta, so this is what any stored
    // batch satisfies.
    increasing,
    // Exactly 0, 1, ..., recordCount - 1, with recordCount >= 1 and lastOffsetDelta ==
    // recordCount - 1: what a producer must send.
    contiguous,
};

// Reads the records of one batch in order. Nothing is allocated in proportion to
// recordCount (or any other count read from the batch) before the bytes are there to back
// it: the count is first checked against the smallest size its records could have.
class record_reader {
public:
    // Decompresses the payload if needed, into at most max_uncompressed_bytes.
    static result<record_reader, record_error> open(
        const record_batch_view& batch, std::size_t max_uncompressed_bytes,
        offset_delta_rule rule = offset_delta_rule::increasing);

    // The next record, or nullopt after the last one (having checked that no bytes are left
    // over). After an error the reader keeps returning it.
    result<std::optional<record>, record_error> next();

    int32_t records_read() const { return records_read_; }

private:
    record_reader(std::vector<uint8_t> decompressed, byte_view payload, int32_t record_count,
                  int32_t last_offset_delta, offset_delta_rule rule);

    result<record, record_error> decode_next();

    std::vector<uint8_t> decompressed_;  // empty for an uncompressed batch
    byte_view remaining_;
    int32_t record_count_;
    int32_t last_offset_delta_;
    offset_delta_rule rule_;
    int32_t records_read_ = 0;
    int64_t previous_offset_delta_ = -1;
    std::optional<record_error> error_;
};

// Reads every record of the batch and returns how many there were: the full validation of
// a batch's contents.
result<int32_t, record_error> validate_records(const record_batch_view& batch,
                                               std::size_t max_uncompressed_bytes,
                                               offset_delta_rule rule);

// Control records: the key says what the record is; abort and commit markers carry an end
// transaction marker as the value. Kafka reads newer versions of both as version 0, whose
// fields they extend.
enum class control_record_type : int16_t {
    abort = 0,
    commit = 1,
    leader_change = 2,
    snapshot_header = 3,
    snapshot_footer = 4,
    kraft_version = 5,
    kraft_voters = 6,
};

struct control_record_key {
    int16_t version = 0;
    control_record_type type = control_record_type::abort;  // may hold an unknown value
};

struct end_transaction_marker {
    int16_t version = 0;
    int32_t coordinator_epoch = 0;
};

result<control_record_key, record_error> decode_control_record_key(std::optional<byte_view> key);
result<end_transaction_marker, record_error> decode_end_transaction_marker(
    std::optional<byte_view> value);

std::array<uint8_t, 4> encode_control_record_key(control_record_type type);
std::array<uint8_t, 6> encode_end_transaction_marker(int32_t coordinator_epoch);

}  // namespace samsa::protocol
