#include "storage/produce_validator.h"

#include <algorithm>
#include <span>
#include <utility>

#include "base/endian.h"
#include "protocol/record.h"
#include "protocol/record_batch_format.h"

namespace samsa::storage {
namespace format = protocol::record_batch_format;
using protocol::compression_codec;
using protocol::error_code;
using protocol::record_batch_view;

namespace {

// Kafka's LegacyRecord.RECORD_OVERHEAD_V0: the smallest batchLength Kafka's batch iterator
// accepts before it looks at the magic. Anything smaller is a CorruptRecordException.
constexpr int32_t min_entry_length = 14;
// Produce v3 and later carry message format v2 only; v7 and later may carry zstd.
constexpr int16_t first_version_magic_v2_only = 3;
constexpr int16_t first_version_with_zstd = 7;

using refusal = failure<produce_validation_error>;

refusal refuse(error_code code, std::string reason) {
    return failure{produce_validation_error{.code = code, .reason = std::move(reason)}};
}

// Java's long arithmetic, which Kafka's timestamp check relies on: it wraps.
int64_t wrapping_subtract(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrapping_add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

std::optional<compression_codec> codec_of(topic_compression_type type) {
    switch (type) {
        case topic_compression_type::producer:
            return std::nullopt;
        case topic_compression_type::uncompressed:
            return compression_codec::none;
        case topic_compression_type::gzip:
            return compression_codec::gzip;
        case topic_compression_type::snappy:
            return compression_codec::snappy;
        case topic_compression_type::lz4:
            return compression_codec::lz4;
        case topic_compression_type::zstd:
            return compression_codec::zstd;
    }
    return std::nullopt;
}

// How the front of `bytes` frames a batch, as Kafka's ByteBufferLogInputStream sees it.
enum class framing : uint8_t { complete, partial, corrupt };

struct frame {
    framing kind;
    std::size_t size_bytes;
};

frame next_frame(std::span<const uint8_t> bytes) {
    if (bytes.size() < format::log_overhead_bytes) {
        return {framing::partial, 0};
    }
    int32_t length = load_big_endian<int32_t>(bytes.data() + format::batch_length_position);
    if (length < min_entry_length) {
        return {framing::corrupt, 0};
    }
    std::size_t size = format::log_overhead_bytes + static_cast<std::size_t>(length);
    return {size > bytes.size() ? framing::partial : framing::complete, size};
}

// ProduceRequest.validateRecords: exactly one whole v2 batch, zstd only from v7 on. Kafka
// reads the magic and the codec here without checking the CRC; so does this.
result<std::span<const uint8_t>, produce_validation_error> frame_one_batch(
    std::span<const uint8_t> bytes, const produce_request_context& request) {
    std::string requests = "Produce requests with version " + std::to_string(request.api_version);
    if (bytes.empty()) {
        return refuse(error_code::invalid_record,
                      requests + " must have at least one record batch per partition");
    }
    frame first = next_frame(bytes);
    if (first.kind == framing::corrupt) {
        return refuse(error_code::corrupt_message,
                      "Record size is less than the minimum record overhead (14)");
    }
    if (first.kind == framing::partial) {
        return refuse(error_code::corrupt_message, "The records end inside a record batch after " +
                                                       std::to_string(bytes.size()) + " bytes");
    }
    auto batch = bytes.first(first.size_bytes);
    auto magic = static_cast<int8_t>(batch[format::magic_position]);
    if (magic != format::magic_v2) {
        if (request.api_version >= first_version_magic_v2_only) {
            return refuse(error_code::invalid_record,
                          requests +
                              " are only allowed to contain record batches with magic "
                              "version 2");
        }
        return refuse(error_code::unsupported_for_message_format,
                      "Message format v" + std::to_string(magic) + " is not supported");
    }
    if (batch.size() < format::header_size_bytes) {
        return refuse(error_code::corrupt_message, "Record batch is shorter than its header");
    }
    auto attributes = load_big_endian<uint16_t>(batch.data() + format::attributes_position);
    auto codec = static_cast<compression_codec>(attributes & format::codec_mask);
    if (request.api_version < first_version_with_zstd && codec == compression_codec::zstd) {
        return refuse(error_code::unsupported_compression_type,
                      requests + " are not allowed to use ZStandard compression");
    }
    auto rest = bytes.subspan(batch.size());
    if (!rest.empty()) {
        if (next_frame(rest).kind == framing::complete) {
            return refuse(error_code::invalid_record,
                          requests +
                              " are only allowed to contain exactly one record batch "
                              "per partition");
        }
        return refuse(
            error_code::corrupt_message,
            std::to_string(rest.size()) + " bytes after the record batch are not a whole batch");
    }
    return batch;
}

// UnifiedLog.analyzeAndValidateRecords' CRC check, then the header checks of
// LogValidator.validateBatch for a client's batch.
result<record_batch_view, produce_validation_error> parse_batch(std::span<const uint8_t> bytes,
                                                                const std::string& partition) {
    auto parsed = record_batch_view::parse(bytes, protocol::crc_check::verify);
    if (!parsed) {
        switch (parsed.error()) {
            case protocol::record_batch_error::crc_mismatch:
                return refuse(error_code::corrupt_message,
                              "Record is corrupt (stored crc = " +
                                  std::to_string(load_big_endian<uint32_t>(bytes.data() +
                                                                           format::crc_position)) +
                                  ") in topic partition " + partition + ".");
            case protocol::record_batch_error::unknown_codec:
                return refuse(error_code::invalid_record,
                              "Unknown compression type id in topic partition " + partition);
            case protocol::record_batch_error::bad_record_count:
            case protocol::record_batch_error::bad_last_offset_delta:
                return refuse(error_code::invalid_record, std::string(to_string(parsed.error())) +
                                                              " in topic partition " + partition);
            default:
                return refuse(error_code::corrupt_message, std::string(to_string(parsed.error())));
        }
    }
    const record_batch_view& batch = *parsed;
    int64_t count_from_offsets = int64_t{batch.last_offset_delta()} + 1;
    if (batch.record_count() <= 0) {
        return refuse(error_code::invalid_record, "Invalid reported count for record batch: " +
                                                      std::to_string(batch.record_count()) +
                                                      " in topic partition " + partition);
    }
    if (count_from_offsets != batch.record_count()) {
        return refuse(error_code::invalid_record, "Inconsistent batch offset range [0, " +
                                                      std::to_string(batch.last_offset_delta()) +
                                                      "] and count of records " +
                                                      std::to_string(batch.record_count()) +
                                                      " in topic partition " + partition);
    }
    if (batch.is_control()) {
        return refuse(
            error_code::invalid_record,
            "Clients are not allowed to write control records in topic partition " + partition);
    }
    if (batch.producer_id().value() >= 0 && batch.base_sequence() < 0) {
        return refuse(error_code::invalid_record, "Invalid sequence number " +
                                                      std::to_string(batch.base_sequence()) +
                                                      " in record batch with producerId " +
                                                      std::to_string(batch.producer_id().value()) +
                                                      " in topic partition " + partition);
    }
    return batch;
}

refusal refuse_unreadable(protocol::record_error error, std::size_t bound,
                          const std::string& partition) {
    switch (error) {
        case protocol::record_error::payload_too_large:
            return refuse(error_code::message_too_large,
                          "The records of the record batch in the append to " + partition +
                              " decompress to more than " + std::to_string(bound) + " bytes");
        case protocol::record_error::decompression_failed:
            return refuse(error_code::unknown_server_error,
                          "Failed to decompress the record batch in the append to " + partition);
        default:
            return refuse(error_code::invalid_record,
                          std::string(to_string(error)) + " in topic partition " + partition);
    }
}

// The record errors of one batch, as LogValidator.processRecordErrors reports them.
class record_error_list {
public:
    void add(int32_t index, error_code code, std::string message) {
        ++count_;
        timestamp_error_ = timestamp_error_ || code == error_code::invalid_timestamp;
        if (entries_.size() < max_record_errors) {
            entries_.push_back({index, std::move(message)});
        }
    }

    bool empty() const { return count_ == 0; }

    produce_validation_error to_error() && {
        produce_validation_error error;
        if (timestamp_error_) {
            error.code = error_code::invalid_timestamp;
            error.reason = "One or more records have been rejected due to invalid timestamp";
        } else {
            error.code = error_code::invalid_record;
            error.reason = "One or more records have been rejected due to " +
                           std::to_string(count_) +
                           " record errors in total, and only showing the first three errors at "
                           "most: [";
            for (std::size_t i = 0; i < std::min<std::size_t>(entries_.size(), 3); ++i) {
                error.reason += (i == 0 ? "" : ", ") + std::string("RecordError(batchIndex=") +
                                std::to_string(entries_[i].batch_index) + ", message='" +
                                entries_[i].message + "')";
            }
            error.reason += "]";
        }
        error.error_message = error.reason;
        error.record_errors = std::move(entries_);
        return error;
    }

private:
    std::vector<record_error_entry> entries_;
    std::size_t count_ = 0;
    bool timestamp_error_ = false;
};

struct record_scan {
    int64_t max_timestamp_ms = format::no_timestamp;
    record_error_list errors;
};

// A size setting as a bound; Kafka's configs are int32 and a negative one admits nothing.
std::size_t size_limit(int32_t config_bytes) {
    return static_cast<std::size_t>(std::max(config_bytes, 0));
}

std::size_t decompression_bound(const produce_validation_config& config) {
    return std::max(config.max_uncompressed_bytes, size_limit(config.max_message_bytes));
}

// LogValidator.validateRecord for a v2 record: a key on a compacted topic, then the
// timestamp. Returns the error, if any, with Kafka's message.
std::optional<std::pair<error_code, std::string>> check_record(
    const record_batch_view& batch, const protocol::record& r, const std::string& partition,
    const produce_validation_config& config, int64_t now_ms) {
    if (config.compaction == log_compaction::enabled && !r.key) {
        return std::pair{
            error_code::invalid_record,
            "Compacted topic cannot accept message without key in topic partition " + partition};
    }
    int64_t timestamp_ms = protocol::record_timestamp_ms(batch, r);
    int64_t offset = protocol::record_offset(batch, r).value();
    if (batch.timestamp_type() == protocol::timestamp_type::log_append_time) {
        return std::pair{
            error_code::invalid_timestamp,
            "Invalid timestamp type in message DefaultRecord(offset=" + std::to_string(offset) +
                ", timestamp=" + std::to_string(timestamp_ms) +
                ", key=" + std::to_string(r.key ? r.key->size() : 0) +
                " bytes, value=" + std::to_string(r.value ? r.value->size() : 0) +
                " bytes). Producer should not set timestamp type to LogAppendTime."};
    }
    if (config.timestamp_type != protocol::timestamp_type::create_time ||
        timestamp_ms == format::no_timestamp) {
        return std::nullopt;
    }
    int64_t behind_ms = wrapping_subtract(now_ms, timestamp_ms);
    if (behind_ms > config.timestamp_before_max_ms ||
        wrapping_subtract(0, behind_ms) > config.timestamp_after_max_ms) {
        return std::pair{
            error_code::invalid_timestamp,
            "Timestamp " + std::to_string(timestamp_ms) + " of message with offset " +
                std::to_string(offset) + " is out of range. The timestamp should be within [" +
                std::to_string(wrapping_subtract(now_ms, config.timestamp_before_max_ms)) + ", " +
                std::to_string(wrapping_add(now_ms, config.timestamp_after_max_ms)) + "]"};
    }
    return std::nullopt;
}

// Reads every record: a record that cannot be read refuses the partition at once; records
// that can be read but break a rule are collected, as Kafka collects them.
result<record_scan, produce_validation_error> scan_records(const record_batch_view& batch,
                                                           const std::string& partition,
                                                           const produce_validation_config& config,
                                                           int64_t now_ms) {
    std::size_t bound = decompression_bound(config);
    auto reader =
        protocol::record_reader::open(batch, bound, protocol::offset_delta_rule::contiguous);
    if (!reader) {
        return refuse_unreadable(reader.error(), bound, partition);
    }
    record_scan scan;
    for (int32_t index = 0;; ++index) {
        auto next = reader->next();
        if (!next) {
            return refuse_unreadable(next.error(), bound, partition);
        }
        if (!next->has_value()) {
            return scan;
        }
        const protocol::record& r = **next;
        if (auto error = check_record(batch, r, partition, config, now_ms)) {
            scan.errors.add(index, error->first, std::move(error->second));
            continue;
        }
        scan.max_timestamp_ms =
            std::max(scan.max_timestamp_ms, protocol::record_timestamp_ms(batch, r));
    }
}

// The batch's records, already validated, in a new batch with `codec` (Kafka's
// LogValidator.buildRecordsAndAssignOffsets): producer id, epoch, sequence and the
// transactional flag are kept, and so are every record's timestamp, key, value and headers.
result<std::vector<uint8_t>, produce_validation_error> re_encode(
    const record_batch_view& batch, compression_codec codec, const std::string& partition,
    const produce_validation_config& config) {
    protocol::record_batch_builder builder({
        .producer_id = batch.producer_id(),
        .producer_epoch = batch.producer_epoch(),
        .base_sequence = batch.base_sequence(),
        .codec = codec,
        .transactional = batch.is_transactional() ? protocol::transaction_mode::transactional
                                                  : protocol::transaction_mode::none,
    });
    std::size_t bound = decompression_bound(config);
    auto reader =
        protocol::record_reader::open(batch, bound, protocol::offset_delta_rule::contiguous);
    if (!reader) {
        return refuse_unreadable(reader.error(), bound, partition);
    }
    std::vector<protocol::record_header> headers;
    while (true) {
        auto next = reader->next();
        if (!next) {
            return refuse_unreadable(next.error(), bound, partition);
        }
        if (!next->has_value()) {
            break;
        }
        const protocol::record& r = **next;
        headers.assign(r.headers.begin(), r.headers.end());
        builder.append_with_offset_delta(r.offset_delta,
                                         {.timestamp_ms = protocol::record_timestamp_ms(batch, r),
                                          .key = r.key,
                                          .value = r.value,
                                          .headers = headers});
    }
    auto built = std::move(builder).build();
    if (!built) {
        return refuse(built.error() == protocol::record_batch_builder_error::batch_too_large
                          ? error_code::message_too_large
                          : error_code::unknown_server_error,
                      std::string(to_string(built.error())) + " in the append to " + partition);
    }
    return std::move(built).value();
}

// The batch as it will be stored, and what the log needs to know about it. Kafka keeps the
// batch as sent unless the topic's codec differs; it also rewrites a CreateTime batch's
// maxTimestamp to the largest record timestamp, which Samsa does by re-encoding.
result<validated_batch, produce_validation_error> stored_form(
    const shared_bytes& records, const record_batch_view& batch, int64_t max_timestamp_ms,
    const std::string& partition, const produce_validation_config& config, int64_t now_ms) {
    bool log_append_time = config.timestamp_type == protocol::timestamp_type::log_append_time;
    validated_batch validated{
        .bytes = records,
        .codec = batch.codec(),
        .record_count = batch.record_count(),
        .max_timestamp_ms = log_append_time ? now_ms : max_timestamp_ms,
        .producer_id = batch.producer_id(),
        .producer_epoch = batch.producer_epoch(),
        .base_sequence = batch.base_sequence(),
        .transaction = batch.is_transactional() ? protocol::transaction_mode::transactional
                                                : protocol::transaction_mode::none,
    };
    bool wrong_max_timestamp = !log_append_time && batch.max_timestamp_ms() != max_timestamp_ms;
    compression_codec target = codec_of(config.compression_type).value_or(batch.codec());
    if (target != batch.codec() || wrong_max_timestamp) {
        auto encoded = re_encode(batch, target, partition, config);
        if (!encoded) {
            return failure{encoded.error()};
        }
        if (encoded->size() > size_limit(config.max_message_bytes)) {
            return refuse(error_code::message_too_large,
                          "Message batch size is " + std::to_string(encoded->size()) +
                              " bytes in append to partition " + partition +
                              " which exceeds the maximum configured size of " +
                              std::to_string(config.max_message_bytes) + ".");
        }
        validated.bytes = shared_bytes(std::move(encoded).value());
        validated.encoding = batch_encoding::re_encoded;
        validated.codec = target;
    }
    if (validated.bytes.size() > size_limit(config.segment_bytes)) {
        return refuse(error_code::record_list_too_large,
                      "Message batch size is " + std::to_string(validated.bytes.size()) +
                          " bytes in append to partition " + partition +
                          ", which exceeds the maximum configured segment size of " +
                          std::to_string(config.segment_bytes) + ".");
    }
    return validated;
}

}  // namespace

result<validated_batch, produce_validation_error> validate_produce_records(
    shared_bytes records, const produce_validation_config& config,
    const produce_request_context& request) {
    std::string partition =
        std::string(request.topic) + "-" + std::to_string(request.partition.value());
    auto framed = frame_one_batch(records.span(), request);
    if (!framed) {
        return failure{framed.error()};
    }
    if (config.visibility == topic_visibility::internal &&
        request.internal_topics == internal_topic_access::denied) {
        return refuse(error_code::invalid_topic_exception,
                      "Cannot append to internal topic " + std::string(request.topic));
    }
    auto base_offset = load_big_endian<int64_t>(framed->data() + format::base_offset_position);
    if (base_offset != 0) {
        return refuse(error_code::invalid_record,
                      "The baseOffset of the record batch in the append to " + partition +
                          " should be 0, but it is " + std::to_string(base_offset));
    }
    if (framed->size() > size_limit(config.max_message_bytes)) {
        return refuse(error_code::message_too_large,
                      "The record batch size in the append to " + partition + " is " +
                          std::to_string(framed->size()) +
                          " bytes which exceeds the maximum configured value of " +
                          std::to_string(config.max_message_bytes) + ".");
    }
    auto batch = parse_batch(*framed, partition);
    if (!batch) {
        return failure{batch.error()};
    }
    auto scan = scan_records(*batch, partition, config, request.now_ms);
    if (!scan) {
        return failure{scan.error()};
    }
    if (!scan->errors.empty()) {
        return failure{std::move(scan->errors).to_error()};
    }
    return stored_form(records, *batch, scan->max_timestamp_ms, partition, config, request.now_ms);
}

}  // namespace samsa::storage
