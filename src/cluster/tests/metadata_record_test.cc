#include "cluster/metadata_record.h"

#include <gtest/gtest.h>

#include <vector>

namespace samsa::cluster {
namespace {

using bytes = std::vector<uint8_t>;

const topic_id orders_id(uuid(0x0102030405060708, 0x090a0b0c0d0e0f10));

std::vector<node_id> nodes(std::initializer_list<int32_t> ids) {
    std::vector<node_id> result;
    for (int32_t id : ids) {
        result.emplace_back(id);
    }
    return result;
}

// One record of every type Samsa replays, with every field its newest version has set to
// something other than its default.
std::vector<metadata_record> one_of_each_type() {
    protocol::register_broker_record broker{
        .broker_id = node_id(3),
        .incarnation_id = uuid(11, 12),
        .broker_epoch = 42,
        .end_points =
            {{.name = "PLAINTEXT", .host = "10.0.0.3", .port = 9092, .security_protocol = 0},
             {.name = "SSL", .host = "10.0.0.3", .port = 9093, .security_protocol = 1}},
        .features = {{.name = "metadata.version",
                      .min_supported_version = 1,
                      .max_supported_version = 21}},
        .rack = "rack-a",
        .fenced = false,
        .in_controlled_shutdown = true,
        .log_dirs = {uuid(5, 6)}};
    protocol::partition_record partition{.partition_id = partition_id(2),
                                         .topic_id = orders_id,
                                         .replicas = {node_id(1), node_id(2), node_id(3)},
                                         .isr = {1, 2},
                                         .removing_replicas = {node_id(3)},
                                         .adding_replicas = {node_id(4)},
                                         .leader = node_id(1),
                                         .leader_recovery_state = 1,
                                         .leader_epoch = leader_epoch(7),
                                         .partition_epoch = 9,
                                         .directories = {uuid(1, 1), uuid(2, 2), uuid(3, 3)},
                                         .eligible_leader_replicas = nodes({2}),
                                         .last_known_elr = nodes({3})};
    protocol::partition_change_record change{
        .partition_id = partition_id(2),
        .topic_id = orders_id,
        .isr = nodes({1}),
        .leader = node_id(1),
        .replicas = nodes({1, 2}),
        .removing_replicas = nodes({}),
        .adding_replicas = nodes({}),
        .leader_recovery_state = 0,
        .directories = std::vector<uuid>{uuid(1, 1), uuid(2, 2)},
        .eligible_leader_replicas = nodes({2}),
        .last_known_elr = nodes({})};
    return {
        make_metadata_record(broker),
        make_metadata_record(protocol::topic_record{.name = "orders", .topic_id = orders_id}),
        make_metadata_record(partition),
        make_metadata_record(protocol::config_record{.resource_type = 2,
                                                     .resource_name = "orders",
                                                     .name = "retention.ms",
                                                     .value = std::nullopt}),
        make_metadata_record(change),
        make_metadata_record(protocol::remove_topic_record{.topic_id = orders_id}),
        make_metadata_record(
            protocol::feature_level_record{.name = "metadata.version", .feature_level = 21}),
        make_metadata_record(protocol::no_op_record{}),
    };
}

// A record with every field at its default, which every version of its schema can carry.
template <typename Record>
void expect_every_version_round_trips() {
    using traits = protocol::message_traits<Record>;
    for (int16_t version = traits::min_version; version <= traits::max_version; ++version) {
        metadata_record record = make_metadata_record(Record{}, version);
        auto decoded = decode_metadata_record(encode_metadata_record(record));
        ASSERT_TRUE(decoded.has_value()) << traits::name << " v" << version;
        EXPECT_EQ(*decoded, record) << traits::name << " v" << version;
    }
}

template <typename... Records>
void expect_every_version_of_every_type_round_trips(std::variant<Records...>*) {
    (expect_every_version_round_trips<Records>(), ...);
}

// TopicRecord v0 {name "foo", topicId orders_id} as Kafka's MetadataRecordSerde writes it,
// built by hand from metadata/TopicRecord.json.
const bytes kafka_topic_record_v0 = {
    0x01,                                            // frame version 1
    0x02,                                            // type: TopicRecord
    0x00,                                            // version 0
    0x04, 'f',  'o',  'o',                           // Name: compact string, length + 1
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // TopicId: most significant bits
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,  //          least significant bits
    0x00,                                            // no tagged fields
};

TEST(MetadataRecord, EveryTypeRoundTripsAtItsNewestVersion) {
    for (const metadata_record& record : one_of_each_type()) {
        bytes encoded = encode_metadata_record(record);
        auto decoded = decode_metadata_record(encoded);
        ASSERT_TRUE(decoded.has_value())
            << record_type_name(record) << ": " << to_string(decoded.error());
        EXPECT_EQ(*decoded, record) << record_type_name(record);
        EXPECT_EQ(decoded->version, record.version);
    }
}

TEST(MetadataRecord, EveryVersionOfEveryTypeRoundTrips) {
    expect_every_version_of_every_type_round_trips(static_cast<metadata_record_body*>(nullptr));
}

TEST(MetadataRecord, NewestVersionsAreTheSchemas) {
    auto records = one_of_each_type();
    EXPECT_EQ(records[0].version, 3);  // RegisterBrokerRecord
    EXPECT_EQ(records[2].version, 2);  // PartitionRecord
    EXPECT_EQ(records[4].version, 2);  // PartitionChangeRecord
    EXPECT_EQ(records[1].version, 0);  // TopicRecord
}

TEST(MetadataRecord, TypeAndNameComeFromTheSchema) {
    std::vector<std::pair<int16_t, std::string_view>> seen;
    for (const metadata_record& record : one_of_each_type()) {
        seen.emplace_back(record_type(record), record_type_name(record));
    }
    std::vector<std::pair<int16_t, std::string_view>> expected{
        {0, "RegisterBrokerRecord"},  {2, "TopicRecord"},
        {3, "PartitionRecord"},       {4, "ConfigRecord"},
        {5, "PartitionChangeRecord"}, {9, "RemoveTopicRecord"},
        {12, "FeatureLevelRecord"},   {20, "NoOpRecord"}};
    EXPECT_EQ(seen, expected);
}

TEST(MetadataRecord, EncodesTopicRecordV0ByteForByteAsKafka) {
    metadata_record record =
        make_metadata_record(protocol::topic_record{.name = "foo", .topic_id = orders_id});
    EXPECT_EQ(encode_metadata_record(record), kafka_topic_record_v0);
}

TEST(MetadataRecord, DecodesTopicRecordV0AsKafkaWritesIt) {
    auto decoded = decode_metadata_record(kafka_topic_record_v0);
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    EXPECT_EQ(decoded->version, 0);
    const auto* topic = std::get_if<protocol::topic_record>(&decoded->body);
    ASSERT_NE(topic, nullptr);
    EXPECT_EQ(topic->name, "foo");
    EXPECT_EQ(topic->topic_id, orders_id);
}

TEST(MetadataRecord, PartitionChangeCarriesOnlyTheChangedFieldsAsTaggedFields) {
    protocol::partition_change_record change{
        .partition_id = partition_id(1), .topic_id = orders_id, .leader = node_id(2)};
    const bytes expected = {
        0x01, 0x05, 0x00,                                // frame 1, PartitionChangeRecord, v0
        0x00, 0x00, 0x00, 0x01,                          // PartitionId
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // TopicId
        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,  //
        0x01,                                            // one tagged field:
        0x01, 0x04, 0x00, 0x00, 0x00, 0x02,              //   tag 1 (Leader), 4 bytes, 2
    };
    EXPECT_EQ(encode_metadata_record(make_metadata_record(change, 0)), expected);
    auto decoded = decode_metadata_record(expected);
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    const auto& body = std::get<protocol::partition_change_record>(decoded->body);
    EXPECT_EQ(body.leader, node_id(2));
    EXPECT_FALSE(body.isr.has_value());  // absent: unchanged
    EXPECT_EQ(body.leader_recovery_state, -1);
}

TEST(MetadataRecord, FrameVersionZeroIsRefused) {
    bytes value = kafka_topic_record_v0;
    value[0] = 0x00;
    auto decoded = decode_metadata_record(value);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), metadata_record_error::unsupported_frame_version);
}

TEST(MetadataRecord, UnknownFrameVersionIsRefusedBeforeAnythingElseIsRead) {
    auto decoded = decode_metadata_record(bytes{0x0f});
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), metadata_record_error::unsupported_frame_version);
}

TEST(MetadataRecord, UnknownRecordTypeIsAnError) {
    // 0xff 0x7f is type 16383 (Kafka's testParsingUnsupportedApiKey); 1 is
    // UnregisterBrokerRecord and 17 BrokerRegistrationChangeRecord, which Samsa does not
    // replay; 70000 does not fit an int16.
    for (const bytes& value :
         {bytes{0x01, 0xff, 0x7f, 0x00, 0x80}, bytes{0x01, 0x01, 0x00, 0x00},
          bytes{0x01, 0x11, 0x00, 0x00}, bytes{0x01, 0xf0, 0xa2, 0x04, 0x00}}) {
        auto decoded = decode_metadata_record(value);
        ASSERT_FALSE(decoded.has_value());
        EXPECT_EQ(decoded.error(), metadata_record_error::unknown_record_type);
    }
}

TEST(MetadataRecord, VersionOutsideTheSchemaIsAnError) {
    bytes value = kafka_topic_record_v0;
    value[2] = 0x01;  // TopicRecord has only version 0
    auto decoded = decode_metadata_record(value);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), metadata_record_error::unsupported_version);
}

TEST(MetadataRecord, VersionTooLargeForAnInt16IsAnError) {
    // Kafka's testParsingVersionTooLarge: version 0x0fffffff.
    auto decoded = decode_metadata_record(bytes{0x01, 0x08, 0xff, 0xff, 0xff, 0x7f, 0x80});
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), metadata_record_error::unsupported_version);
}

TEST(MetadataRecord, OverlongHeaderVarintsAreErrors) {
    // Kafka's testParsingMalformed{FrameVersion,MessageType,MessageVersion}Varint.
    for (const bytes& value : {bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
                               bytes{0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
                               bytes{0x01, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80}}) {
        auto decoded = decode_metadata_record(value);
        ASSERT_FALSE(decoded.has_value());
        EXPECT_EQ(decoded.error(), metadata_record_error::bad_varint);
    }
}

TEST(MetadataRecord, EmptyValueIsTruncated) {
    auto decoded = decode_metadata_record(bytes{});
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), metadata_record_error::truncated);
}

TEST(MetadataRecord, EveryTruncationOfEveryTypeIsAnError) {
    for (const metadata_record& record : one_of_each_type()) {
        bytes encoded = encode_metadata_record(record);
        for (std::size_t length = 0; length < encoded.size(); ++length) {
            auto decoded = decode_metadata_record(std::span(encoded).first(length));
            EXPECT_FALSE(decoded.has_value())
                << record_type_name(record) << " cut to " << length << " bytes";
        }
    }
}

TEST(MetadataRecord, MalformedBodyIsAnError) {
    // Kafka's testParsingMalformedMessage: a RegisterBrokerRecord v0 of one stray byte.
    auto decoded = decode_metadata_record(bytes{0x01, 0x00, 0x00, 0x80});
    EXPECT_FALSE(decoded.has_value());
}

TEST(MetadataRecord, CountLargerThanTheValueIsMalformed) {
    // A PartitionRecord whose Replicas claim 2^20 entries in a few bytes.
    bytes value = {0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00};
    value.insert(value.end(), 16, 0x07);            // TopicId
    value.insert(value.end(), {0x81, 0x80, 0x40});  // compact array length 2^20
    value.insert(value.end(), 8, 0x00);
    auto decoded = decode_metadata_record(value);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), metadata_record_error::malformed_record);
}

TEST(MetadataRecord, BytesAfterTheRecordAreAnError) {
    // Kafka's testParsingRecordWithGarbageAtEnd.
    bytes value = encode_metadata_record(make_metadata_record(
        protocol::register_broker_record{.broker_id = node_id(1), .broker_epoch = 2}, 0));
    value.push_back(0x00);
    auto decoded = decode_metadata_record(value);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), metadata_record_error::trailing_bytes);
}

TEST(MetadataRecord, UnknownTaggedFieldsSurviveARoundTrip) {
    // A TopicRecord from a newer writer with tagged field 7 = {0xaa, 0xbb}.
    bytes value = kafka_topic_record_v0;
    value.back() = 0x01;
    value.insert(value.end(), {0x07, 0x02, 0xaa, 0xbb});
    auto decoded = decode_metadata_record(value);
    ASSERT_TRUE(decoded.has_value()) << to_string(decoded.error());
    EXPECT_EQ(encode_metadata_record(*decoded), value);
}

}  // namespace
}  // namespace samsa::cluster
