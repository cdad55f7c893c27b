#include "cluster/metadata_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch_builder.h"

namespace samsa::cluster {
namespace {

using bytes = std::vector<uint8_t>;

const topic_id orders_id(uuid(7, 7));

std::vector<metadata_record> create_orders() {
    std::vector<metadata_record> records{
        make_metadata_record(protocol::topic_record{.name = "orders", .topic_id = orders_id})};
    for (int32_t index = 0; index < 2; ++index) {
        records.push_back(
            make_metadata_record(protocol::partition_record{.partition_id = partition_id(index),
                                                            .topic_id = orders_id,
                                                            .replicas = {node_id(1)},
                                                            .isr = {1},
                                                            .leader = node_id(1),
                                                            .leader_epoch = leader_epoch(0),
                                                            .partition_epoch = 0}));
    }
    return records;
}

const metadata_batch_settings settings{
    .base_offset = offset(40), .epoch = leader_epoch(3), .append_time_ms = 1700000000000};

bytes built(std::span<const metadata_record> records) {
    auto batch = build_metadata_batch(records, settings);
    EXPECT_TRUE(batch.has_value()) << to_string(batch.error());
    return batch ? std::move(batch).value() : bytes();
}

protocol::record_batch_view parsed(const bytes& batch) {
    auto view = protocol::record_batch_view::parse(batch);
    EXPECT_TRUE(view.has_value());
    return *view;
}

// A data batch whose one record has the given key and value, written without the metadata
// helpers so that it can break their rules.
bytes raw_batch(std::optional<bytes> key, std::optional<bytes> value,
                std::span<const protocol::record_header> headers = {}) {
    protocol::record_batch_builder builder({.base_offset = offset(0)});
    protocol::record_fields fields{.timestamp_ms = 0, .headers = headers};
    if (key) {
        fields.key = protocol::byte_view(*key);
    }
    if (value) {
        fields.value = protocol::byte_view(*value);
    }
    builder.append(fields);
    return std::move(builder).build().value();
}

metadata_batch_error read_error(const bytes& batch) {
    auto records = read_metadata_batch(parsed(batch));
    EXPECT_FALSE(records.has_value());
    return records ? metadata_batch_error::no_records : records.error();
}

TEST(MetadataBatch, RecordsComeBackInOrder) {
    auto records = create_orders();
    bytes batch = built(records);
    auto read = read_metadata_batch(parsed(batch));
    ASSERT_TRUE(read.has_value()) << to_string(read.error());
    EXPECT_EQ(*read, records);
}

TEST(MetadataBatch, IsAnUncompressedDataBatchWithNullKeysAtTheWritersEpoch) {
    bytes batch = built(create_orders());
    auto view = parsed(batch);
    EXPECT_EQ(view.base_offset(), offset(40));
    EXPECT_EQ(view.last_offset(), offset(42));
    EXPECT_EQ(view.record_count(), 3);
    EXPECT_EQ(view.partition_leader_epoch(), leader_epoch(3));
    EXPECT_EQ(view.codec(), protocol::compression_codec::none);
    EXPECT_FALSE(view.is_control());
    EXPECT_FALSE(view.is_transactional());
    EXPECT_EQ(view.producer_id(), producer_id(-1));
    EXPECT_EQ(view.max_timestamp_ms(), 1700000000000);

    auto reader = protocol::record_reader::open(view, max_metadata_batch_bytes);
    ASSERT_TRUE(reader.has_value());
    auto first = reader->next();
    ASSERT_TRUE(first.has_value() && first->has_value());
    EXPECT_FALSE((*first)->key.has_value());
    EXPECT_TRUE((*first)->headers.empty());
    EXPECT_EQ(protocol::record_timestamp_ms(view, **first), 1700000000000);
}

TEST(MetadataBatch, ProvenanceIsTheLastOffsetTheEpochAndTheAppendTime) {
    bytes batch = built(create_orders());
    EXPECT_EQ(provenance_of(parsed(batch)),
              (metadata_provenance{.last_offset = offset(42),
                                   .last_epoch = leader_epoch(3),
                                   .last_append_time_ms = 1700000000000}));
}

TEST(MetadataBatch, NoRecordsMakeNoBatch) {
    auto batch = build_metadata_batch({}, settings);
    ASSERT_FALSE(batch.has_value());
    EXPECT_EQ(batch.error(), metadata_batch_error::no_records);
}

TEST(MetadataBatch, BatchOverTheLimitIsRefused) {
    std::string large(1024 * 1024, 'x');
    std::vector<metadata_record> records;
    for (int index = 0; index < 9; ++index) {
        records.push_back(make_metadata_record(protocol::config_record{
            .resource_type = 2, .resource_name = "orders", .name = "c", .value = large}));
    }
    auto batch = build_metadata_batch(records, settings);
    ASSERT_FALSE(batch.has_value());
    EXPECT_EQ(batch.error(), metadata_batch_error::batch_too_large);
}

TEST(MetadataBatch, ControlBatchHoldsNoMetadataRecords) {
    protocol::record_batch_builder builder(
        {.base_offset = offset(5), .kind = protocol::batch_kind::control});
    auto key = protocol::encode_control_record_key(protocol::control_record_type::leader_change);
    bytes value = {0x00, 0x00};
    builder.append(
        {.timestamp_ms = 0, .key = protocol::byte_view(key), .value = protocol::byte_view(value)});
    bytes batch = std::move(builder).build().value();
    auto records = read_metadata_batch(parsed(batch));
    ASSERT_TRUE(records.has_value());
    EXPECT_TRUE(records->empty());
}

TEST(MetadataBatch, RecordWithAKeyFailsTheBatch) {
    bytes value = encode_metadata_record(make_metadata_record(protocol::no_op_record{}));
    EXPECT_EQ(read_error(raw_batch(bytes{0x01}, value)), metadata_batch_error::unexpected_key);
}

TEST(MetadataBatch, RecordWithoutAValueFailsTheBatch) {
    EXPECT_EQ(read_error(raw_batch(std::nullopt, std::nullopt)),
              metadata_batch_error::missing_value);
    EXPECT_EQ(read_error(raw_batch(std::nullopt, bytes{})), metadata_batch_error::missing_value);
}

TEST(MetadataBatch, RecordWithHeadersFailsTheBatch) {
    bytes value = encode_metadata_record(make_metadata_record(protocol::no_op_record{}));
    std::string_view header_key = "h";
    protocol::record_header header{
        .key = protocol::byte_view(reinterpret_cast<const uint8_t*>(header_key.data()),
                                   header_key.size())};
    EXPECT_EQ(read_error(raw_batch(std::nullopt, value, std::span(&header, 1))),
              metadata_batch_error::unexpected_headers);
}

TEST(MetadataBatch, ValueThatIsNoMetadataRecordFailsTheBatch) {
    EXPECT_EQ(read_error(raw_batch(std::nullopt, bytes{0x01, 0x7f, 0x00})),
              metadata_batch_error::bad_metadata_record);
}

}  // namespace
}  // namespace samsa::cluster
