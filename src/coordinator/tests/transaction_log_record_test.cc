#include "coordinator/transaction_log_record.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <span>
#include <vector>

#include "protocol/generated/transaction_log_value.h"
#include "protocol/wire_writer.h"

namespace samsa::coordinator {
namespace {

using bytes = std::vector<uint8_t>;

std::optional<std::span<const uint8_t>> view(const std::optional<bytes>& data) {
    if (!data) {
        return std::nullopt;
    }
    return std::span<const uint8_t>(*data);
}

transaction_transit ongoing_transit() {
    return transaction_transit{.current_producer_id = producer_id(7),
                               .last_producer_id = no_producer_id,
                               .epoch = producer_epoch(2),
                               .last_epoch = no_producer_epoch,
                               .timeout_ms = 60000,
                               .state = transaction_state::ongoing,
                               .partitions = {{"t", partition_id(0)}},
                               .start_ms = 900,
                               .last_update_ms = 1000};
}

encoded_transaction_log_record encode(const transaction_log_record& record) {
    auto encoded = encode_transaction_log_record(record);
    EXPECT_TRUE(encoded.has_value());
    return *encoded;
}

result<decoded_transaction_log_record, transaction_log_error> decode(
    const std::optional<bytes>& key, const std::optional<bytes>& value) {
    return decode_transaction_log_record(view(key), view(value));
}

bytes value_at_version(const protocol::transaction_log_value& value, int16_t version) {
    protocol::wire_writer writer;
    writer.write_int16(version);
    value.write(writer, version);
    EXPECT_TRUE(writer.ok());
    return writer.take_bytes();
}

protocol::transaction_log_value ongoing_value() {
    protocol::transaction_log_value value;
    value.producer_id = 7;
    value.producer_epoch = producer_epoch(2);
    value.transaction_timeout_ms = 60000;
    value.transaction_status = state_id(transaction_state::ongoing);
    value.transaction_partitions.emplace().push_back(
        {.topic = "t", .partition_ids = {partition_id(0)}, .unknown_tagged_fields = {}});
    value.transaction_last_update_timestamp_ms = 1000;
    value.transaction_start_timestamp_ms = 900;
    return value;
}

TEST(TransactionLogRecord, IsWrittenAtKeyVersion0AndValueVersion0AsKafkaWritesIt) {
    auto encoded = encode({.transactional_id = "tx", .value = ongoing_transit()});
    EXPECT_EQ(encoded.key, (bytes{0x00, 0x00, 0x00, 0x02, 't', 'x'}));
    bytes expected_value{0x00, 0x00,                                       // version 0
                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,   // producer id
                         0x00, 0x02,                                       // epoch
                         0x00, 0x00, 0xea, 0x60,                           // timeout 60000
                         0x01,                                             // Ongoing
                         0x00, 0x00, 0x00, 0x01,                           // one topic
                         0x00, 0x01, 't',                                  // "t"
                         0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,   // [0]
                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,   // updated 1000
                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x84};  // started 900
    EXPECT_EQ(encoded.value, expected_value);
}

TEST(TransactionLogRecord, RoundTripsPartitionsOfSeveralTopics) {
    transaction_transit transit = ongoing_transit();
    transit.state = transaction_state::prepare_commit;
    transit.partitions = {{"a", partition_id(2)}, {"a", partition_id(0)}, {"b", partition_id(1)}};
    auto encoded = encode({.transactional_id = "tx", .value = transit});
    auto decoded = decode(encoded.key, encoded.value);
    ASSERT_TRUE(decoded.has_value());
    const auto& record = std::get<transaction_log_record>(*decoded);
    EXPECT_EQ(record.transactional_id, "tx");
    ASSERT_TRUE(record.value.has_value());
    EXPECT_EQ(*record.value, transit);
}

TEST(TransactionLogRecord, AnEmptyTransactionHasNullPartitions) {
    transaction_transit transit = ongoing_transit();
    transit.state = transaction_state::empty;
    transit.partitions.clear();
    transit.start_ms = -1;
    auto encoded = encode({.transactional_id = "tx", .value = transit});
    ASSERT_TRUE(encoded.value.has_value());
    // version, producer id, epoch, timeout, status, then the partitions' count: -1.
    bytes count(encoded.value->begin() + 17, encoded.value->begin() + 21);
    EXPECT_EQ(count, (bytes{0xff, 0xff, 0xff, 0xff}));
    auto decoded = decode(encoded.key, encoded.value);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(std::get<transaction_log_record>(*decoded).value, transit);
}

TEST(TransactionLogRecord, PartitionsOfAnEmptyTransactionAreIgnoredAsKafkaDoes) {
    protocol::transaction_log_value value = ongoing_value();
    value.transaction_status = state_id(transaction_state::empty);
    auto key = encode({.transactional_id = "tx", .value = std::nullopt}).key;
    auto decoded = decode(key, value_at_version(value, 0));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_TRUE(std::get<transaction_log_record>(*decoded).value->partitions.empty());
}

TEST(TransactionLogRecord, ATombstoneHasAKeyAndNoValue) {
    auto encoded = encode({.transactional_id = "tx", .value = std::nullopt});
    EXPECT_FALSE(encoded.value.has_value());
    auto decoded = decode(encoded.key, std::nullopt);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(std::get<transaction_log_record>(*decoded),
              (transaction_log_record{.transactional_id = "tx", .value = std::nullopt}));
}

TEST(TransactionLogRecord, FlexibleValueVersion1IsRead) {
    auto key = encode({.transactional_id = "tx", .value = std::nullopt}).key;
    auto decoded = decode(key, value_at_version(ongoing_value(), 1));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(std::get<transaction_log_record>(*decoded).value, ongoing_transit());
}

TEST(TransactionLogRecord, AnUnknownKeyVersionIsSkippedWithoutReadingTheValue) {
    auto decoded = decode(bytes{0x00, 0x05, 0x01}, bytes{0xde, 0xad});
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(std::get<unknown_transaction_log_record>(*decoded).key_version, 5);
}

TEST(TransactionLogRecord, MalformedRecordsAreErrors) {
    auto key = encode({.transactional_id = "tx", .value = std::nullopt}).key;
    bytes value = value_at_version(ongoing_value(), 0);

    EXPECT_EQ(decode(std::nullopt, value).error(), transaction_log_error::missing_key);
    EXPECT_EQ(decode(bytes{0x00}, value).error(), transaction_log_error::truncated);
    EXPECT_EQ(decode(key, bytes(value.begin(), value.end() - 3)).error(),
              transaction_log_error::truncated);

    bytes trailing = value;
    trailing.push_back(0);
    EXPECT_EQ(decode(key, trailing).error(), transaction_log_error::trailing_bytes);
    bytes key_trailing = key;
    key_trailing.push_back(0);
    EXPECT_EQ(decode(key_trailing, value).error(), transaction_log_error::trailing_bytes);

    bytes version2 = value;
    version2[1] = 2;
    EXPECT_EQ(decode(key, version2).error(), transaction_log_error::unsupported_value_version);
}

TEST(TransactionLogRecord, ValuesKafkaNeverWritesAreRefused) {
    auto key = encode({.transactional_id = "tx", .value = std::nullopt}).key;
    for (int8_t status : {int8_t{6}, int8_t{7}, int8_t{8}, int8_t{-1}}) {
        protocol::transaction_log_value value = ongoing_value();
        value.transaction_status = status;
        EXPECT_EQ(decode(key, value_at_version(value, 0)).error(),
                  transaction_log_error::unexpected_value)
            << "status " << int(status);
    }
    protocol::transaction_log_value negative_id = ongoing_value();
    negative_id.producer_id = -1;
    EXPECT_EQ(decode(key, value_at_version(negative_id, 0)).error(),
              transaction_log_error::unexpected_value);
    protocol::transaction_log_value negative_epoch = ongoing_value();
    negative_epoch.producer_epoch = producer_epoch(-1);
    EXPECT_EQ(decode(key, value_at_version(negative_epoch, 0)).error(),
              transaction_log_error::unexpected_value);
}

TEST(TransactionLogRecord, ATransactionalIdTooLongForAnInt16LengthCannotBeEncoded) {
    auto encoded = encode_transaction_log_record(
        {.transactional_id = std::string(40000, 'x'), .value = std::nullopt});
    ASSERT_FALSE(encoded.has_value());
    EXPECT_EQ(encoded.error(), transaction_log_error::too_long);
}

TEST(TransactionLogRecord, CorruptBytesAreAnErrorOrAStateThatRoundTrips) {
    auto encoded = encode({.transactional_id = "tx", .value = ongoing_transit()});
    std::mt19937 random(20240601);
    for (int round = 0; round < 2000; ++round) {
        bytes key = encoded.key;
        bytes value = *encoded.value;
        bytes& target = round % 3 == 0 ? key : value;
        target[random() % target.size()] = static_cast<uint8_t>(random());
        if (round % 5 == 0) {
            target.resize(random() % (target.size() + 1));
        }
        // Whatever decodes is a state that encodes back to a record decoding the same.
        auto decoded = decode(key, value);
        if (!decoded || !std::holds_alternative<transaction_log_record>(*decoded)) {
            continue;
        }
        const auto& record = std::get<transaction_log_record>(*decoded);
        auto again = encode_transaction_log_record(record);
        ASSERT_TRUE(again.has_value());
        auto redecoded = decode(again->key, again->value);
        ASSERT_TRUE(redecoded.has_value());
        EXPECT_EQ(std::get<transaction_log_record>(*redecoded), record);
    }
}

}  // namespace
}  // namespace samsa::coordinator
