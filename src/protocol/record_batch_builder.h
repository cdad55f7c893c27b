#pragma once

// Builds one v2 record batch (layout in record_batch_format.h) from records, the way Kafka's
// Java MemoryRecordsBuilder does: baseTimestamp is the first record's timestamp, timestamp
// and offset deltas are relative to it and to baseOffset, maxTimestamp is the largest
// timestamp (never below -1) or the LogAppendTime, and the records are compressed as one
// unit with the chosen codec even when that does not make them smaller. Without compression
// the bytes are identical to the Java client's and kafka-python's for the same inputs.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "protocol/compression.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"

namespace samsa::protocol {

enum class transaction_mode : uint8_t { none, transactional };
enum class batch_kind : uint8_t { data, control };

struct record_batch_settings {
    offset base_offset{0};
    leader_epoch partition_leader_epoch{-1};
    samsa::producer_id producer_id{-1};
    samsa::producer_epoch producer_epoch{-1};
    int32_t base_sequence = -1;
    compression_codec codec = compression_codec::none;
    protocol::timestamp_type timestamp_type = timestamp_type::create_time;
    // The batch's maxTimestamp under timestamp_type::log_append_time; unused otherwise.
    int64_t log_append_time_ms = -1;
    transaction_mode transactional = transaction_mode::none;
    batch_kind kind = batch_kind::data;
    // KIP-534: the log cleaner's delete horizon. When set, the baseTimestamp field holds it
    // (attribute bit 6) and record timestamps are deltas from it (negative ones too).
    std::optional<int64_t> delete_horizon_ms;
    // The batch's lastOffsetDelta when it must be larger than the last record's delta: a
    // compacted batch keeps its original last offset, so that the producer's last sequence
    // (baseSequence + lastOffsetDelta) survives.
    std::optional<int32_t> last_offset_delta;
};

// One record to append. The builder copies the bytes: they need not outlive append().
struct record_fields {
    int64_t timestamp_ms = -1;
    std::optional<byte_view> key;
    std::optional<byte_view> value;
    std::span<const record_header> headers;
};

enum class record_batch_builder_error : uint8_t {
    no_records,          // a batch holds at least one record
    batch_too_large,     // past what batchLength (int32) can describe
    compression_failed,  // the codec library failed
};

std::string_view to_string(record_batch_builder_error error);

class record_batch_builder {
public:
    explicit record_batch_builder(const record_batch_settings& settings);

    // Appends a record at offset base_offset + record_count().
    void append(const record_fields& fields);
    // Appends a record at offset base_offset + offset_delta. Precondition (checked, aborting
    // otherwise): offset_delta is larger than every delta appended before, and >= 0.
    void append_with_offset_delta(int32_t offset_delta, const record_fields& fields);

    int32_t record_count() const { return record_count_; }
    // Header plus records as appended so far, before compression.
    std::size_t uncompressed_size_bytes() const { return buffer_.size(); }

    // The finished batch. The builder is spent afterwards.
    result<std::vector<uint8_t>, record_batch_builder_error> build() &&;

private:
    void write_record(int32_t offset_delta, const record_fields& fields);

    record_batch_settings settings_;
    std::vector<uint8_t> buffer_;   // header placeholder, then the uncompressed records
    std::vector<uint8_t> scratch_;  // one record's body while its length is unknown
    int32_t record_count_ = 0;
    int32_t last_offset_delta_ = -1;
    std::optional<int64_t> base_timestamp_ms_;
    int64_t max_timestamp_ms_ = -1;
    bool too_large_ = false;
};

// A batch with the header of `batch` and no records (Kafka's writeEmptyHeader): the same
// base and last offsets, producer fields and attributes, baseTimestamp and maxTimestamp
// both batch's maxTimestamp, uncompressed. What the log cleaner keeps of a producer's last
// batch when every record in it is removed.
std::vector<uint8_t> build_empty_batch(const record_batch_view& batch);

}  // namespace samsa::protocol
