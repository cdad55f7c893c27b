// Malformed input at the level of single primitives: every length and count is checked
// against the bytes left, and failures are sticky. Records that stay in files (external
// shared_bytes) leave gaps where their bytes belong.

#include <gtest/gtest.h>

#include <vector>

#include "protocol/generated/api_versions_request.h"
#include "protocol/generated/fetch_response.h"
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

// The largest tag there is (found by request_fuzzer): written back, not dropped.
TEST(GeneratedCodec, UnknownTaggedFieldWithTheLargestTagSurvivesRoundTrip) {
    auto frame = std::vector<uint8_t>{0x02, 'a',  0x02, 'b',  0x02, 0x09, 0x01, 0xca,
                                      0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0xfe};
    auto reader = reader_of(frame);
    api_versions_request request;
    request.read(reader, 3);
    ASSERT_TRUE(reader.ok());
    ASSERT_EQ(request.unknown_tagged_fields.size(), 2u);
    EXPECT_EQ(request.unknown_tagged_fields[1].tag, UINT32_MAX);
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

std::vector<uint8_t> bytes_of(std::string_view text) {
    return std::vector<uint8_t>(text.begin(), text.end());
}

TEST(SharedBytes, ExternalHasASizeButNoBytes) {
    auto external = shared_bytes::external(5);
    EXPECT_TRUE(external.is_external());
    EXPECT_EQ(external.size(), 5u);
    EXPECT_FALSE(external.empty());
    EXPECT_EQ(external.data(), nullptr);
    EXPECT_FALSE(shared_bytes::copy_of("abcde").is_external());
}

TEST(SharedBytes, ExternalValuesAreEqualByDeclaredSizeAndNeverEqualToHeldBytes) {
    EXPECT_EQ(shared_bytes::external(5), shared_bytes::external(5));
    EXPECT_NE(shared_bytes::external(5), shared_bytes::external(6));
    EXPECT_NE(shared_bytes::external(5), shared_bytes::copy_of("abcde"));
    EXPECT_NE(shared_bytes::external(0), shared_bytes());
}

TEST(SharedBytesDeathTest, ReadingExternalBytesAborts) {
    auto external = shared_bytes::external(3);
    EXPECT_DEATH((void)external.span(), "external");
    EXPECT_DEATH((void)external.slice(0, 1), "external");
}

TEST(WireWriter, HeldRecordsAreWrittenLikeBytes) {
    for (bool compact : {false, true}) {
        wire_writer expected;
        expected.write_bytes(bytes_of("abc"), compact);
        wire_writer writer;
        writer.write_records(shared_bytes::copy_of("abc"), compact);
        writer.write_records(std::optional<shared_bytes>(shared_bytes::copy_of("abc")), compact);
        expected.write_bytes(bytes_of("abc"), compact);
        EXPECT_EQ(writer.bytes(), expected.bytes());
        EXPECT_TRUE(writer.external_gaps().empty());
    }
}

TEST(WireWriter, NullRecordsAreWrittenLikeNullBytes) {
    for (bool compact : {false, true}) {
        wire_writer expected;
        expected.write_nullable_bytes(std::nullopt, compact);
        wire_writer writer;
        writer.write_records(std::nullopt, compact);
        EXPECT_EQ(writer.bytes(), expected.bytes());
        EXPECT_TRUE(writer.external_gaps().empty());
    }
}

TEST(WireWriter, ExternalRecordsWriteTheirLengthAndLeaveAGap) {
    wire_writer writer;
    writer.write_int16(7);
    writer.write_records(shared_bytes::external(300), false);
    writer.write_int8(1);
    EXPECT_EQ(writer.bytes(), (std::vector<uint8_t>{0x00, 0x07, 0x00, 0x00, 0x01, 0x2c, 0x01}));
    EXPECT_EQ(writer.external_gaps(),
              (std::vector<external_gap>{{.position = 6, .size_bytes = 300}}));
    EXPECT_TRUE(writer.ok());
}

TEST(WireWriter, CompactExternalRecordsWriteLengthPlusOne) {
    wire_writer writer;
    writer.write_records(std::optional<shared_bytes>(shared_bytes::external(300)), true);
    // 301 as an unsigned varint.
    EXPECT_EQ(writer.bytes(), (std::vector<uint8_t>{0xad, 0x02}));
    EXPECT_EQ(writer.external_gaps(),
              (std::vector<external_gap>{{.position = 2, .size_bytes = 300}}));
}

TEST(WireWriter, ExternalRecordsOfNoBytesStillLeaveAGap) {
    wire_writer writer;
    writer.write_records(shared_bytes::external(0), false);
    EXPECT_EQ(writer.bytes(), (std::vector<uint8_t>{0x00, 0x00, 0x00, 0x00}));
    EXPECT_EQ(writer.external_gaps(),
              (std::vector<external_gap>{{.position = 4, .size_bytes = 0}}));
}

TEST(WireWriter, ExternalRecordsTooLongForTheLengthFail) {
    wire_writer writer;
    writer.write_records(shared_bytes::external(std::size_t{1} << 31), false);
    EXPECT_EQ(writer.error(), encode_error::too_long);
    EXPECT_TRUE(writer.external_gaps().empty());
}

// Splices `contents`, in order, into the writer's gaps: what the connection sends.
std::vector<uint8_t> splice(const wire_writer& writer, const std::vector<std::string>& contents) {
    std::vector<uint8_t> spliced;
    std::size_t from = 0;
    EXPECT_EQ(writer.external_gaps().size(), contents.size());
    for (std::size_t index = 0; index < writer.external_gaps().size(); ++index) {
        const auto& gap = writer.external_gaps()[index];
        EXPECT_EQ(gap.size_bytes, contents[index].size());
        spliced.insert(spliced.end(), writer.bytes().begin() + static_cast<std::ptrdiff_t>(from),
                       writer.bytes().begin() + static_cast<std::ptrdiff_t>(gap.position));
        spliced.insert(spliced.end(), contents[index].begin(), contents[index].end());
        from = gap.position;
    }
    spliced.insert(spliced.end(), writer.bytes().begin() + static_cast<std::ptrdiff_t>(from),
                   writer.bytes().end());
    return spliced;
}

TEST(GeneratedCodec, FetchResponseWithExternalRecordsDecodesOnceTheBytesAreSpliced) {
    for (int16_t version : {int16_t(4), int16_t(12), int16_t(16)}) {
        fetch_response response;
        auto& topic = response.responses.emplace_back();
        topic.topic = "orders";
        topic.topic_id = topic_id(uuid(1, 2));
        topic.partitions.resize(4);
        topic.partitions[0].records = shared_bytes::external(5);
        topic.partitions[1].records = shared_bytes::copy_of("held");
        topic.partitions[2].records = std::nullopt;
        topic.partitions[3].records = shared_bytes::external(3);
        wire_writer writer;
        response.write(writer, version);
        ASSERT_TRUE(writer.ok());
        ASSERT_EQ(writer.external_gaps().size(), 2u);

        wire_reader reader(shared_bytes(splice(writer, {"first", "end"})));
        fetch_response decoded;
        decoded.read(reader, version);
        ASSERT_TRUE(reader.ok()) << "v" << version;
        EXPECT_EQ(reader.remaining(), 0u);
        const auto& partitions = decoded.responses.at(0).partitions;
        ASSERT_EQ(partitions.size(), 4u);
        EXPECT_EQ(partitions[0].records, shared_bytes::copy_of("first"));
        EXPECT_EQ(partitions[1].records, shared_bytes::copy_of("held"));
        EXPECT_EQ(partitions[2].records, std::nullopt);
        EXPECT_EQ(partitions[3].records, shared_bytes::copy_of("end"));
    }
}

}  // namespace
}  // namespace samsa::protocol
