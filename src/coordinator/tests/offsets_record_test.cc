#include "coordinator/offsets_record.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <span>
#include <vector>

#include "protocol/generated/offset_commit_value.h"

namespace samsa::coordinator {
namespace {

using bytes = std::vector<uint8_t>;

std::optional<std::span<const uint8_t>> view(const bytes& data) {
    return std::span<const uint8_t>(data);
}

std::optional<std::span<const uint8_t>> view(const std::optional<bytes>& data) {
    if (!data) {
        return std::nullopt;
    }
    return std::span<const uint8_t>(*data);
}

result<offsets_record, offsets_record_error> decode(const encoded_offsets_record& record) {
    return decode_offsets_record(view(record.key), view(record.value));
}

// An int16 version followed by the struct written at that version by the generated codec.
template <typename Struct>
bytes versioned(const Struct& body, int16_t version) {
    protocol::wire_writer writer;
    writer.write_int16(version);
    body.write(writer, version);
    EXPECT_TRUE(writer.ok());
    return writer.take_bytes();
}

const offset_commit_record& as_commit(const offsets_record& record) {
    return std::get<offset_commit_record>(record);
}

offset_commit_record commit_of(offset_and_metadata value) {
    return offset_commit_record{
        .group = "g", .partition = {"orders", partition_id(3)}, .value = std::move(value)};
}

protocol::group_metadata_value stable_group() {
    protocol::group_metadata_value value;
    value.protocol_type = "consumer";
    value.generation = 4;
    value.protocol = "range";
    value.leader = "member-1";
    value.current_state_timestamp = 1700000000000;
    value.members.push_back({.member_id = "member-1",
                             .group_instance_id = "instance-1",
                             .client_id = "client",
                             .client_host = "/127.0.0.1",
                             .rebalance_timeout = 60000,
                             .session_timeout = 45000,
                             .subscription = shared_bytes::copy_of("subscription"),
                             .assignment = shared_bytes::copy_of("assignment"),
                             .unknown_tagged_fields = {}});
    return value;
}

TEST(OffsetsRecord, AnOffsetCommitIsWrittenAtKeyVersion1AndValueVersion3) {
    offset_commit_record record = commit_of({.committed_offset = offset(42),
                                             .committed_leader_epoch = leader_epoch(7),
                                             .metadata = "meta",
                                             .commit_timestamp_ms = 1000,
                                             .expire_timestamp_ms = std::nullopt});
    auto encoded = encode_offsets_record(record);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ((bytes{encoded->key[0], encoded->key[1]}), (bytes{0x00, 0x01}));
    ASSERT_TRUE(encoded->value.has_value());
    EXPECT_EQ((bytes{(*encoded->value)[0], (*encoded->value)[1]}), (bytes{0x00, 0x03}));

    auto decoded = decode(*encoded);
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    EXPECT_EQ(as_commit(*decoded), record);
}

TEST(OffsetsRecord, AnExplicitExpiryIsWrittenAtValueVersion1WithoutTheLeaderEpoch) {
    offset_commit_record record = commit_of({.committed_offset = offset(42),
                                             .committed_leader_epoch = leader_epoch(7),
                                             .metadata = "",
                                             .commit_timestamp_ms = 1000,
                                             .expire_timestamp_ms = 5000});
    auto encoded = encode_offsets_record(record);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ((bytes{(*encoded->value)[0], (*encoded->value)[1]}), (bytes{0x00, 0x01}));

    auto decoded = decode(*encoded);
    ASSERT_TRUE(decoded.has_value());
    record.value->committed_leader_epoch = leader_epoch(-1);  // version 1 has none
    EXPECT_EQ(as_commit(*decoded), record);
}

TEST(OffsetsRecord, AnOffsetTombstoneHasAKeyAndANullValue) {
    offset_commit_record record = commit_of(offset_and_metadata{});
    record.value = std::nullopt;
    auto encoded = encode_offsets_record(record);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_FALSE(encoded->value.has_value());

    auto decoded = decode(*encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(as_commit(*decoded), record);
}

TEST(OffsetsRecord, GroupMetadataIsWrittenAtKeyVersion2AndValueVersion3) {
    group_metadata_record record{.group = "g", .value = stable_group()};
    auto encoded = encode_offsets_record(record);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ((bytes{encoded->key[0], encoded->key[1]}), (bytes{0x00, 0x02}));
    EXPECT_EQ((bytes{(*encoded->value)[0], (*encoded->value)[1]}), (bytes{0x00, 0x03}));

    auto decoded = decode(*encoded);
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    EXPECT_EQ(std::get<group_metadata_record>(*decoded), record);
}

TEST(OffsetsRecord, AGroupTombstoneDecodesWithoutAValue) {
    group_metadata_record record{.group = "g", .value = std::nullopt};
    auto encoded = encode_offsets_record(record);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_FALSE(encoded->value.has_value());
    auto decoded = decode(*encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(std::get<group_metadata_record>(*decoded), record);
}

TEST(OffsetsRecord, EveryOffsetCommitValueVersionDecodes) {
    bytes key = {0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x02};
    protocol::offset_commit_value value{.offset = 9,
                                        .leader_epoch = leader_epoch(3),
                                        .metadata = "m",
                                        .commit_timestamp = 100,
                                        .expire_timestamp = 200,
                                        .unknown_tagged_fields = {}};
    for (int16_t version = 0; version <= 4; ++version) {
        SCOPED_TRACE(version);
        auto decoded = decode_offsets_record(view(key), view(versioned(value, version)));
        ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
        const offset_commit_record& record = as_commit(*decoded);
        EXPECT_EQ(record.group, "g");
        EXPECT_EQ(record.partition, (topic_partition{"t", partition_id(2)}));
        ASSERT_TRUE(record.value.has_value());
        EXPECT_EQ(record.value->committed_offset, offset(9));
        EXPECT_EQ(record.value->committed_leader_epoch, leader_epoch(version >= 3 ? 3 : -1));
        EXPECT_EQ(record.value->metadata, "m");
        EXPECT_EQ(record.value->commit_timestamp_ms, 100);
        EXPECT_EQ(record.value->expire_timestamp_ms,
                  version == 1 ? std::optional<int64_t>(200) : std::nullopt);
    }
}

TEST(OffsetsRecord, EveryGroupMetadataValueVersionDecodes) {
    bytes key = {0x00, 0x02, 0x00, 0x01, 'g'};
    protocol::group_metadata_value value = stable_group();
    for (int16_t version = 0; version <= 4; ++version) {
        SCOPED_TRACE(version);
        auto decoded = decode_offsets_record(view(key), view(versioned(value, version)));
        ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
        const auto& record = std::get<group_metadata_record>(*decoded);
        EXPECT_EQ(record.group, "g");
        ASSERT_TRUE(record.value.has_value());
        EXPECT_EQ(record.value->protocol_type, "consumer");
        EXPECT_EQ(record.value->generation, 4);
        EXPECT_EQ(record.value->current_state_timestamp, version >= 2 ? 1700000000000 : -1);
        ASSERT_EQ(record.value->members.size(), 1u);
        const auto& member = record.value->members[0];
        EXPECT_EQ(member.rebalance_timeout, version >= 1 ? 60000 : -1);
        EXPECT_EQ(member.group_instance_id,
                  version >= 3 ? std::optional<std::string>("instance-1") : std::nullopt);
        EXPECT_EQ(member.assignment, shared_bytes::copy_of("assignment"));
    }
}

// The bytes Kafka writes, built by hand from its schemas (offsets_record.h has them laid out).
TEST(OffsetsRecord, DecodesAnOffsetCommitWrittenByKafka) {
    bytes key = {0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x00};
    bytes value = {0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
                   0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8};
    auto decoded = decode_offsets_record(view(key), view(value));
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    EXPECT_EQ(as_commit(*decoded),
              (offset_commit_record{
                  .group = "g",
                  .partition = {"t", partition_id(0)},
                  .value = offset_and_metadata{.committed_offset = offset(5),
                                               .committed_leader_epoch = leader_epoch(2),
                                               .metadata = "",
                                               .commit_timestamp_ms = 1000,
                                               .expire_timestamp_ms = std::nullopt}}));

    // And Samsa writes exactly these bytes for it.
    auto encoded = encode_offsets_record(as_commit(*decoded));
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(encoded->key, key);
    EXPECT_EQ(encoded->value, value);
}

TEST(OffsetsRecord, DecodesKafkasOlderKeyAndValueVersions) {
    // Key version 0 (Kafka before 0.10.1) and value version 1 with an expire timestamp.
    bytes key = {0x00, 0x00, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x01};
    bytes value = {0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
                   0x00, 0x02, 'm',  'd',  0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                   0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc8};
    auto decoded = decode_offsets_record(view(key), view(value));
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    const offset_commit_record& record = as_commit(*decoded);
    EXPECT_EQ(record.partition, (topic_partition{"t", partition_id(1)}));
    EXPECT_EQ(record.value->committed_offset, offset(7));
    EXPECT_EQ(record.value->metadata, "md");
    EXPECT_EQ(record.value->commit_timestamp_ms, 100);
    EXPECT_EQ(record.value->expire_timestamp_ms, std::optional<int64_t>(200));
}

TEST(OffsetsRecord, DecodesAnEmptyGroupWrittenByKafka) {
    // GroupCoordinatorRecordHelpers.newEmptyGroupMetadataRecord: protocol type "",
    // generation 0, null protocol and leader, the state timestamp, no members.
    bytes key = {0x00, 0x02, 0x00, 0x01, 'g'};
    bytes value = {0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xf4, 0x00, 0x00, 0x00, 0x00};
    auto decoded = decode_offsets_record(view(key), view(value));
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    const auto& record = std::get<group_metadata_record>(*decoded);
    EXPECT_EQ(record.group, "g");
    EXPECT_EQ(record.value->protocol_type, "");
    EXPECT_EQ(record.value->protocol, std::nullopt);
    EXPECT_EQ(record.value->leader, std::nullopt);
    EXPECT_EQ(record.value->current_state_timestamp, 500);
    EXPECT_TRUE(record.value->members.empty());

    auto encoded = encode_offsets_record(record);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(encoded->value, value);
}

TEST(OffsetsRecord, AnUnknownKeyVersionIsReportedWithoutReadingTheValue) {
    bytes value = {0xde, 0xad};
    for (int16_t version : {int16_t(3), int16_t(7), int16_t(-1)}) {
        auto high = static_cast<uint8_t>(static_cast<uint16_t>(version) >> 8);
        auto low = static_cast<uint8_t>(version & 0xff);
        bytes key = {high, low, 0x01, 0x02};
        auto decoded = decode_offsets_record(view(key), view(value));
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(std::get<unknown_offsets_record>(*decoded).key_version, version);
    }
}

TEST(OffsetsRecord, ANullKeyIsAnError) {
    auto decoded = decode_offsets_record(std::nullopt, std::nullopt);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), offsets_record_error::missing_key);
}

TEST(OffsetsRecord, TruncatedKeysAreErrors) {
    for (const bytes& key : {bytes{}, bytes{0x00}, bytes{0x00, 0x01}, bytes{0x00, 0x01, 0x00},
                             bytes{0x00, 0x01, 0x00, 0x05, 'g'},
                             bytes{0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00}}) {
        auto decoded = decode_offsets_record(view(key), std::nullopt);
        ASSERT_FALSE(decoded.has_value());
        EXPECT_EQ(decoded.error(), offsets_record_error::truncated);
    }
}

TEST(OffsetsRecord, EveryTruncationOfAValueIsAnError) {
    auto encoded = encode_offsets_record(commit_of({.committed_offset = offset(1),
                                                    .committed_leader_epoch = leader_epoch(1),
                                                    .metadata = "metadata",
                                                    .commit_timestamp_ms = 1,
                                                    .expire_timestamp_ms = std::nullopt}));
    ASSERT_TRUE(encoded.has_value());
    const bytes& value = *encoded->value;
    for (std::size_t size = 0; size < value.size(); ++size) {
        bytes truncated(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(size));
        auto decoded = decode_offsets_record(view(encoded->key), view(truncated));
        ASSERT_FALSE(decoded.has_value()) << size;
        EXPECT_EQ(decoded.error(), offsets_record_error::truncated);
    }
}

TEST(OffsetsRecord, WrongLengthsAreErrors) {
    bytes key = {0x00, 0x02, 0x00, 0x01, 'g'};
    // A negative metadata string length.
    bytes negative = {0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0};
    bytes offset_key = {0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x00};
    auto decoded = decode_offsets_record(view(offset_key), view(negative));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), offsets_record_error::malformed);

    // A member count larger than the bytes there are.
    bytes members = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
                     0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x00};
    decoded = decode_offsets_record(view(key), view(members));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), offsets_record_error::malformed);

    // A group id shorter than its length says: the key ends early.
    bytes short_key = {0x00, 0x02, 0x00, 0x02, 'g'};
    decoded = decode_offsets_record(view(short_key), std::nullopt);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), offsets_record_error::truncated);
}

TEST(OffsetsRecord, TrailingBytesAreErrors) {
    bytes key = {0x00, 0x02, 0x00, 0x01, 'g', 'x'};
    auto decoded = decode_offsets_record(view(key), std::nullopt);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), offsets_record_error::trailing_bytes);

    auto encoded = encode_offsets_record(commit_of(offset_and_metadata{}));
    ASSERT_TRUE(encoded.has_value());
    bytes value = *encoded->value;
    value.push_back(0);
    decoded = decode_offsets_record(view(encoded->key), view(value));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), offsets_record_error::trailing_bytes);
}

TEST(OffsetsRecord, AnUnknownValueVersionIsAnError) {
    bytes key = {0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x00};
    for (const bytes& value : {bytes{0x00, 0x05}, bytes{0xff, 0xff}}) {
        auto decoded = decode_offsets_record(view(key), view(value));
        ASSERT_FALSE(decoded.has_value());
        EXPECT_EQ(decoded.error(), offsets_record_error::unsupported_value_version);
    }
    bytes group_key = {0x00, 0x02, 0x00, 0x01, 'g'};
    auto decoded = decode_offsets_record(view(group_key), view(bytes{0x00, 0x05}));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), offsets_record_error::unsupported_value_version);
}

// Corrupt bytes from disk: flipped bytes and cut lengths decode to a record or an error, and
// never crash or over-read (the ASan build runs this too).
TEST(OffsetsRecord, CorruptedRecordsDecodeToARecordOrAnError) {
    auto commit = encode_offsets_record(commit_of({.committed_offset = offset(1),
                                                   .committed_leader_epoch = leader_epoch(1),
                                                   .metadata = "metadata",
                                                   .commit_timestamp_ms = 1,
                                                   .expire_timestamp_ms = std::nullopt}));
    auto group =
        encode_offsets_record(group_metadata_record{.group = "g", .value = stable_group()});
    ASSERT_TRUE(commit.has_value() && group.has_value());
    std::mt19937 random(7);
    for (int round = 0; round < 20000; ++round) {
        encoded_offsets_record record = round % 2 == 0 ? *commit : *group;
        bytes& target = random() % 4 == 0 ? record.key : *record.value;
        target[random() % target.size()] = static_cast<uint8_t>(random());
        if (random() % 8 == 0) {
            target.resize(random() % target.size());
        }
        auto decoded = decode(record);
        if (!decoded.has_value()) {
            EXPECT_FALSE(to_string(decoded.error()).empty());
        }
    }
}

TEST(OffsetsRecord, AGroupIdTooLongForAnInt16LengthCannotBeEncoded) {
    offset_commit_record record = commit_of(offset_and_metadata{});
    record.group = std::string(40000, 'g');
    auto encoded = encode_offsets_record(record);
    ASSERT_FALSE(encoded.has_value());
    EXPECT_EQ(encoded.error(), offsets_record_error::too_long);
}

}  // namespace
}  // namespace samsa::coordinator
