#include "storage/produce_validator.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/crc32c.h"
#include "base/endian.h"
#include "protocol/record.h"
#include "protocol/record_batch_format.h"

namespace samsa::storage {
namespace {

namespace format = protocol::record_batch_format;
using protocol::compression_codec;
using protocol::error_code;

constexpr int64_t now_ms = 1'700'000'000'000;

struct test_record {
    int64_t timestamp_ms = now_ms;
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;

    friend bool operator==(const test_record&, const test_record&) = default;
};

protocol::byte_view bytes_of(const std::string& text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::optional<protocol::byte_view> bytes_of(const std::optional<std::string>& text) {
    if (!text) {
        return std::nullopt;
    }
    return bytes_of(*text);
}

std::string text_of(protocol::byte_view bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::optional<std::string> text_of(std::optional<protocol::byte_view> bytes) {
    if (!bytes) {
        return std::nullopt;
    }
    return text_of(*bytes);
}

std::vector<test_record> numbered_records(int count) {
    std::vector<test_record> records;
    for (int i = 0; i < count; ++i) {
        records.push_back({.timestamp_ms = now_ms - 1000 + i,
                           .key = "key-" + std::to_string(i),
                           .value = "value-" + std::to_string(i)});
    }
    return records;
}

std::vector<uint8_t> build_batch(const std::vector<test_record>& records,
                                 const protocol::record_batch_settings& settings = {}) {
    protocol::record_batch_builder builder(settings);
    for (const test_record& r : records) {
        std::vector<protocol::record_header> headers;
        for (const auto& [key, value] : r.headers) {
            headers.push_back({bytes_of(key), bytes_of(value)});
        }
        builder.append({.timestamp_ms = r.timestamp_ms,
                        .key = bytes_of(r.key),
                        .value = bytes_of(r.value),
                        .headers = headers});
    }
    auto built = std::move(builder).build();
    EXPECT_TRUE(built.has_value());
    return std::move(built).value();
}

std::vector<test_record> read_back(std::span<const uint8_t> batch_bytes) {
    auto batch = protocol::record_batch_view::parse(batch_bytes);
    EXPECT_TRUE(batch.has_value());
    auto reader = protocol::record_reader::open(*batch, 1 << 24);
    EXPECT_TRUE(reader.has_value());
    std::vector<test_record> records;
    while (true) {
        auto next = reader->next();
        EXPECT_TRUE(next.has_value());
        if (!next || !next->has_value()) {
            return records;
        }
        const protocol::record& r = **next;
        test_record copy{.timestamp_ms = protocol::record_timestamp_ms(*batch, r),
                         .key = text_of(r.key),
                         .value = text_of(r.value)};
        for (const protocol::record_header& header : r.headers) {
            copy.headers.emplace_back(text_of(header.key), text_of(header.value));
        }
        records.push_back(std::move(copy));
    }
}

// After a test edits a field the CRC covers.
void refresh_crc(std::vector<uint8_t>& batch) {
    store_big_endian<uint32_t>(batch.data() + format::crc_position,
                               crc32c(std::span(batch).subspan(format::crc_coverage_start)));
}

produce_request_context request(int16_t api_version = 9) {
    return {.api_version = api_version,
            .topic = "orders",
            .partition = partition_id(3),
            .now_ms = now_ms};
}

result<validated_batch, produce_validation_error> validate(
    std::vector<uint8_t> records, const produce_validation_config& config = {},
    const produce_request_context& context = request()) {
    return validate_produce_records(shared_bytes(std::move(records)), config, context);
}

error_code code_of(const result<validated_batch, produce_validation_error>& validated) {
    return validated ? error_code::none : validated.error().code;
}

// Which rule refused the records: several give the same code.
bool refused_because(const result<validated_batch, produce_validation_error>& validated,
                     std::string_view reason) {
    return !validated && validated.error().reason.find(reason) != std::string::npos;
}

TEST(ProduceValidator, ValidBatchIsAcceptedWithTheSameBytes) {
    auto records = shared_bytes(build_batch(numbered_records(3)));
    auto validated = validate_produce_records(records, {}, request());
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->encoding, batch_encoding::as_sent);
    EXPECT_EQ(validated->bytes.data(), records.data());
    EXPECT_EQ(validated->bytes.size(), records.size());
    EXPECT_EQ(validated->record_count, 3);
    EXPECT_EQ(validated->max_timestamp_ms, now_ms - 1000 + 2);
    EXPECT_EQ(validated->codec, compression_codec::none);
}

TEST(ProduceValidator, SummaryCarriesTheProducerAndTransaction) {
    auto validated = validate(build_batch(
        numbered_records(2), {.producer_id = producer_id(42),
                              .producer_epoch = producer_epoch(7),
                              .base_sequence = 100,
                              .transactional = protocol::transaction_mode::transactional}));
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->producer_id, producer_id(42));
    EXPECT_EQ(validated->producer_epoch, producer_epoch(7));
    EXPECT_EQ(validated->base_sequence, 100);
    EXPECT_EQ(validated->transaction, protocol::transaction_mode::transactional);
}

TEST(ProduceValidator, FlippedByteIsCorruptMessage) {
    auto batch = build_batch(numbered_records(3));
    batch[batch.size() - 2] ^= 0x01;
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::corrupt_message);
    EXPECT_TRUE(refused_because(validated, "Record is corrupt (stored crc = "));
    EXPECT_FALSE(validated.error().error_message.has_value());
}

TEST(ProduceValidator, PartialBatchIsCorruptMessage) {
    auto batch = build_batch(numbered_records(3));
    batch.resize(batch.size() - 1);
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::corrupt_message);
    EXPECT_TRUE(refused_because(validated, "end inside a record batch"));
    batch.resize(10);
    EXPECT_EQ(code_of(validate(batch)), error_code::corrupt_message);
}

TEST(ProduceValidator, LengthBelowKafkasMinimumIsCorruptMessage) {
    auto batch = build_batch(numbered_records(1));
    store_big_endian<int32_t>(batch.data() + format::batch_length_position, 13);
    EXPECT_EQ(code_of(validate(batch)), error_code::corrupt_message);
}

TEST(ProduceValidator, TrailingBytesAfterTheBatchAreCorruptMessage) {
    auto batch = build_batch(numbered_records(3));
    batch.push_back(0);
    batch.push_back(7);
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::corrupt_message);
    EXPECT_TRUE(refused_because(validated, "after the record batch"));
}

TEST(ProduceValidator, SecondBatchIsInvalidRecord) {
    auto batch = build_batch(numbered_records(2));
    auto second = build_batch(numbered_records(1));
    batch.insert(batch.end(), second.begin(), second.end());
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_TRUE(refused_because(validated, "exactly one record batch per partition"));
}

TEST(ProduceValidator, NoBatchIsInvalidRecord) {
    EXPECT_EQ(code_of(validate({})), error_code::invalid_record);
}

TEST(ProduceValidator, MagicOtherThanTwoIsInvalidRecordFromVersion3) {
    auto batch = build_batch(numbered_records(1));
    batch[format::magic_position] = 1;
    EXPECT_EQ(code_of(validate(batch, {}, request(3))), error_code::invalid_record);
}

TEST(ProduceValidator, MagicOtherThanTwoIsUnsupportedForMessageFormatBeforeVersion3) {
    auto batch = build_batch(numbered_records(1));
    batch[format::magic_position] = 1;
    EXPECT_EQ(code_of(validate(batch, {}, request(2))), error_code::unsupported_for_message_format);
}

TEST(ProduceValidator, BatchLargerThanMaxMessageBytesIsMessageTooLarge) {
    auto batch = build_batch(numbered_records(3));
    produce_validation_config config;
    config.max_message_bytes = static_cast<int32_t>(batch.size());
    EXPECT_EQ(code_of(validate(batch, config)), error_code::none);
    config.max_message_bytes -= 1;
    EXPECT_EQ(code_of(validate(batch, config)), error_code::message_too_large);
}

TEST(ProduceValidator, BatchLargerThanSegmentBytesIsRecordListTooLarge) {
    produce_validation_config config;
    config.segment_bytes = 100;
    EXPECT_EQ(code_of(validate(build_batch(numbered_records(3)), config)),
              error_code::record_list_too_large);
}

TEST(ProduceValidator, NonZeroBaseOffsetIsInvalidRecord) {
    auto batch = build_batch(numbered_records(3), {.base_offset = offset(5)});
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_TRUE(refused_because(validated, "should be 0, but it is 5"));
}

TEST(ProduceValidator, RecordCountDisagreeingWithLastOffsetDeltaIsInvalidRecord) {
    auto batch = build_batch(numbered_records(3));
    store_big_endian<int32_t>(batch.data() + format::record_count_position, 2);
    refresh_crc(batch);
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_TRUE(refused_because(validated, "Inconsistent batch offset range [0, 2]"));
}

TEST(ProduceValidator, ControlBatchFromClientIsInvalidRecord) {
    auto key = protocol::encode_control_record_key(protocol::control_record_type::commit);
    auto value = protocol::encode_end_transaction_marker(5);
    protocol::record_batch_builder builder(
        {.producer_id = producer_id(1),
         .producer_epoch = producer_epoch(0),
         .transactional = protocol::transaction_mode::transactional,
         .kind = protocol::batch_kind::control});
    builder.append({.timestamp_ms = now_ms, .key = key, .value = value});
    auto batch = std::move(builder).build();
    ASSERT_TRUE(batch.has_value());
    auto validated = validate(*batch);
    EXPECT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_TRUE(refused_because(validated, "not allowed to write control records"));
}

TEST(ProduceValidator, IdempotentBatchWithoutSequenceIsInvalidRecord) {
    auto batch = build_batch(
        numbered_records(2),
        {.producer_id = producer_id(42), .producer_epoch = producer_epoch(0), .base_sequence = -1});
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_TRUE(refused_because(validated, "Invalid sequence number -1"));
}

TEST(ProduceValidator, UnknownCodecIsInvalidRecord) {
    auto batch = build_batch(numbered_records(2));
    store_big_endian<uint16_t>(batch.data() + format::attributes_position, 5);
    refresh_crc(batch);
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_TRUE(refused_because(validated, "Unknown compression type"));
}

TEST(ProduceValidator, UnreadableRecordIsInvalidRecordWithoutRecordErrors) {
    auto batch = build_batch(numbered_records(2));
    batch[format::records_position] = 0x7f;  // the first record's length: -64
    refresh_crc(batch);
    auto validated = validate(batch);
    EXPECT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_TRUE(validated.error().record_errors.empty());
    EXPECT_FALSE(validated.error().error_message.has_value());
}

TEST(ProduceValidator, TimestampTooFarInTheFutureIsInvalidTimestampWithRecordIndex) {
    auto records = numbered_records(3);
    records[1].timestamp_ms = now_ms + 3'600'001;
    auto validated = validate(build_batch(records));
    ASSERT_EQ(code_of(validated), error_code::invalid_timestamp);
    const produce_validation_error& error = validated.error();
    ASSERT_EQ(error.record_errors.size(), 1u);
    EXPECT_EQ(error.record_errors[0].batch_index, 1);
    EXPECT_EQ(error.record_errors[0].message,
              "Timestamp 1700003600001 of message with offset 1 is out of range. The timestamp "
              "should be within [-9223370336854775807, 1700003600000]");
    EXPECT_EQ(error.error_message,
              "One or more records have been rejected due to invalid timestamp");
}

TEST(ProduceValidator, TimestampTooFarInThePastIsInvalidTimestamp) {
    auto records = numbered_records(2);
    records[0].timestamp_ms = now_ms - 60'001;
    produce_validation_config config;
    config.timestamp_before_max_ms = 60'000;
    auto validated = validate(build_batch(records), config);
    ASSERT_EQ(code_of(validated), error_code::invalid_timestamp);
    EXPECT_EQ(validated.error().record_errors[0].batch_index, 0);
    records[0].timestamp_ms = now_ms - 60'000;
    EXPECT_EQ(code_of(validate(build_batch(records), config)), error_code::none);
}

TEST(ProduceValidator, RecordWithoutTimestampIsAccepted) {
    auto records = numbered_records(2);
    records[0].timestamp_ms = format::no_timestamp;
    records[1].timestamp_ms = format::no_timestamp;
    produce_validation_config config;
    config.timestamp_before_max_ms = 0;
    config.timestamp_after_max_ms = 0;
    auto validated = validate(build_batch(records), config);
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->max_timestamp_ms, format::no_timestamp);
}

TEST(ProduceValidator, LogAppendTimeTopicSkipsTheRangeCheckAndReportsNow) {
    auto records = numbered_records(2);
    records[1].timestamp_ms = now_ms + 100'000'000;
    produce_validation_config config;
    config.timestamp_type = protocol::timestamp_type::log_append_time;
    auto validated = validate(build_batch(records), config);
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->encoding, batch_encoding::as_sent);
    EXPECT_EQ(validated->max_timestamp_ms, now_ms);
}

TEST(ProduceValidator, LogAppendTimeSetByTheProducerIsInvalidTimestamp) {
    auto batch = build_batch(numbered_records(2),
                             {.timestamp_type = protocol::timestamp_type::log_append_time,
                              .log_append_time_ms = now_ms});
    auto validated = validate(batch);
    ASSERT_EQ(code_of(validated), error_code::invalid_timestamp);
    EXPECT_EQ(validated.error().record_errors.size(), 2u);
}

TEST(ProduceValidator, NullKeyOnCompactedTopicIsInvalidRecord) {
    auto records = numbered_records(3);
    records[2].key.reset();
    produce_validation_config config;
    EXPECT_EQ(code_of(validate(build_batch(records), config)), error_code::none);
    config.compaction = log_compaction::enabled;
    auto validated = validate(build_batch(records), config);
    ASSERT_EQ(code_of(validated), error_code::invalid_record);
    const produce_validation_error& error = validated.error();
    ASSERT_EQ(error.record_errors.size(), 1u);
    EXPECT_EQ(error.record_errors[0].batch_index, 2);
    EXPECT_EQ(error.record_errors[0].message,
              "Compacted topic cannot accept message without key in topic partition orders-3");
    EXPECT_EQ(error.error_message,
              "One or more records have been rejected due to 1 record errors in total, and only "
              "showing the first three errors at most: [RecordError(batchIndex=2, "
              "message='Compacted topic cannot accept message without key in topic partition "
              "orders-3')]");
}

TEST(ProduceValidator, AnyTimestampErrorMakesThePartitionErrorInvalidTimestamp) {
    auto records = numbered_records(2);
    records[0].key.reset();
    records[1].timestamp_ms = now_ms + 3'600'001;
    produce_validation_config config;
    config.compaction = log_compaction::enabled;
    auto validated = validate(build_batch(records), config);
    ASSERT_EQ(code_of(validated), error_code::invalid_timestamp);
    EXPECT_EQ(validated.error().record_errors.size(), 2u);
}

TEST(ProduceValidator, RecordErrorsAreCappedButAllCounted) {
    std::vector<test_record> records(1500, test_record{.value = "v"});
    produce_validation_config config;
    config.compaction = log_compaction::enabled;
    auto validated = validate(build_batch(records), config);
    ASSERT_EQ(code_of(validated), error_code::invalid_record);
    EXPECT_EQ(validated.error().record_errors.size(), max_record_errors);
    EXPECT_NE(validated.error().reason.find("1500 record errors in total"), std::string::npos);
}

TEST(ProduceValidator, ProducerCompressionKeepsTheBatchAsSent) {
    auto batch = build_batch(numbered_records(5), {.codec = compression_codec::snappy});
    auto records = shared_bytes(std::move(batch));
    auto validated = validate_produce_records(records, {}, request());
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->encoding, batch_encoding::as_sent);
    EXPECT_EQ(validated->bytes.data(), records.data());
    EXPECT_EQ(validated->codec, compression_codec::snappy);
}

TEST(ProduceValidator, TopicCodecEqualToTheBatchsKeepsTheBatchAsSent) {
    produce_validation_config config;
    config.compression_type = topic_compression_type::lz4;
    auto validated =
        validate(build_batch(numbered_records(5), {.codec = compression_codec::lz4}), config);
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->encoding, batch_encoding::as_sent);
}

TEST(ProduceValidator, RecompressionToTheTopicCodecDecodesToTheSameRecords) {
    auto records = numbered_records(4);
    records[1].key.reset();
    records[2].value.reset();
    records[3].headers = {{"trace", "abc"}, {"empty", std::nullopt}};
    records[3].timestamp_ms = now_ms - 5000;  // not the largest, nor in order
    protocol::record_batch_settings settings{
        .producer_id = producer_id(9),
        .producer_epoch = producer_epoch(2),
        .base_sequence = 17,
        .transactional = protocol::transaction_mode::transactional,
    };
    produce_validation_config config;
    config.compression_type = topic_compression_type::gzip;

    auto validated = validate(build_batch(records, settings), config);
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->encoding, batch_encoding::re_encoded);
    EXPECT_EQ(validated->codec, compression_codec::gzip);
    auto stored = protocol::record_batch_view::parse(validated->bytes.span());
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->codec(), compression_codec::gzip);
    EXPECT_EQ(stored->base_offset(), offset(0));
    EXPECT_EQ(stored->producer_id(), producer_id(9));
    EXPECT_EQ(stored->producer_epoch(), producer_epoch(2));
    EXPECT_EQ(stored->base_sequence(), 17);
    EXPECT_TRUE(stored->is_transactional());
    EXPECT_EQ(stored->max_timestamp_ms(), now_ms - 1000 + 2);
    EXPECT_EQ(read_back(validated->bytes.span()), records);
}

TEST(ProduceValidator, CompressedBatchIsStoredUncompressedWhenTheTopicSaysUncompressed) {
    auto records = numbered_records(3);
    produce_validation_config config;
    config.compression_type = topic_compression_type::uncompressed;
    auto validated =
        validate(build_batch(records, {.codec = compression_codec::zstd}), config, request(7));
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->encoding, batch_encoding::re_encoded);
    EXPECT_EQ(validated->codec, compression_codec::none);
    EXPECT_EQ(read_back(validated->bytes.span()), records);
}

TEST(ProduceValidator, ReEncodedBatchLargerThanMaxMessageBytesIsMessageTooLarge) {
    std::vector<test_record> records{{.value = std::string(200'000, 'a')}};
    produce_validation_config config;
    config.max_message_bytes = 100'000;
    config.compression_type = topic_compression_type::uncompressed;
    EXPECT_EQ(code_of(validate(build_batch(records, {.codec = compression_codec::lz4}), config)),
              error_code::message_too_large);
}

TEST(ProduceValidator, WrongMaxTimestampIsCorrectedByReEncoding) {
    auto records = numbered_records(3);
    auto batch = build_batch(records);
    store_big_endian<int64_t>(batch.data() + format::max_timestamp_position, now_ms + 99);
    refresh_crc(batch);
    auto validated = validate(batch);
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(validated->encoding, batch_encoding::re_encoded);
    auto stored = protocol::record_batch_view::parse(validated->bytes.span());
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->max_timestamp_ms(), now_ms - 1000 + 2);
    EXPECT_EQ(read_back(validated->bytes.span()), records);
}

TEST(ProduceValidator, ZstdOnProduceV6IsUnsupportedCompressionType) {
    auto batch = build_batch(numbered_records(2), {.codec = compression_codec::zstd});
    EXPECT_EQ(code_of(validate(batch, {}, request(6))), error_code::unsupported_compression_type);
    EXPECT_EQ(code_of(validate(batch, {}, request(7))), error_code::none);
}

TEST(ProduceValidator, DecompressionPastTheBoundIsMessageTooLarge) {
    std::vector<test_record> records{{.value = std::string(1'000'000, '\0')}};
    auto batch = build_batch(records, {.codec = compression_codec::gzip});
    produce_validation_config config;
    config.max_message_bytes = 100'000;
    config.max_uncompressed_bytes = 500'000;
    ASSERT_LT(batch.size(), 100'000u);
    EXPECT_EQ(code_of(validate(batch, config)), error_code::message_too_large);
    config.max_uncompressed_bytes = 2'000'000;
    EXPECT_EQ(code_of(validate(batch, config)), error_code::none);
}

TEST(ProduceValidator, InternalTopicIsInvalidTopicUnlessTheClientIsAllowed) {
    auto batch = build_batch(numbered_records(1));
    produce_validation_config config;
    config.visibility = topic_visibility::internal;
    EXPECT_EQ(code_of(validate(batch, config)), error_code::invalid_topic_exception);
    auto admin = request();
    admin.internal_topics = internal_topic_access::allowed;
    EXPECT_EQ(code_of(validate(batch, config, admin)), error_code::none);
}

}  // namespace
}  // namespace samsa::storage
