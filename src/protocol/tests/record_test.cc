#include "protocol/record.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/compression.h"
#include "protocol/record_batch_format.h"
#include "protocol/tests/record_test_support.h"

namespace samsa::protocol {
namespace {

namespace format = record_batch_format;
using test::from_hex;
using test::optional_text_of;
using test::payload_writer;
using test::text_of;

constexpr std::size_t max_uncompressed_bytes = 1 << 20;

struct header_text {
    std::string key;
    std::optional<std::string> value;
    bool operator==(const header_text&) const = default;
};

std::vector<header_text> headers_of(const record& r) {
    std::vector<header_text> headers;
    for (const record_header& header : r.headers) {
        headers.push_back({text_of(header.key), optional_text_of(header.value)});
    }
    return headers;
}

std::vector<record> read_all(const record_batch_view& batch, record_reader& reader) {
    std::vector<record> records;
    for (int guard = 0; guard <= batch.record_count(); ++guard) {
        auto next = reader.next();
        EXPECT_TRUE(next.has_value()) << to_string(next.error());
        if (!next || !next->has_value()) {
            break;
        }
        records.push_back(**next);
    }
    return records;
}

// The first error reading the records of `bytes`, which must be a valid batch header.
record_error read_error(const std::vector<uint8_t>& bytes,
                        offset_delta_rule rule = offset_delta_rule::increasing,
                        std::size_t max_bytes = max_uncompressed_bytes) {
    auto batch = record_batch_view::parse(bytes);
    EXPECT_TRUE(batch.has_value());
    if (!batch) {
        return record_error::truncated;
    }
    auto count = validate_records(*batch, max_bytes, rule);
    EXPECT_FALSE(count.has_value()) << "read " << *count << " records";
    return count ? record_error::truncated : count.error();
}

TEST(record_reader, ReadsTheRecordKafkaPythonWrote) {
    auto bytes = from_hex(test::kafka_python_simple_batch);
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto reader = record_reader::open(*batch, max_uncompressed_bytes);
    ASSERT_TRUE(reader.has_value());
    auto records = read_all(*batch, *reader);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].attributes, 0);
    EXPECT_EQ(records[0].offset_delta, 0);
    EXPECT_EQ(records[0].timestamp_delta, 0);
    EXPECT_EQ(optional_text_of(records[0].key), "key");
    EXPECT_EQ(optional_text_of(records[0].value), "value");
    EXPECT_TRUE(records[0].headers.empty());
    EXPECT_EQ(record_offset(*batch, records[0]), offset(0));
    EXPECT_EQ(record_timestamp_ms(*batch, records[0]), 1700000000000);
    EXPECT_EQ(reader->records_read(), 1);
}

TEST(record_reader, ReadsNullsHeadersAndNegativeTimestampDeltas) {
    auto bytes = from_hex(test::kafka_python_transactional_batch);
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto reader =
        record_reader::open(*batch, max_uncompressed_bytes, offset_delta_rule::contiguous);
    ASSERT_TRUE(reader.has_value());
    auto records = read_all(*batch, *reader);
    ASSERT_EQ(records.size(), 3u);

    EXPECT_EQ(optional_text_of(records[0].key), "k0");
    EXPECT_EQ(optional_text_of(records[0].value), "v0");
    EXPECT_EQ(headers_of(records[0]),
              (std::vector<header_text>{{"h1", "x"}, {"h2", std::nullopt}}));
    EXPECT_EQ(records[0].headers.size(), 2u);

    EXPECT_FALSE(records[1].key.has_value());
    EXPECT_EQ(optional_text_of(records[1].value), "value-1");
    EXPECT_EQ(records[1].timestamp_delta, -1000);
    EXPECT_EQ(record_timestamp_ms(*batch, records[1]), 1699999999000);
    EXPECT_EQ(record_offset(*batch, records[1]), offset(1));

    EXPECT_EQ(optional_text_of(records[2].key), "k2");
    EXPECT_FALSE(records[2].value.has_value());
    EXPECT_EQ(headers_of(records[2]), (std::vector<header_text>{{"", ""}}));
    EXPECT_EQ(record_timestamp_ms(*batch, records[2]), 1700000005000);
}

TEST(record_reader, ReadsEveryCodecKafkaPythonWrote) {
    std::string expected_value;
    for (int i = 0; i < 200; ++i) {
        expected_value += "samsa ";
    }
    for (auto hex : {test::kafka_python_gzip_batch, test::kafka_python_snappy_batch,
                     test::kafka_python_lz4_batch, test::kafka_python_zstd_batch}) {
        auto bytes = from_hex(hex);
        auto batch = record_batch_view::parse(bytes);
        ASSERT_TRUE(batch.has_value());
        SCOPED_TRACE(std::string(to_string(batch->codec())));
        auto reader =
            record_reader::open(*batch, max_uncompressed_bytes, offset_delta_rule::contiguous);
        ASSERT_TRUE(reader.has_value()) << to_string(reader.error());
        auto records = read_all(*batch, *reader);
        ASSERT_EQ(records.size(), 5u);
        for (int i = 0; i < 5; ++i) {
            EXPECT_EQ(optional_text_of(records[i].key), "key-" + std::to_string(i));
            EXPECT_EQ(optional_text_of(records[i].value), expected_value);
            EXPECT_EQ(headers_of(records[i]), (std::vector<header_text>{{"trace", "abc"}}));
            EXPECT_EQ(record_timestamp_ms(*batch, records[i]), 1700000000000 + i);
        }
    }
}

TEST(record_reader, RecordsStayValidAfterTheReaderIsMoved) {
    auto bytes = from_hex(test::kafka_python_zstd_batch);
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto opened = record_reader::open(*batch, max_uncompressed_bytes);
    ASSERT_TRUE(opened.has_value());
    auto first = opened->next();
    ASSERT_TRUE(first.has_value() && first->has_value());
    record_reader moved = std::move(opened).value();
    auto second = moved.next();
    ASSERT_TRUE(second.has_value() && second->has_value());
    EXPECT_EQ(optional_text_of((*first)->key), "key-0");
    EXPECT_EQ(optional_text_of((*second)->key), "key-1");
}

TEST(record_reader, LogAppendTimeGivesEveryRecordTheMaxTimestamp) {
    auto bytes = from_hex(test::kafka_python_transactional_batch);
    set_log_append_time(bytes, 1234);
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto reader = record_reader::open(*batch, max_uncompressed_bytes);
    ASSERT_TRUE(reader.has_value());
    for (const record& r : read_all(*batch, *reader)) {
        EXPECT_EQ(record_timestamp_ms(*batch, r), 1234);
    }
}

TEST(record_reader, ValidateRecordsCountsTheRecords) {
    auto bytes = from_hex(test::kafka_python_snappy_batch);
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto count = validate_records(*batch, max_uncompressed_bytes, offset_delta_rule::contiguous);
    ASSERT_TRUE(count.has_value());
    EXPECT_EQ(*count, 5);
}

TEST(record_reader, NegativeRecordLengthIsRejected) {
    auto payload = payload_writer().varint(-2).raw({0, 0, 0, 1, 1, 0}).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_record_length);
}

TEST(record_reader, RecordLengthPastTheEndIsRejected) {
    auto payload = payload_writer().varint(100).raw({0, 0, 0, 1, 1, 0}).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::truncated);
}

TEST(record_reader, OverlongVarintIsRejected) {
    payload_writer body;
    body.raw({0});
    body.raw({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});  // 11 bytes
    body.varint(0).varint(-1).varint(-1).varint(0);
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_varint);
}

TEST(record_reader, VarintPastTheTypeIsRejected) {
    payload_writer body;
    body.raw({0}).varlong(0);
    body.raw({0xff, 0xff, 0xff, 0xff, 0x7f});  // offsetDelta wider than 32 bits
    body.varint(-1).varint(-1).varint(0);
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_varint);
}

TEST(record_reader, VarintCutByTheEndOfTheRecordIsTruncated) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-1);
    body.raw({0x80});  // headerCount continues past the record
    auto payload = payload_writer().record_body(body).raw({0x01}).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::truncated);
}

TEST(record_reader, KeyLengthBelowMinusOneIsRejected) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-2).varint(-1).varint(0);
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_key_length);
}

TEST(record_reader, KeyPastTheEndOfTheRecordIsTruncated) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(50).text("short").varint(-1).varint(0);
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::truncated);
}

TEST(record_reader, ValueLengthBelowMinusOneIsRejected) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-7).varint(0);
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_value_length);
}

TEST(record_reader, NegativeHeaderCountIsRejected) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-1).varint(-1);
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_header_count);
}

TEST(record_reader, HugeHeaderCountIsRejectedWithoutAllocating) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-1).varint(INT32_MAX);
    body.varint(1).text("k").varint(-1);
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_header_count);
}

TEST(record_reader, HeaderCountLargerThanTheHeadersPresentIsTruncated) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-1).varint(2);
    body.varint(1).text("k").varint(1).text("v");
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::truncated);
}

TEST(record_reader, NullHeaderKeyIsRejected) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-1).varint(1);
    body.varint(-1).varint(1).text("v");
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_header_key_length);
}

TEST(record_reader, HeaderValueLengthBelowMinusOneIsRejected) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-1).varint(1);
    body.varint(1).text("k").varint(-3).text("pad");
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_header_value_length);
}

TEST(record_reader, RecordLongerThanItsFieldsIsRejected) {
    payload_writer body;
    body.raw({0}).varlong(0).varint(0).varint(-1).varint(-1).varint(0).raw({0xaa});
    auto payload = payload_writer().record_body(body).bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::record_length_mismatch);
}

TEST(record_reader, FewerRecordsThanTheCountIsRejected) {
    auto payload = payload_writer().record(0, "a", "1").record(1, "b", "2").bytes;
    EXPECT_EQ(read_error(test::batch_around(payload, {.record_count = 3, .last_offset_delta = 2})),
              record_error::record_count_mismatch);
}

TEST(record_reader, BytesAfterTheLastRecordAreRejected) {
    auto payload = payload_writer().record(0, "a", "1").record(1, "b", "2").bytes;
    EXPECT_EQ(read_error(test::batch_around(payload, {.record_count = 1})),
              record_error::record_count_mismatch);
}

// 2^31 - 1 records would take at least 14 GiB; the reader must refuse before reading (or
// allocating for) any of them.
TEST(record_reader, HugeRecordCountIsRejectedWhenOpening) {
    auto payload = payload_writer().record(0, "a", "1").bytes;
    auto bytes = test::batch_around(payload, {.record_count = INT32_MAX});
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto reader = record_reader::open(*batch, max_uncompressed_bytes);
    ASSERT_FALSE(reader.has_value());
    EXPECT_EQ(reader.error(), record_error::record_count_mismatch);
}

TEST(record_reader, HugeRecordCountInACompressedBatchIsRejectedWhenOpening) {
    auto payload = payload_writer().record(0, "a", "1").bytes;
    auto packed = compress(compression_codec::lz4, payload);
    ASSERT_TRUE(packed.has_value());
    auto bytes =
        test::batch_around(*packed, {.record_count = INT32_MAX, .codec = compression_codec::lz4});
    EXPECT_EQ(read_error(bytes), record_error::record_count_mismatch);
}

TEST(record_reader, DecreasingOffsetDeltaIsRejected) {
    auto payload = payload_writer().record(1, "a", "1").record(0, "b", "2").bytes;
    EXPECT_EQ(read_error(test::batch_around(payload, {.record_count = 2, .last_offset_delta = 1})),
              record_error::bad_offset_delta);
}

TEST(record_reader, RepeatedOffsetDeltaIsRejected) {
    auto payload = payload_writer().record(0, "a", "1").record(0, "b", "2").bytes;
    EXPECT_EQ(read_error(test::batch_around(payload, {.record_count = 2, .last_offset_delta = 1})),
              record_error::bad_offset_delta);
}

TEST(record_reader, OffsetDeltaPastLastOffsetDeltaIsRejected) {
    auto payload = payload_writer().record(0, "a", "1").record(5, "b", "2").bytes;
    EXPECT_EQ(read_error(test::batch_around(payload, {.record_count = 2, .last_offset_delta = 4})),
              record_error::bad_offset_delta);
}

TEST(record_reader, NegativeOffsetDeltaIsRejected) {
    auto payload = payload_writer().record(-1, "a", "1").bytes;
    EXPECT_EQ(read_error(test::batch_around(payload)), record_error::bad_offset_delta);
}

// What compaction leaves: gaps, and a lastOffsetDelta past the last record kept.
TEST(record_reader, CompactedGapsAreAcceptedWhenIncreasingIsEnough) {
    auto payload = payload_writer().record(1, "a", "1").record(4, "b", "2").bytes;
    auto bytes = test::batch_around(payload, {.record_count = 2, .last_offset_delta = 9});
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto count = validate_records(*batch, max_uncompressed_bytes, offset_delta_rule::increasing);
    ASSERT_TRUE(count.has_value());
    EXPECT_EQ(*count, 2);
    EXPECT_EQ(read_error(bytes, offset_delta_rule::contiguous), record_error::bad_offset_delta);
}

TEST(record_reader, ContiguousRuleRequiresDeltasToBeTheRecordIndex) {
    auto payload = payload_writer().record(0, "a", "1").record(2, "b", "2").bytes;
    auto bytes = test::batch_around(payload, {.record_count = 2, .last_offset_delta = 1});
    EXPECT_EQ(read_error(bytes, offset_delta_rule::contiguous), record_error::bad_offset_delta);
}

TEST(record_reader, ContiguousRuleRequiresLastOffsetDeltaToMatchTheCount) {
    auto payload = payload_writer().record(0, "a", "1").record(1, "b", "2").bytes;
    auto bytes = test::batch_around(payload, {.record_count = 2, .last_offset_delta = 2});
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto reader =
        record_reader::open(*batch, max_uncompressed_bytes, offset_delta_rule::contiguous);
    ASSERT_FALSE(reader.has_value());
    EXPECT_EQ(reader.error(), record_error::bad_offset_delta);
}

TEST(record_reader, ContiguousRuleRejectsAnEmptyBatch) {
    auto bytes = test::batch_around({}, {.record_count = 0});
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto reader =
        record_reader::open(*batch, max_uncompressed_bytes, offset_delta_rule::contiguous);
    ASSERT_FALSE(reader.has_value());
    EXPECT_EQ(reader.error(), record_error::record_count_mismatch);
    EXPECT_TRUE(validate_records(*batch, max_uncompressed_bytes, offset_delta_rule::increasing)
                    .has_value());
}

TEST(record_reader, CorruptCompressedPayloadIsRejected) {
    auto bytes = from_hex(test::kafka_python_gzip_batch);
    bytes[format::header_size_bytes + 20] ^= 0xff;
    test::fix_crc(bytes);
    EXPECT_EQ(read_error(bytes), record_error::corrupt_payload);
}

TEST(record_reader, PayloadDecompressingPastTheLimitIsRejected) {
    auto bytes = from_hex(test::kafka_python_zstd_batch);
    EXPECT_EQ(read_error(bytes, offset_delta_rule::increasing, 1000),
              record_error::payload_too_large);
}

TEST(record_reader, ErrorsStick) {
    auto payload = payload_writer().varint(-2).raw({0, 0, 0, 1, 1, 0}).bytes;
    auto bytes = test::batch_around(payload);
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    auto reader = record_reader::open(*batch, max_uncompressed_bytes);
    ASSERT_TRUE(reader.has_value());
    for (int i = 0; i < 3; ++i) {
        auto next = reader->next();
        ASSERT_FALSE(next.has_value());
        EXPECT_EQ(next.error(), record_error::bad_record_length);
    }
}

TEST(record_reader, EveryTruncationOfThePayloadIsAnError) {
    auto original = from_hex(test::kafka_python_transactional_batch);
    std::vector<uint8_t> payload(original.begin() + format::header_size_bytes, original.end());
    for (std::size_t size = 0; size < payload.size(); ++size) {
        auto bytes = test::batch_around(std::span(payload).first(size),
                                        {.record_count = 3, .last_offset_delta = 2});
        auto batch = record_batch_view::parse(bytes);
        ASSERT_TRUE(batch.has_value());
        EXPECT_FALSE(validate_records(*batch, max_uncompressed_bytes, offset_delta_rule::increasing)
                         .has_value())
            << size;
    }
}

// Any damage to the records yields records or an error, never a bad read (the sanitizer
// build checks that part) — and the headers of any record returned can be iterated.
TEST(record_reader, RandomDamageNeverCrashes) {
    for (auto hex : {test::kafka_python_transactional_batch, test::kafka_python_snappy_batch}) {
        auto original = from_hex(hex);
        std::mt19937 random(3);
        for (int round = 0; round < 5000; ++round) {
            auto bytes = original;
            int flips = 1 + static_cast<int>(random() % 3);
            for (int i = 0; i < flips; ++i) {
                auto at = format::header_size_bytes +
                          random() % (bytes.size() - format::header_size_bytes);
                bytes[at] ^= static_cast<uint8_t>(1 + random() % 255);
            }
            test::fix_crc(bytes);
            auto batch = record_batch_view::parse(bytes);
            ASSERT_TRUE(batch.has_value());
            auto reader = record_reader::open(*batch, max_uncompressed_bytes);
            if (!reader) {
                continue;
            }
            for (int guard = 0; guard < 10; ++guard) {
                auto next = reader->next();
                if (!next || !next->has_value()) {
                    break;
                }
                std::size_t bytes_seen = 0;
                for (const record_header& header : (*next)->headers) {
                    bytes_seen += header.key.size() + (header.value ? header.value->size() : 0);
                }
                EXPECT_LE(bytes_seen, max_uncompressed_bytes);
            }
        }
    }
}

TEST(control_record, CommitAndAbortKeysRoundTrip) {
    for (auto type : {control_record_type::commit, control_record_type::abort}) {
        auto key = encode_control_record_key(type);
        auto decoded = decode_control_record_key(byte_view(key));
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(decoded->version, 0);
        EXPECT_EQ(decoded->type, type);
    }
    EXPECT_EQ(encode_control_record_key(control_record_type::commit),
              (std::array<uint8_t, 4>{0, 0, 0, 1}));
}

TEST(control_record, EndTransactionMarkerRoundTrips) {
    auto value = encode_end_transaction_marker(0x01020304);
    EXPECT_EQ(value, (std::array<uint8_t, 6>{0, 0, 1, 2, 3, 4}));
    auto decoded = decode_end_transaction_marker(byte_view(value));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->version, 0);
    EXPECT_EQ(decoded->coordinator_epoch, 0x01020304);
}

TEST(control_record, UnknownTypeIsKeptForTheCallerToJudge) {
    std::vector<uint8_t> key = {0, 0, 0x7f, 0x00};
    auto decoded = decode_control_record_key(byte_view(key));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(static_cast<int16_t>(decoded->type), 0x7f00);
}

TEST(control_record, NewerVersionsAreReadAsVersionZero) {
    std::vector<uint8_t> key = {0, 1, 0, 0, 0xee};
    auto decoded_key = decode_control_record_key(byte_view(key));
    ASSERT_TRUE(decoded_key.has_value());
    EXPECT_EQ(decoded_key->version, 1);
    EXPECT_EQ(decoded_key->type, control_record_type::abort);

    std::vector<uint8_t> value = {0, 1, 0, 0, 0, 9, 0xee, 0xee};
    auto decoded_value = decode_end_transaction_marker(byte_view(value));
    ASSERT_TRUE(decoded_value.has_value());
    EXPECT_EQ(decoded_value->coordinator_epoch, 9);
}

TEST(control_record, MissingShortOrNegativeVersionIsRejected) {
    std::vector<uint8_t> short_key = {0, 0, 0};
    std::vector<uint8_t> negative_key = {0xff, 0xff, 0, 1};
    EXPECT_EQ(decode_control_record_key(std::nullopt).error(), record_error::bad_control_record);
    EXPECT_EQ(decode_control_record_key(byte_view(short_key)).error(),
              record_error::bad_control_record);
    EXPECT_EQ(decode_control_record_key(byte_view(negative_key)).error(),
              record_error::bad_control_record);

    std::vector<uint8_t> short_value = {0, 0, 0, 0, 1};
    std::vector<uint8_t> negative_value = {0x80, 0, 0, 0, 0, 1};
    EXPECT_EQ(decode_end_transaction_marker(std::nullopt).error(),
              record_error::bad_control_record);
    EXPECT_EQ(decode_end_transaction_marker(byte_view(short_value)).error(),
              record_error::bad_control_record);
    EXPECT_EQ(decode_end_transaction_marker(byte_view(negative_value)).error(),
              record_error::bad_control_record);
}

TEST(record_error, EveryErrorHasAName) {
    for (int e = 0; e <= static_cast<int>(record_error::bad_control_record); ++e) {
        EXPECT_NE(to_string(static_cast<record_error>(e)), "unknown record error");
    }
}

}  // namespace
}  // namespace samsa::protocol
