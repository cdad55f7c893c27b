#pragma once

// A read-only view of one v2 record batch (layout in record_batch_format.h), the in-place
// rewrites a leader applies to a batch it appends, and a splitter for a buffer of several
// concatenated batches (a Produce request's records, a Fetch response's, a log segment).
//
// Ownership: a view borrows the bytes it was parsed from; they must outlive it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/ids.h"
#include "base/result.h"
#include "protocol/compression.h"

namespace samsa::protocol {

enum class timestamp_type : uint8_t { create_time = 0, log_append_time = 1 };

enum class crc_check : uint8_t { verify, skip };

enum class record_batch_error : uint8_t {
    truncated,              // fewer bytes than the batch header
    bad_batch_length,       // batchLength smaller than the rest of the header (or negative)
    batch_length_past_end,  // batchLength runs past the end of the buffer
    unsupported_magic,      // not message format v2
    crc_mismatch,           // the CRC does not match the bytes it covers
    unknown_codec,          // attribute bits 0-2 name no codec
    bad_record_count,       // negative
    bad_last_offset_delta,  // negative
    last_offset_overflow,   // base offset + last offset delta reaches INT64_MAX
};

std::string_view to_string(record_batch_error error);

class record_batch_view {
public:
    // Validates the header of the batch that starts at bytes[0]: length within the buffer,
    // magic 2, codec, counts and (unless skipped, for bytes the broker already verified)
    // the CRC. The records themselves are validated when read (record.h). Bytes after the
    // batch are not part of the view.
    static result<record_batch_view, record_batch_error> parse(std::span<const uint8_t> bytes,
                                                               crc_check check = crc_check::verify);

    // The whole batch, header included: 12 + batch_length() bytes.
    std::span<const uint8_t> bytes() const { return bytes_; }
    std::size_t size_bytes() const { return bytes_.size(); }
    // What follows the header: the records, compressed as one unit unless codec() is none.
    std::span<const uint8_t> records_payload() const;

    offset base_offset() const;
    int32_t batch_length() const;
    leader_epoch partition_leader_epoch() const;
    int8_t magic() const;
    uint32_t crc() const;
    int16_t attributes() const;
    compression_codec codec() const;
    protocol::timestamp_type timestamp_type() const;
    bool is_transactional() const;
    bool is_control() const;
    // When set (attribute bit 6), the base timestamp field holds it instead.
    std::optional<int64_t> delete_horizon_ms() const;
    int32_t last_offset_delta() const;
    offset last_offset() const;
    offset next_offset() const;
    int64_t base_timestamp_ms() const;
    int64_t max_timestamp_ms() const;
    samsa::producer_id producer_id() const;
    samsa::producer_epoch producer_epoch() const;
    int32_t base_sequence() const;
    int32_t record_count() const;

private:
    explicit record_batch_view(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    std::span<const uint8_t> bytes_;
};

// In-place rewrites. `batch` must be exactly the bytes of a batch record_batch_view::parse
// accepted; a span whose size disagrees with its batchLength aborts. None touches the
// records payload.

// baseOffset precedes the CRC'd range: no CRC update.
void set_base_offset(std::span<uint8_t> batch, offset base_offset);
// partitionLeaderEpoch precedes the CRC'd range: no CRC update.
void set_partition_leader_epoch(std::span<uint8_t> batch, leader_epoch epoch);
// Marks the batch LogAppendTime (attribute bit 3) with maxTimestamp = log_append_time_ms,
// then recomputes the CRC, as Kafka's DefaultRecordBatch.setMaxTimestamp does.
void set_log_append_time(std::span<uint8_t> batch, int64_t log_append_time_ms);

// Where one batch lies in a buffer of concatenated batches.
struct record_batch_bounds {
    std::size_t position;
    std::size_t size_bytes;
};

// Walks the batches of a buffer by their length fields, without parsing or checking CRCs.
// A buffer may end with the start of a batch (a Fetch response is cut at its size limit
// mid-batch); the walk stops before it and reports it. A length field that cannot belong to
// a v2 batch, or a magic other than 2, is an error, and stays one for every later call.
class record_batch_splitter {
public:
    explicit record_batch_splitter(std::span<const uint8_t> buffer) : buffer_(buffer) {}

    // The next complete batch, or nullopt once no complete batch is left.
    result<std::optional<record_batch_bounds>, record_batch_error> next();

    // After next() returned nullopt: whether bytes remain that start an incomplete batch.
    bool ended_with_partial_batch() const { return partial_bytes() > 0; }
    std::size_t partial_bytes() const { return buffer_.size() - position_; }

private:
    std::span<const uint8_t> buffer_;
    std::size_t position_ = 0;
    std::optional<record_batch_error> error_;
};

}  // namespace samsa::protocol
