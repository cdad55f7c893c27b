#include "coordinator/transaction_log_record.h"

#include <utility>

#include "base/assert.h"
#include "base/shared_bytes.h"
#include "protocol/generated/transaction_log_key.h"
#include "protocol/generated/transaction_log_value.h"

namespace samsa::coordinator {
namespace {

using value_traits = protocol::message_traits<protocol::transaction_log_value>;

transaction_log_error from_decode_error(protocol::decode_error error) {
    switch (error) {
        case protocol::decode_error::truncated:
            return transaction_log_error::truncated;
        case protocol::decode_error::trailing_bytes:
            return transaction_log_error::trailing_bytes;
        case protocol::decode_error::unsupported_version:
            return transaction_log_error::unsupported_value_version;
        case protocol::decode_error::none:
        case protocol::decode_error::negative_length:
        case protocol::decode_error::length_past_end:
        case protocol::decode_error::bad_varint:
        case protocol::decode_error::too_many_entries:
            break;
    }
    return transaction_log_error::malformed;
}

// An int16 version, then the struct at that version.
template <typename Struct>
result<std::vector<uint8_t>, transaction_log_error> encode_versioned(const Struct& body,
                                                                     int16_t version) {
    protocol::wire_writer writer;
    writer.write_int16(version);
    body.write(writer, version);
    if (writer.error() == protocol::encode_error::too_long) {
        return failure(transaction_log_error::too_long);
    }
    SAMSA_ASSERT(writer.ok(), "%s cannot be encoded at version %d: %s",
                 protocol::message_traits<Struct>::name.data(), version,
                 protocol::to_string(writer.error()));
    return writer.take_bytes();
}

// Reads the struct at the given version from what is left of reader; nothing may follow.
template <typename Struct>
result<Struct, transaction_log_error> read_to_end(protocol::wire_reader& reader, int16_t version) {
    Struct body;
    body.read(reader, version);
    if (!reader.ok()) {
        return failure(from_decode_error(reader.error()));
    }
    if (reader.remaining() != 0) {
        return failure(transaction_log_error::trailing_bytes);
    }
    return body;
}

protocol::transaction_log_value to_value(const transaction_transit& transit) {
    protocol::transaction_log_value value;
    value.producer_id = transit.current_producer_id.value();
    value.producer_epoch = transit.epoch;
    value.transaction_timeout_ms = transit.timeout_ms;
    value.transaction_status = state_id(transit.state);
    value.transaction_last_update_timestamp_ms = transit.last_update_ms;
    value.transaction_start_timestamp_ms = transit.start_ms;
    // Kafka writes null partitions for Empty; the set is ordered, so each topic's
    // partitions are contiguous and ascending.
    if (transit.state != transaction_state::empty) {
        auto& topics = value.transaction_partitions.emplace();
        for (const topic_partition& partition : transit.partitions) {
            if (topics.empty() || topics.back().topic != partition.topic) {
                topics.push_back(
                    {.topic = partition.topic, .partition_ids = {}, .unknown_tagged_fields = {}});
            }
            topics.back().partition_ids.push_back(partition.partition);
        }
    }
    return value;
}

result<transaction_transit, transaction_log_error> from_value(
    const protocol::transaction_log_value& value) {
    std::optional<transaction_state> state = transaction_state_from_id(value.transaction_status);
    if (!state || *state == transaction_state::dead ||
        *state == transaction_state::prepare_epoch_fence || value.producer_id < 0 ||
        value.producer_epoch.value() < 0) {
        return failure(transaction_log_error::unexpected_value);
    }
    transaction_transit transit{.current_producer_id = producer_id(value.producer_id),
                                .last_producer_id = no_producer_id,
                                .epoch = value.producer_epoch,
                                .last_epoch = no_producer_epoch,
                                .timeout_ms = value.transaction_timeout_ms,
                                .state = *state,
                                .partitions = {},
                                .start_ms = value.transaction_start_timestamp_ms,
                                .last_update_ms = value.transaction_last_update_timestamp_ms};
    // Kafka ignores the partitions of an Empty transaction.
    if (*state != transaction_state::empty && value.transaction_partitions) {
        for (const auto& topic : *value.transaction_partitions) {
            for (partition_id partition : topic.partition_ids) {
                transit.partitions.insert(topic_partition{topic.topic, partition});
            }
        }
    }
    return transit;
}

result<std::optional<transaction_transit>, transaction_log_error> decode_value(
    std::optional<std::span<const uint8_t>> bytes) {
    if (!bytes) {
        return std::optional<transaction_transit>();
    }
    protocol::wire_reader reader(shared_bytes::copy_of(*bytes));
    int16_t version = reader.read_int16();
    if (!reader.ok()) {
        return failure(transaction_log_error::truncated);
    }
    if (version < value_traits::min_version || version > value_traits::max_version) {
        return failure(transaction_log_error::unsupported_value_version);
    }
    auto value = read_to_end<protocol::transaction_log_value>(reader, version);
    if (!value) {
        return failure(value.error());
    }
    auto transit = from_value(*value);
    if (!transit) {
        return failure(transit.error());
    }
    return std::optional<transaction_transit>(std::move(*transit));
}

}  // namespace

std::string_view to_string(transaction_log_error error) {
    switch (error) {
        case transaction_log_error::missing_key:
            return "missing key";
        case transaction_log_error::truncated:
            return "truncated";
        case transaction_log_error::malformed:
            return "malformed";
        case transaction_log_error::unsupported_value_version:
            return "unsupported value version";
        case transaction_log_error::trailing_bytes:
            return "trailing bytes";
        case transaction_log_error::unexpected_value:
            return "unexpected value";
        case transaction_log_error::too_long:
            return "string too long";
    }
    return "unknown transaction log error";
}

result<encoded_transaction_log_record, transaction_log_error> encode_transaction_log_record(
    const transaction_log_record& record) {
    auto key =
        encode_versioned(protocol::transaction_log_key{.transactional_id = record.transactional_id},
                         transaction_log_key_version);
    if (!key) {
        return failure(key.error());
    }
    encoded_transaction_log_record encoded{.key = std::move(*key), .value = std::nullopt};
    if (!record.value) {
        return encoded;
    }
    auto value = encode_versioned(to_value(*record.value), transaction_log_value_version);
    if (!value) {
        return failure(value.error());
    }
    encoded.value = std::move(*value);
    return encoded;
}

result<decoded_transaction_log_record, transaction_log_error> decode_transaction_log_record(
    std::optional<std::span<const uint8_t>> key, std::optional<std::span<const uint8_t>> value) {
    if (!key) {
        return failure(transaction_log_error::missing_key);
    }
    protocol::wire_reader key_reader(shared_bytes::copy_of(*key));
    int16_t key_version = key_reader.read_int16();
    if (!key_reader.ok()) {
        return failure(transaction_log_error::truncated);
    }
    if (key_version != transaction_log_key_version) {
        return decoded_transaction_log_record(
            unknown_transaction_log_record{.key_version = key_version});
    }
    auto decoded_key = read_to_end<protocol::transaction_log_key>(key_reader, key_version);
    if (!decoded_key) {
        return failure(decoded_key.error());
    }
    auto decoded_value = decode_value(value);
    if (!decoded_value) {
        return failure(decoded_value.error());
    }
    return decoded_transaction_log_record(
        transaction_log_record{.transactional_id = std::move(decoded_key->transactional_id),
                               .value = std::move(*decoded_value)});
}

}  // namespace samsa::coordinator
