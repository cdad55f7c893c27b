#include "protocol/record_batch_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/record_batch_format.h"
#include "protocol/tests/record_test_support.h"

namespace samsa::protocol {
namespace {

namespace format = record_batch_format;
using test::bytes_of;
using test::from_hex;
using test::optional_text_of;

constexpr std::size_t max_uncompressed_bytes = 1 << 20;

record_fields fields(int64_t timestamp_ms, std::optional<std::string_view> key,
                     std::optional<std::string_view> value,
                     std::span<const record_header> headers = {}) {
    record_fields f;
    f.timestamp_ms = timestamp_ms;
    if (key) {
        f.key = bytes_of(*key);
    }
    if (value) {
        f.value = bytes_of(*value);
    }
    f.headers = headers;
    return f;
}

std::vector<uint8_t> built(record_batch_builder&& builder) {
    auto batch = std::move(builder).build();
    EXPECT_TRUE(batch.has_value()) << to_string(batch.error());
    return batch ? std::move(batch).value() : std::vector<uint8_t>();
}

// kafka-python writes baseOffset 0 and partitionLeaderEpoch 0 (the Java client writes -1;
// the broker overwrites both).
record_batch_settings kafka_python_settings() {
    record_batch_settings settings;
    settings.partition_leader_epoch = leader_epoch(0);
    return settings;
}

TEST(record_batch_builder, MatchesKafkaPythonForASingleRecord) {
    record_batch_builder builder(kafka_python_settings());
    builder.append(fields(1700000000000, "key", "value"));
    EXPECT_EQ(built(std::move(builder)), from_hex(test::kafka_python_simple_batch));
}

TEST(record_batch_builder, MatchesKafkaPythonForAProducerBatchWithNullsAndHeaders) {
    auto settings = kafka_python_settings();
    settings.producer_id = producer_id(12345);
    settings.producer_epoch = producer_epoch(7);
    settings.base_sequence = 42;
    settings.transactional = transaction_mode::transactional;
    record_batch_builder builder(settings);

    record_header first_headers[] = {{bytes_of("h1"), bytes_of("x")},
                                     {bytes_of("h2"), std::nullopt}};
    record_header third_headers[] = {{bytes_of(""), bytes_of("")}};
    builder.append(fields(1700000000000, "k0", "v0", first_headers));
    builder.append(fields(1699999999000, std::nullopt, "value-1"));
    builder.append(fields(1700000005000, "k2", std::nullopt, third_headers));

    EXPECT_EQ(built(std::move(builder)), from_hex(test::kafka_python_transactional_batch));
}

TEST(record_batch_builder, DefaultsAreThoseOfAJavaProducerWithoutIdempotence) {
    record_batch_builder builder(record_batch_settings{});
    builder.append(fields(5, "k", "v"));
    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_EQ(batch->base_offset(), offset(0));
    EXPECT_EQ(batch->partition_leader_epoch(), leader_epoch(-1));
    EXPECT_EQ(batch->producer_id(), producer_id(-1));
    EXPECT_EQ(batch->producer_epoch(), producer_epoch(-1));
    EXPECT_EQ(batch->base_sequence(), -1);
    EXPECT_EQ(batch->attributes(), 0);
}

TEST(record_batch_builder, HeaderFieldsDescribeTheRecords) {
    record_batch_settings settings;
    settings.base_offset = offset(1000);
    record_batch_builder builder(settings);
    builder.append(fields(300, "a", "1"));
    builder.append(fields(100, "b", "2"));
    builder.append(fields(200, "c", "3"));
    EXPECT_EQ(builder.record_count(), 3);
    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_EQ(batch->batch_length(), static_cast<int32_t>(bytes.size() - 12));
    EXPECT_EQ(batch->record_count(), 3);
    EXPECT_EQ(batch->last_offset_delta(), 2);
    EXPECT_EQ(batch->last_offset(), offset(1002));
    EXPECT_EQ(batch->base_timestamp_ms(), 300) << "the first record's, not the smallest";
    EXPECT_EQ(batch->max_timestamp_ms(), 300);
}

// Java's MemoryRecordsBuilder starts maxTimestamp at NO_TIMESTAMP (-1).
TEST(record_batch_builder, MaxTimestampIsNeverBelowMinusOne) {
    record_batch_builder builder(record_batch_settings{});
    builder.append(fields(-1, "a", "1"));
    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_EQ(batch->base_timestamp_ms(), -1);
    EXPECT_EQ(batch->max_timestamp_ms(), -1);
}

TEST(record_batch_builder, OffsetDeltasMayHaveGaps) {
    record_batch_builder builder(record_batch_settings{});
    builder.append_with_offset_delta(2, fields(1, "a", "1"));
    builder.append_with_offset_delta(7, fields(2, "b", "2"));
    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_EQ(batch->last_offset_delta(), 7);
    auto reader = record_reader::open(*batch, max_uncompressed_bytes);
    ASSERT_TRUE(reader.has_value());
    auto first = reader->next();
    auto second = reader->next();
    ASSERT_TRUE(first.has_value() && first->has_value());
    ASSERT_TRUE(second.has_value() && second->has_value());
    EXPECT_EQ((*first)->offset_delta, 2);
    EXPECT_EQ((*second)->offset_delta, 7);
}

TEST(record_batch_builderDeathTest, OffsetDeltaThatDoesNotIncreaseAborts) {
    record_batch_builder builder(record_batch_settings{});
    builder.append_with_offset_delta(3, fields(1, "a", "1"));
    EXPECT_DEATH(builder.append_with_offset_delta(3, fields(1, "b", "2")), "offset delta");
}

TEST(record_batch_builder, NoRecordsIsAnError) {
    record_batch_builder builder(record_batch_settings{});
    auto batch = std::move(builder).build();
    ASSERT_FALSE(batch.has_value());
    EXPECT_EQ(batch.error(), record_batch_builder_error::no_records);
}

TEST(record_batch_builder, UncompressedSizeCountsHeaderAndRecords) {
    record_batch_builder builder(record_batch_settings{});
    EXPECT_EQ(builder.uncompressed_size_bytes(), format::header_size_bytes);
    builder.append(fields(1, "key", "value"));
    std::size_t size = builder.uncompressed_size_bytes();
    EXPECT_GT(size, format::header_size_bytes);
    EXPECT_EQ(built(std::move(builder)).size(), size);
}

class builder_codec : public testing::TestWithParam<compression_codec> {};

INSTANTIATE_TEST_SUITE_P(record_batch_builder, builder_codec,
                         testing::Values(compression_codec::none, compression_codec::gzip,
                                         compression_codec::snappy, compression_codec::lz4,
                                         compression_codec::zstd),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST_P(builder_codec, CompressedBatchReadsBackRecordForRecord) {
    record_batch_settings settings;
    settings.codec = GetParam();
    settings.base_offset = offset(50);
    settings.producer_id = producer_id(8);
    settings.producer_epoch = producer_epoch(2);
    settings.base_sequence = 100;
    record_batch_builder builder(settings);
    std::string value(3000, 'z');
    record_header headers[] = {{bytes_of("trace"), bytes_of("id-1")}};
    for (int i = 0; i < 20; ++i) {
        std::string key = "key-" + std::to_string(i);
        builder.append(fields(1000 + i, key, value, headers));
    }
    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value()) << to_string(batch.error());
    EXPECT_EQ(batch->codec(), GetParam());
    EXPECT_EQ(batch->record_count(), 20);
    EXPECT_EQ(batch->max_timestamp_ms(), 1019);
    if (GetParam() != compression_codec::none) {
        EXPECT_LT(bytes.size(), 20 * value.size() / 4) << "the records were compressed";
    }
    auto reader =
        record_reader::open(*batch, max_uncompressed_bytes, offset_delta_rule::contiguous);
    ASSERT_TRUE(reader.has_value()) << to_string(reader.error());
    for (int i = 0; i < 20; ++i) {
        auto next = reader->next();
        ASSERT_TRUE(next.has_value() && next->has_value()) << i;
        const record& r = **next;
        EXPECT_EQ(record_offset(*batch, r), offset(50 + i));
        EXPECT_EQ(record_timestamp_ms(*batch, r), 1000 + i);
        EXPECT_EQ(optional_text_of(r.key), "key-" + std::to_string(i));
        EXPECT_EQ(optional_text_of(r.value), value);
        ASSERT_EQ(r.headers.size(), 1u);
        EXPECT_EQ(test::text_of(r.headers.begin()->key), "trace");
    }
    auto end = reader->next();
    ASSERT_TRUE(end.has_value());
    EXPECT_FALSE(end->has_value());
}

// Java compresses whatever the result; kafka-python falls back to no compression when that
// does not help, which a broker must not do silently.
TEST_P(builder_codec, IncompressibleRecordsStillUseTheCodec) {
    record_batch_settings settings;
    settings.codec = GetParam();
    record_batch_builder builder(settings);
    builder.append(fields(1, std::nullopt, "x"));
    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_EQ(batch->codec(), GetParam());
    EXPECT_TRUE(validate_records(*batch, max_uncompressed_bytes, offset_delta_rule::contiguous)
                    .has_value());
}

TEST(record_batch_builder, LogAppendTimeSetsTheTypeAndMaxTimestamp) {
    record_batch_settings settings;
    settings.timestamp_type = timestamp_type::log_append_time;
    settings.log_append_time_ms = 9999;
    record_batch_builder builder(settings);
    builder.append(fields(5, "a", "1"));
    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_EQ(batch->timestamp_type(), timestamp_type::log_append_time);
    EXPECT_EQ(batch->max_timestamp_ms(), 9999);
    EXPECT_EQ(batch->base_timestamp_ms(), 5);
}

TEST(record_batch_builder, BuildsACommitMarker) {
    record_batch_settings settings;
    settings.base_offset = offset(77);
    settings.producer_id = producer_id(4000);
    settings.producer_epoch = producer_epoch(3);
    settings.transactional = transaction_mode::transactional;
    settings.kind = batch_kind::control;
    record_batch_builder builder(settings);
    auto key = encode_control_record_key(control_record_type::commit);
    auto value = encode_end_transaction_marker(12);
    record_fields marker;
    marker.timestamp_ms = 123;
    marker.key = byte_view(key);
    marker.value = byte_view(value);
    builder.append(marker);

    auto bytes = built(std::move(builder));
    auto batch = record_batch_view::parse(bytes);
    ASSERT_TRUE(batch.has_value());
    EXPECT_TRUE(batch->is_control());
    EXPECT_TRUE(batch->is_transactional());
    EXPECT_EQ(batch->attributes(), format::control_mask | format::transactional_mask);
    auto reader = record_reader::open(*batch, max_uncompressed_bytes);
    ASSERT_TRUE(reader.has_value());
    auto next = reader->next();
    ASSERT_TRUE(next.has_value() && next->has_value());
    auto decoded_key = decode_control_record_key((*next)->key);
    ASSERT_TRUE(decoded_key.has_value());
    EXPECT_EQ(decoded_key->type, control_record_type::commit);
    auto decoded_value = decode_end_transaction_marker((*next)->value);
    ASSERT_TRUE(decoded_value.has_value());
    EXPECT_EQ(decoded_value->coordinator_epoch, 12);
}

TEST(record_batch_builder_error, EveryErrorHasAName) {
    for (auto error :
         {record_batch_builder_error::no_records, record_batch_builder_error::batch_too_large,
          record_batch_builder_error::compression_failed}) {
        EXPECT_NE(to_string(error), "unknown record batch builder error");
    }
}

}  // namespace
}  // namespace samsa::protocol
