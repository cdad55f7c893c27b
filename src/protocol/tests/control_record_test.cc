#include "protocol/control_record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch_builder.h"
#include "protocol/record_batch_format.h"
#include "protocol/tests/record_test_support.h"

namespace samsa::protocol {
namespace {

namespace format = record_batch_format;
using test::bytes_of;

record_batch_view view_of(const std::vector<uint8_t>& bytes) {
    auto view = record_batch_view::parse(bytes);
    EXPECT_TRUE(view.has_value());
    return *view;
}

// A control batch with one record of the given key and value, as a peer might send it.
std::vector<uint8_t> control_batch(std::optional<byte_view> key, std::optional<byte_view> value,
                                   batch_kind kind = batch_kind::control) {
    record_batch_settings settings;
    settings.producer_id = producer_id(5);
    settings.producer_epoch = producer_epoch(1);
    settings.transactional = transaction_mode::transactional;
    settings.kind = kind;
    record_batch_builder builder(settings);
    record_fields fields;
    fields.timestamp_ms = 10;
    fields.key = key;
    fields.value = value;
    builder.append(fields);
    return std::move(builder).build().value();
}

TEST(transaction_marker_batch, CommitMarkerBatchHasKafkasHeaderAndRecord) {
    transaction_marker marker{control_type::commit, 17};
    auto bytes =
        build_transaction_marker_batch(producer_id(1234), producer_epoch(3), marker, 1700000000000);
    auto batch = view_of(bytes);
    EXPECT_EQ(batch.base_offset(), offset(0));
    EXPECT_EQ(batch.partition_leader_epoch(), leader_epoch(-1));
    EXPECT_TRUE(batch.is_control());
    EXPECT_TRUE(batch.is_transactional());
    EXPECT_EQ(batch.codec(), compression_codec::none);
    EXPECT_EQ(batch.timestamp_type(), timestamp_type::create_time);
    EXPECT_EQ(batch.producer_id(), producer_id(1234));
    EXPECT_EQ(batch.producer_epoch(), producer_epoch(3));
    EXPECT_EQ(batch.base_sequence(), -1);
    EXPECT_EQ(batch.record_count(), 1);
    EXPECT_EQ(batch.last_offset_delta(), 0);
    EXPECT_EQ(batch.max_timestamp_ms(), 1700000000000);
    // Header, then one record: length 1, attributes 1, timestampDelta 1, offsetDelta 1,
    // key length 1 + 4, value length 1 + 6, header count 1.
    EXPECT_EQ(bytes.size(), format::header_size_bytes + 1 + 16);

    auto reader = record_reader::open(batch, 1024);
    ASSERT_TRUE(reader.has_value());
    auto control = reader->next();
    ASSERT_TRUE(control.has_value() && control->has_value());
    const std::vector<uint8_t> expected_key{0, 0, 0, 1};
    const std::vector<uint8_t> expected_value{0, 0, 0, 0, 0, 17};
    ASSERT_TRUE((*control)->key && (*control)->value);
    EXPECT_EQ(std::vector<uint8_t>((*control)->key->begin(), (*control)->key->end()), expected_key);
    EXPECT_EQ(std::vector<uint8_t>((*control)->value->begin(), (*control)->value->end()),
              expected_value);
    EXPECT_TRUE((*control)->headers.empty());
}

TEST(transaction_marker_batch, AbortAndCommitMarkersRoundTrip) {
    for (auto type : {control_type::abort, control_type::commit}) {
        transaction_marker marker{type, 2147483647};
        auto bytes = build_transaction_marker_batch(producer_id(9), producer_epoch(0), marker, 5);
        auto parsed = parse_transaction_marker(view_of(bytes));
        ASSERT_TRUE(parsed.has_value()) << parsed.error();
        EXPECT_EQ(parsed->type, type);
        EXPECT_EQ(parsed->coordinator_epoch, 2147483647);
    }
}

TEST(transaction_marker_batch, NewerKeyAndValueVersionsAreReadAsVersionZero) {
    const std::vector<uint8_t> key{0, 1, 0, 1};
    const std::vector<uint8_t> value{0, 3, 0, 0, 0, 4, 0xff, 0xff};
    auto bytes = control_batch(byte_view(key), byte_view(value));
    auto parsed = parse_transaction_marker(view_of(bytes));
    ASSERT_TRUE(parsed.has_value()) << parsed.error();
    EXPECT_EQ(parsed->type, control_type::commit);
    EXPECT_EQ(parsed->coordinator_epoch, 4);
}

TEST(transaction_marker_batch, UnknownControlTypeIsAnError) {
    auto key = encode_control_record_key(control_record_type::leader_change);
    auto value = encode_end_transaction_marker(1);
    auto bytes = control_batch(byte_view(key), byte_view(value));
    auto parsed = parse_transaction_marker(view_of(bytes));
    ASSERT_FALSE(parsed.has_value());
    EXPECT_NE(parsed.error().find("not a transaction marker"), std::string::npos);
}

TEST(transaction_marker_batch, DataBatchIsNotAMarker) {
    auto key = encode_control_record_key(control_record_type::commit);
    auto value = encode_end_transaction_marker(1);
    auto bytes = control_batch(byte_view(key), byte_view(value), batch_kind::data);
    EXPECT_FALSE(parse_transaction_marker(view_of(bytes)).has_value());
}

TEST(transaction_marker_batch, ShortOrMissingKeyAndValueAreErrors) {
    const std::vector<uint8_t> short_key{0, 0, 0};
    const std::vector<uint8_t> short_value{0, 0, 0, 0, 1};
    auto key = encode_control_record_key(control_record_type::abort);
    auto value = encode_end_transaction_marker(1);
    EXPECT_FALSE(
        parse_transaction_marker(view_of(control_batch(byte_view(short_key), byte_view(value))))
            .has_value());
    EXPECT_FALSE(
        parse_transaction_marker(view_of(control_batch(byte_view(key), byte_view(short_value))))
            .has_value());
    EXPECT_FALSE(parse_transaction_marker(view_of(control_batch(std::nullopt, byte_view(value))))
                     .has_value());
    EXPECT_FALSE(
        parse_transaction_marker(view_of(control_batch(byte_view(key), std::nullopt))).has_value());
}

TEST(transaction_marker_batch, BatchWithTwoRecordsIsNotAMarker) {
    record_batch_settings settings;
    settings.kind = batch_kind::control;
    settings.transactional = transaction_mode::transactional;
    record_batch_builder builder(settings);
    auto key = encode_control_record_key(control_record_type::commit);
    auto value = encode_end_transaction_marker(1);
    record_fields fields;
    fields.key = byte_view(key);
    fields.value = byte_view(value);
    builder.append(fields);
    builder.append(fields);
    auto bytes = std::move(builder).build().value();
    EXPECT_FALSE(parse_transaction_marker(view_of(bytes)).has_value());
}

TEST(transaction_marker_batch, CorruptRecordInsideAValidHeaderIsAnError) {
    auto bytes = build_transaction_marker_batch(producer_id(1), producer_epoch(1),
                                                {control_type::commit, 1}, 0);
    // The record's length varint claims more bytes than the batch has; skip the CRC so the
    // header still parses.
    bytes[format::records_position] = 0x7e;
    auto view = record_batch_view::parse(bytes, crc_check::skip);
    ASSERT_TRUE(view.has_value());
    EXPECT_FALSE(parse_transaction_marker(*view).has_value());
}

}  // namespace
}  // namespace samsa::protocol
