#pragma once

// Validation of one partition's records in a Produce request, before the leader appends them:
// Kafka's ProduceRequest.validateRecords (run by KafkaApis), the produce checks of
// ReplicaManager.appendToLocalLog and UnifiedLog.analyzeAndValidateRecords, and LogValidator.
// A pure function of the received bytes, the topic's settings, the request and a clock
// reading: no I/O, no wall clock. docs/produce-validation.md lists every rule in the order it
// is applied, the Kafka error code it gives, and where Samsa deviates from Kafka.
//
// On success the result is the one batch to hand to partition_log::append: the received
// bytes themselves when they can be stored as sent, or the batch re-encoded when the topic's
// compression.type names another codec or the producer's maxTimestamp was wrong. Offsets, the
// partition leader epoch and LogAppendTime are left to partition_log::append.
//
// Memory: a compressed batch is decompressed into at most
// max(max_uncompressed_bytes, max_message_bytes) bytes; a re-encoded batch costs that again
// plus its compressed form. At most max_record_errors record errors are kept.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "base/shared_bytes.h"
#include "protocol/compression.h"
#include "protocol/error_code.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"

namespace samsa::storage {

// compression.type (Kafka's BrokerCompressionType): keep the producer's codec, or store every
// batch with one codec.
enum class topic_compression_type : uint8_t { producer, uncompressed, gzip, snappy, lz4, zstd };

// cleanup.policy contains "compact": every record needs a key.
enum class log_compaction : uint8_t { disabled, enabled };

// Internal topics (__consumer_offsets, __transaction_state) take Produce requests only from
// clients Kafka trusts with them: the client id "__admin_client".
enum class topic_visibility : uint8_t { regular, internal };
enum class internal_topic_access : uint8_t { denied, allowed };

// The topic's settings, in Kafka's units and with Kafka 4.0's defaults.
struct produce_validation_config {
    int32_t max_message_bytes = 1'048'588;       // max.message.bytes
    int32_t segment_bytes = 1024 * 1024 * 1024;  // segment.bytes
    topic_compression_type compression_type = topic_compression_type::producer;
    protocol::timestamp_type timestamp_type = protocol::timestamp_type::create_time;
    // message.timestamp.before.max.ms / after.max.ms: how far a CreateTime record's timestamp
    // may lie behind / ahead of the broker's clock.
    int64_t timestamp_before_max_ms = std::numeric_limits<int64_t>::max();
    int64_t timestamp_after_max_ms = 3'600'000;
    log_compaction compaction = log_compaction::disabled;
    topic_visibility visibility = topic_visibility::regular;
    // Samsa's bound on a compressed batch's records once decompressed (Kafka has none); never
    // below max_message_bytes. A batch past it is refused with MESSAGE_TOO_LARGE, on which the
    // Java producer splits the batch and retries.
    std::size_t max_uncompressed_bytes = 64 * 1024 * 1024;
};

// What the request contributes.
struct produce_request_context {
    int16_t api_version = 0;
    internal_topic_access internal_topics = internal_topic_access::denied;
    // Names the partition in messages, as Kafka's "topic-partition".
    std::string_view topic;
    partition_id partition{0};
    // The broker's clock for the timestamp checks; under LogAppendTime, pass the same value
    // to partition_log::append.
    int64_t now_ms = 0;
};

// One of Kafka's RecordErrors (ProduceResponse v8+). Despite Kafka's field name, batch_index
// is the index of the refused record within its batch.
struct record_error_entry {
    int32_t batch_index = 0;
    std::string message;
};

// Kept per refused partition; further record errors are counted in the message only.
inline constexpr std::size_t max_record_errors = 1000;

struct produce_validation_error {
    protocol::error_code code = protocol::error_code::unknown_server_error;
    // What went wrong, in Kafka's words where Kafka has them: for the broker's log.
    std::string reason;
    // For Produce v8+ responses. Kafka sets both only when it refuses records one by one
    // (INVALID_RECORD or INVALID_TIMESTAMP from a record check); it answers every other
    // refusal with neither, and so does Samsa.
    std::vector<record_error_entry> record_errors;
    std::optional<std::string> error_message;
};

enum class batch_encoding : uint8_t { as_sent, re_encoded };

struct validated_batch {
    // Exactly one v2 batch with baseOffset 0, ready for partition_log::append.
    shared_bytes bytes;
    batch_encoding encoding = batch_encoding::as_sent;
    protocol::compression_codec codec = protocol::compression_codec::none;
    int32_t record_count = 0;
    // The largest record timestamp (-1 when none is larger), or now_ms under LogAppendTime.
    int64_t max_timestamp_ms = -1;
    samsa::producer_id producer_id{-1};
    samsa::producer_epoch producer_epoch{-1};
    int32_t base_sequence = -1;
    protocol::transaction_mode transaction = protocol::transaction_mode::none;
};

// `records` is the records field of one partition of a Produce request, as received.
result<validated_batch, produce_validation_error> validate_produce_records(
    shared_bytes records, const produce_validation_config& config,
    const produce_request_context& request);

}  // namespace samsa::storage
