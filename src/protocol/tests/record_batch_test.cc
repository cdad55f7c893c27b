#include "protocol/record_batch.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "base/crc32c.h"
#include "base/endian.h"
#include "protocol/record_batch_format.h"
#include "protocol/tests/record_test_support.h"

namespace samsa::protocol {
namespace {

namespace format = record_batch_format;
using test::from_hex;

std::vector<uint8_t> simple_batch() {
    return from_hex(test::kafka_python_simple_batch);
}
std::vector<uint8_t> transactional_batch() {
    return from_hex(test::kafka_python_transactional_batch);
}

record_batch_error parse_error(std::span<const uint8_t> bytes) {
    auto view = record_batch_view::parse(bytes);
    EXPECT_FALSE(view.has_value());
    return view ? record_batch_error::truncated : view.error();
}

TEST(record_batch_view, ReadsTheHeaderKafkaPythonWrote) {
    auto bytes = simple_batch();
    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value()) << to_string(view.error());
    EXPECT_EQ(view->size_bytes(), bytes.size());
    EXPECT_EQ(view->base_offset(), offset(0));
    EXPECT_EQ(view->batch_length(), static_cast<int32_t>(bytes.size() - 12));
    EXPECT_EQ(view->partition_leader_epoch(), leader_epoch(0));
    EXPECT_EQ(view->magic(), 2);
    EXPECT_EQ(view->crc(), crc32c(std::span(bytes).subspan(21)));
    EXPECT_EQ(view->codec(), compression_codec::none);
    EXPECT_EQ(view->timestamp_type(), timestamp_type::create_time);
    EXPECT_FALSE(view->is_transactional());
    EXPECT_FALSE(view->is_control());
    EXPECT_FALSE(view->delete_horizon_ms().has_value());
    EXPECT_EQ(view->last_offset_delta(), 0);
    EXPECT_EQ(view->last_offset(), offset(0));
    EXPECT_EQ(view->next_offset(), offset(1));
    EXPECT_EQ(view->base_timestamp_ms(), 1700000000000);
    EXPECT_EQ(view->max_timestamp_ms(), 1700000000000);
    EXPECT_EQ(view->producer_id(), producer_id(-1));
    EXPECT_EQ(view->producer_epoch(), producer_epoch(-1));
    EXPECT_EQ(view->base_sequence(), -1);
    EXPECT_EQ(view->record_count(), 1);
    EXPECT_EQ(view->records_payload().size(), bytes.size() - format::header_size_bytes);
}

TEST(record_batch_view, ReadsProducerAndTransactionFields) {
    auto bytes = transactional_batch();
    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_TRUE(view->is_transactional());
    EXPECT_EQ(view->producer_id(), producer_id(12345));
    EXPECT_EQ(view->producer_epoch(), producer_epoch(7));
    EXPECT_EQ(view->base_sequence(), 42);
    EXPECT_EQ(view->record_count(), 3);
    EXPECT_EQ(view->last_offset_delta(), 2);
    EXPECT_EQ(view->base_timestamp_ms(), 1700000000000);
    EXPECT_EQ(view->max_timestamp_ms(), 1700000005000);
}

TEST(record_batch_view, ReadsEveryCodecKafkaPythonWrote) {
    std::pair<std::string_view, compression_codec> batches[] = {
        {test::kafka_python_gzip_batch, compression_codec::gzip},
        {test::kafka_python_snappy_batch, compression_codec::snappy},
        {test::kafka_python_lz4_batch, compression_codec::lz4},
        {test::kafka_python_zstd_batch, compression_codec::zstd},
    };
    for (auto [hex, codec] : batches) {
        auto bytes = from_hex(hex);
        auto view = record_batch_view::parse(bytes);
        ASSERT_TRUE(view.has_value()) << to_string(codec);
        EXPECT_EQ(view->codec(), codec);
        EXPECT_EQ(view->record_count(), 5);
        EXPECT_EQ(view->producer_id(), producer_id(99));
    }
}

TEST(record_batch_view, BytesAfterTheBatchAreNotPartOfTheView) {
    auto bytes = simple_batch();
    auto size = bytes.size();
    bytes.insert(bytes.end(), {1, 2, 3});
    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->size_bytes(), size);
}

TEST(record_batch_view, ChecksumMismatchIsRejected) {
    auto bytes = simple_batch();
    bytes.back() ^= 0x01;
    EXPECT_EQ(parse_error(bytes), record_batch_error::crc_mismatch);
}

TEST(record_batch_view, EveryByteTheCrcCoversIsChecked) {
    auto original = simple_batch();
    for (std::size_t i = format::crc_coverage_start; i < original.size(); ++i) {
        auto bytes = original;
        bytes[i] ^= 0x80;
        auto view = record_batch_view::parse(bytes);
        ASSERT_FALSE(view.has_value()) << "byte " << i;
        EXPECT_EQ(view.error(), record_batch_error::crc_mismatch) << "byte " << i;
    }
}

TEST(record_batch_view, StoredCrcMismatchIsRejected) {
    auto bytes = simple_batch();
    bytes[format::crc_position] ^= 0xff;
    EXPECT_EQ(parse_error(bytes), record_batch_error::crc_mismatch);
}

TEST(record_batch_view, SkippingTheCrcCheckAcceptsAMismatch) {
    auto bytes = simple_batch();
    bytes.back() ^= 0x01;
    EXPECT_TRUE(record_batch_view::parse(bytes, crc_check::skip).has_value());
}

TEST(record_batch_view, MagicOtherThanTwoIsRejected) {
    for (int8_t magic : {0, 1, 3, -1}) {
        auto bytes = simple_batch();
        bytes[format::magic_position] = static_cast<uint8_t>(magic);
        EXPECT_EQ(parse_error(bytes), record_batch_error::unsupported_magic) << int{magic};
    }
}

TEST(record_batch_view, BatchLengthPastEndIsRejected) {
    auto bytes = simple_batch();
    bytes.pop_back();
    EXPECT_EQ(parse_error(bytes), record_batch_error::batch_length_past_end);

    bytes = simple_batch();
    store_big_endian<int32_t>(bytes.data() + format::batch_length_position, 0x7fffffff);
    EXPECT_EQ(parse_error(bytes), record_batch_error::batch_length_past_end);
}

TEST(record_batch_view, NegativeBatchLengthIsRejected) {
    auto bytes = simple_batch();
    store_big_endian<int32_t>(bytes.data() + format::batch_length_position, -1);
    EXPECT_EQ(parse_error(bytes), record_batch_error::bad_batch_length);
    store_big_endian<int32_t>(bytes.data() + format::batch_length_position, INT32_MIN);
    EXPECT_EQ(parse_error(bytes), record_batch_error::bad_batch_length);
}

TEST(record_batch_view, BatchLengthShorterThanTheHeaderIsRejected) {
    auto bytes = simple_batch();
    store_big_endian<int32_t>(bytes.data() + format::batch_length_position,
                              format::min_batch_length - 1);
    EXPECT_EQ(parse_error(bytes), record_batch_error::bad_batch_length);
}

TEST(record_batch_view, EveryPrefixShorterThanTheHeaderIsRejected) {
    auto bytes = simple_batch();
    for (std::size_t size = 0; size < format::header_size_bytes; ++size) {
        auto error = parse_error(std::span(bytes).first(size));
        EXPECT_EQ(error, record_batch_error::truncated) << size;
    }
}

TEST(record_batch_view, HeaderWithoutRecordsIsAValidEmptyBatch) {
    auto bytes = test::batch_around({}, {.record_count = 0});
    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->record_count(), 0);
    EXPECT_TRUE(view->records_payload().empty());
}

TEST(record_batch_view, UnknownCodecIsRejected) {
    for (uint16_t codec : {5, 6, 7}) {
        auto bytes = simple_batch();
        store_big_endian<uint16_t>(bytes.data() + format::attributes_position, codec);
        test::fix_crc(bytes);
        EXPECT_EQ(parse_error(bytes), record_batch_error::unknown_codec) << codec;
    }
}

// recordCount 0x80000000 is 2^31 read as an int32.
TEST(record_batch_view, NegativeRecordCountIsRejected) {
    auto bytes = test::batch_around({}, {.record_count = INT32_MIN});
    EXPECT_EQ(parse_error(bytes), record_batch_error::bad_record_count);
    bytes = test::batch_around({}, {.record_count = -1});
    EXPECT_EQ(parse_error(bytes), record_batch_error::bad_record_count);
}

TEST(record_batch_view, NegativeLastOffsetDeltaIsRejected) {
    auto bytes = test::batch_around({}, {.record_count = 0, .last_offset_delta = -1});
    EXPECT_EQ(parse_error(bytes), record_batch_error::bad_last_offset_delta);
}

// next_offset() (last offset + 1) must not overflow, whatever the base offset claims.
TEST(record_batch_view, LastOffsetAtOrPastInt64MaxIsRejected) {
    constexpr int64_t max = std::numeric_limits<int64_t>::max();
    auto bytes =
        test::batch_around({}, {.record_count = 0, .last_offset_delta = 5, .base_offset = max - 5});
    EXPECT_EQ(parse_error(bytes), record_batch_error::last_offset_overflow);
    bytes = test::batch_around({}, {.record_count = 0, .last_offset_delta = 0, .base_offset = max});
    EXPECT_EQ(parse_error(bytes), record_batch_error::last_offset_overflow);
    bytes =
        test::batch_around({}, {.record_count = 0, .last_offset_delta = 5, .base_offset = max - 6});
    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->next_offset(), offset(max));
}

TEST(record_batch_view, AttributeBitsMapToFlags) {
    auto bytes = test::batch_around(
        {}, {.record_count = 0,
             .codec = compression_codec::zstd,
             .base_timestamp_ms = 777,
             .extra_attributes =
                 static_cast<uint16_t>(format::timestamp_type_mask | format::transactional_mask |
                                       format::control_mask | format::delete_horizon_mask)});
    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->codec(), compression_codec::zstd);
    EXPECT_EQ(view->timestamp_type(), timestamp_type::log_append_time);
    EXPECT_TRUE(view->is_transactional());
    EXPECT_TRUE(view->is_control());
    EXPECT_EQ(view->delete_horizon_ms(), std::optional<int64_t>(777));
}

TEST(record_batch_view, LastOffsetIsBaseOffsetPlusLastOffsetDelta) {
    auto bytes =
        test::batch_around({}, {.record_count = 0, .last_offset_delta = 9, .base_offset = 1000});
    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->last_offset(), offset(1009));
    EXPECT_EQ(view->next_offset(), offset(1010));
}

TEST(record_batch_rewrite, SetBaseOffsetKeepsTheCrcValidAndThePayloadUntouched) {
    auto bytes = from_hex(test::kafka_python_zstd_batch);
    std::vector<uint8_t> payload(bytes.begin() + format::header_size_bytes, bytes.end());
    uint32_t crc_before = load_big_endian<uint32_t>(bytes.data() + format::crc_position);

    set_base_offset(bytes, offset(123456789012));

    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->base_offset(), offset(123456789012));
    EXPECT_EQ(view->last_offset(), offset(123456789016));
    EXPECT_EQ(view->crc(), crc_before);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), view->records_payload().begin(),
                           view->records_payload().end()));
}

TEST(record_batch_rewrite, SetPartitionLeaderEpochKeepsTheCrcValidAndThePayloadUntouched) {
    auto bytes = from_hex(test::kafka_python_lz4_batch);
    auto original = bytes;

    set_partition_leader_epoch(bytes, leader_epoch(42));

    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->partition_leader_epoch(), leader_epoch(42));
    // Only the four epoch bytes changed.
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i < format::partition_leader_epoch_position ||
            i >= format::partition_leader_epoch_position + 4) {
            EXPECT_EQ(bytes[i], original[i]) << "byte " << i;
        }
    }
}

TEST(record_batch_rewrite, SetLogAppendTimeSetsTheTypeAndMaxTimestampAndRecomputesTheCrc) {
    auto bytes = transactional_batch();
    auto original = bytes;

    set_log_append_time(bytes, 1800000000000);

    auto view = record_batch_view::parse(bytes);
    ASSERT_TRUE(view.has_value()) << to_string(view.error());
    EXPECT_EQ(view->timestamp_type(), timestamp_type::log_append_time);
    EXPECT_EQ(view->max_timestamp_ms(), 1800000000000);
    EXPECT_TRUE(view->is_transactional()) << "other attribute bits are kept";
    EXPECT_EQ(view->codec(), compression_codec::none);
    EXPECT_EQ(view->base_timestamp_ms(), 1700000000000);
    EXPECT_NE(view->crc(), load_big_endian<uint32_t>(original.data() + format::crc_position));
    EXPECT_TRUE(std::equal(original.begin() + format::header_size_bytes, original.end(),
                           bytes.begin() + format::header_size_bytes));
}

TEST(record_batch_rewrite, SetLogAppendTimeLeavesACompressedPayloadUntouched) {
    auto bytes = from_hex(test::kafka_python_gzip_batch);
    auto original = bytes;
    set_log_append_time(bytes, 5);
    ASSERT_TRUE(record_batch_view::parse(bytes).has_value());
    EXPECT_TRUE(std::equal(original.begin() + format::header_size_bytes, original.end(),
                           bytes.begin() + format::header_size_bytes));
}

TEST(record_batch_rewriteDeathTest, RewritingBytesThatAreNotExactlyOneBatchAborts) {
    auto bytes = simple_batch();
    bytes.push_back(0);
    EXPECT_DEATH(set_base_offset(bytes, offset(1)), "not exactly one parsed record batch");
    std::vector<uint8_t> short_bytes(10);
    EXPECT_DEATH(set_log_append_time(short_bytes, 1), "not exactly one parsed record batch");
}

std::vector<uint8_t> three_batches() {
    std::vector<uint8_t> buffer;
    for (auto hex : {test::kafka_python_simple_batch, test::kafka_python_transactional_batch,
                     test::kafka_python_zstd_batch}) {
        auto batch = from_hex(hex);
        buffer.insert(buffer.end(), batch.begin(), batch.end());
    }
    return buffer;
}

std::vector<record_batch_bounds> split_all(record_batch_splitter& splitter) {
    std::vector<record_batch_bounds> all;
    for (int guard = 0; guard < 100; ++guard) {
        auto next = splitter.next();
        EXPECT_TRUE(next.has_value());
        if (!next || !next->has_value()) {
            break;
        }
        all.push_back(**next);
    }
    return all;
}

TEST(record_batch_splitter, YieldsEveryBatchOfAConcatenation) {
    auto buffer = three_batches();
    record_batch_splitter splitter(buffer);
    auto bounds = split_all(splitter);
    ASSERT_EQ(bounds.size(), 3u);
    EXPECT_EQ(bounds[0].position, 0u);
    EXPECT_EQ(bounds[0].size_bytes, 76u);
    EXPECT_EQ(bounds[1].position, 76u);
    EXPECT_EQ(bounds[1].size_bytes, 108u);
    EXPECT_EQ(bounds[2].position, 184u);
    EXPECT_EQ(bounds[2].size_bytes, buffer.size() - 184);
    EXPECT_FALSE(splitter.ended_with_partial_batch());
    for (auto b : bounds) {
        EXPECT_TRUE(record_batch_view::parse(std::span(buffer).subspan(b.position, b.size_bytes))
                        .has_value());
    }
}

TEST(record_batch_splitter, EmptyBufferHasNoBatches) {
    record_batch_splitter splitter({});
    EXPECT_TRUE(split_all(splitter).empty());
    EXPECT_FALSE(splitter.ended_with_partial_batch());
}

// A fetch response may be cut anywhere inside its last batch.
TEST(record_batch_splitter, PartialTrailingBatchIsReportedNotReturned) {
    auto buffer = three_batches();
    std::size_t last_start = 184;
    for (std::size_t cut = last_start + 1; cut < buffer.size(); ++cut) {
        record_batch_splitter splitter{std::span(buffer).first(cut)};
        auto bounds = split_all(splitter);
        EXPECT_EQ(bounds.size(), 2u) << cut;
        EXPECT_TRUE(splitter.ended_with_partial_batch()) << cut;
        EXPECT_EQ(splitter.partial_bytes(), cut - last_start) << cut;
    }
}

TEST(record_batch_splitter, ImpossibleLengthIsAnErrorThatSticks) {
    auto buffer = three_batches();
    store_big_endian<int32_t>(buffer.data() + 76 + format::batch_length_position, -5);
    record_batch_splitter splitter(buffer);
    ASSERT_TRUE(splitter.next().has_value());
    for (int i = 0; i < 2; ++i) {
        auto next = splitter.next();
        ASSERT_FALSE(next.has_value());
        EXPECT_EQ(next.error(), record_batch_error::bad_batch_length);
    }
}

TEST(record_batch_splitter, WrongMagicIsAnErrorEvenInAPartialBatch) {
    auto buffer = three_batches();
    buffer[184 + format::magic_position] = 1;
    record_batch_splitter splitter{std::span(buffer).first(184 + 20)};
    ASSERT_TRUE(splitter.next().has_value());
    ASSERT_TRUE(splitter.next().has_value());
    auto next = splitter.next();
    ASSERT_FALSE(next.has_value());
    EXPECT_EQ(next.error(), record_batch_error::unsupported_magic);
}

TEST(record_batch_splitter, HugeLengthAtTheEndIsAPartialBatch) {
    auto buffer = simple_batch();
    store_big_endian<int32_t>(buffer.data() + format::batch_length_position, 0x7fffffff);
    record_batch_splitter splitter(buffer);
    EXPECT_TRUE(split_all(splitter).empty());
    EXPECT_TRUE(splitter.ended_with_partial_batch());
}

TEST(record_batch_error, EveryErrorHasAName) {
    for (int e = 0; e <= static_cast<int>(record_batch_error::last_offset_overflow); ++e) {
        EXPECT_NE(to_string(static_cast<record_batch_error>(e)), "unknown record batch error");
    }
}

}  // namespace
}  // namespace samsa::protocol
