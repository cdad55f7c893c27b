// Malformed input at the level of single primitives: every length and count is checked
// against the bytes left, and failures are sticky.

#include <gtest/gtest.h>

#include <vector>

#include "protocol/generated/api_versions_request.h"
#include "protocol/generated/metadata_request.h"
#include "protocol/generated/produce_request.h"
#include "protocol/wire_reader.h"
#include "protocol/wire_writer.h"

namespace samsa::protocol {
namespace {

wire_reader reader_of(std::vector<uint8_t> bytes) {
    return wire_reader(shared_bytes(std::move(bytes)));
}

TEST(WireReader, TruncatedIntegerFailsAndStaysFailed) {
    auto reader = reader_of({0x00, 0x01, 0x02});
    EXPECT_EQ(reader.read_int32(), 0);
    EXPECT_EQ(reader.error(), decode_error::truncated);
    EXPECT_EQ(reader.read_int8(), 0);
    EXPECT_FALSE(reader.ok());
}

TEST(WireReader, StringLengthPastEndIsRejected) {
    auto reader = reader_of({0x00, 0x05, 'a', 'b'});
    reader.read_string(false);
    EXPECT_EQ(reader.error(), decode_error::truncated);
}

TEST(WireReader, NegativeStringLengthIsRejected) {
    auto reader = reader_of({0xff, 0xfe, 'a'});
    reader.read_nullable_string(false);
    EXPECT_EQ(reader.error(), decode_error::negative_length);
}

TEST(WireReader, NullWhereNotNullableIsRejected) {
    auto reader = reader_of({0xff, 0xff});
    reader.read_string(false);
    EXPECT_EQ(reader.error(), decode_error::negative_length);
}

TEST(WireReader, CompactNullStringIsNull) {
    auto reader = reader_of({0x00});
    EXPECT_FALSE(reader.read_nullable_string(true).has_value());
    EXPECT_TRUE(reader.ok());
}

TEST(WireReader, HugeArrayCountIsRejectedBeforeAllocating) {
    auto reader = reader_of({0x7f, 0xff, 0xff, 0xff, 0x00});
    EXPECT_EQ(reader.read_array_length(false, 4), 0);
    EXPECT_EQ(reader.error(), decode_error::length_past_end);
}

TEST(WireReader, ArrayCountIsBoundedByMinimumElementSize) {
    // Two bytes left can hold two 1-byte elements but not one 4-byte element.
    auto ok = reader_of({0x00, 0x00, 0x00, 0x02, 0x01, 0x02});
    EXPECT_EQ(ok.read_array_length(false, 1), 2);
    auto too_many = reader_of({0x00, 0x00, 0x00, 0x01, 0x01, 0x02});
    too_many.read_array_length(false, 4);
    EXPECT_EQ(too_many.error(), decode_error::length_past_end);
}

TEST(WireReader, NegativeArrayCountBelowNullIsRejected) {
    auto reader = reader_of({0xff, 0xff, 0xff, 0xfe});
    reader.read_array_length(false, 1);
    EXPECT_EQ(reader.error(), decode_error::negative_length);
}

TEST(WireReader, UnterminatedVarintIsTruncated) {
    auto reader = reader_of({0x80, 0x80});
    reader.read_unsigned_varint();
    EXPECT_EQ(reader.error(), decode_error::truncated);
}

TEST(WireReader, OverlongVarintIsRejected) {
    auto reader = reader_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
    reader.read_unsigned_varint();
    EXPECT_EQ(reader.error(), decode_error::bad_varint);
}

TEST(WireReader, VarintOverflowingThirtyTwoBitsIsRejected) {
    auto reader = reader_of({0xff, 0xff, 0xff, 0xff, 0x1f});
    reader.read_unsigned_varint();
    EXPECT_EQ(reader.error(), decode_error::bad_varint);
}

TEST(WireReader, BytesAreSlicesOfTheFrame) {
    auto frame = shared_bytes(std::vector<uint8_t>{0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb});
    wire_reader reader(frame);
    auto bytes = reader.read_bytes(false);
    EXPECT_EQ(bytes.data(), frame.data() + 4);
    EXPECT_EQ(bytes.size(), 2u);
}

TEST(GeneratedCodec, ProduceRequestWithHugeTopicCountFailsCleanly) {
    // acks, timeout, then a topic count of 2^31-1 with nothing behind it.
    auto reader = reader_of({0xff, 0xff, 0x00, 0x00, 0x75, 0x30, 0x7f, 0xff, 0xff, 0xff});
    produce_request request;
    request.read(reader, 2);
    EXPECT_EQ(reader.error(), decode_error::length_past_end);
    EXPECT_TRUE(request.topic_data.empty());
}

TEST(GeneratedCodec, TaggedFieldSizePastEndIsRejected) {
    // ApiVersionsRequest v3: client name, client version, then 1 tagged field claiming
    // 100 bytes.
    auto reader = reader_of({0x02, 'a', 0x02, 'b', 0x01, 0x05, 0x64, 0x00});
    api_versions_request request;
    request.read(reader, 3);
    EXPECT_EQ(reader.error(), decode_error::length_past_end);
}

TEST(GeneratedCodec, UnknownTaggedFieldsSurviveRoundTrip) {
    auto frame = std::vector<uint8_t>{0x02, 'a', 0x02, 'b', 0x01, 0x09, 0x02, 0xca, 0xfe};
    auto reader = reader_of(frame);
    api_versions_request request;
    request.read(reader, 3);
    ASSERT_TRUE(reader.ok());
    ASSERT_EQ(request.unknown_tagged_fields.size(), 1u);
    EXPECT_EQ(request.unknown_tagged_fields[0].tag, 9u);
    wire_writer writer;
    request.write(writer, 3);
    EXPECT_EQ(writer.bytes(), frame);
}

TEST(GeneratedCodec, NonIgnorableFieldAbsentFromVersionCannotBeWritten) {
    metadata_request request;
    request.allow_auto_topic_creation = false;  // exists from v4 on, not ignorable
    wire_writer writer;
    request.write(writer, 3);
    EXPECT_EQ(writer.error(), encode_error::field_not_in_version);
}

TEST(GeneratedCodec, NullWhereVersionHasNoNullIsAnEncodeError) {
    metadata_request request;
    request.topics = std::nullopt;  // nullable only from v1
    wire_writer writer;
    request.write(writer, 0);
    EXPECT_EQ(writer.error(), encode_error::null_not_allowed);
}

}  // namespace
}  // namespace samsa::protocol
