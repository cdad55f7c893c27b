#include "coordinator/offsets_record.h"

#include <utility>

#include "base/assert.h"
#include "base/shared_bytes.h"
#include "protocol/generated/group_metadata_key.h"
#include "protocol/generated/offset_commit_key.h"
#include "protocol/generated/offset_commit_value.h"

namespace samsa::coordinator {
namespace {

// Kafka's OffsetCommitRequest.DEFAULT_TIMESTAMP: no explicit expire timestamp.
constexpr int64_t no_expire_timestamp = -1;

offsets_record_error from_decode_error(protocol::decode_error error) {
    switch (error) {
        case protocol::decode_error::truncated:
            return offsets_record_error::truncated;
        case protocol::decode_error::trailing_bytes:
            return offsets_record_error::trailing_bytes;
        case protocol::decode_error::unsupported_version:
            return offsets_record_error::unsupported_value_version;
        case protocol::decode_error::none:
        case protocol::decode_error::negative_length:
        case protocol::decode_error::length_past_end:
        case protocol::decode_error::bad_varint:
        case protocol::decode_error::too_many_entries:
            break;
    }
    return offsets_record_error::malformed;
}

// Writes an int16 version and the struct at that version.
template <typename Struct>
result<std::vector<uint8_t>, offsets_record_error> encode_versioned(const Struct& body,
                                                                    int16_t version) {
    protocol::wire_writer writer;
    writer.write_int16(version);
    body.write(writer, version);
    if (writer.error() == protocol::encode_error::too_long) {
        return failure(offsets_record_error::too_long);
    }
    SAMSA_ASSERT(writer.ok(), "%s cannot be encoded at version %d: %s",
                 protocol::message_traits<Struct>::name.data(), version,
                 protocol::to_string(writer.error()));
    return writer.take_bytes();
}

// Reads the struct at the given version from what is left of reader; nothing may follow.
template <typename Struct>
result<Struct, offsets_record_error> read_to_end(protocol::wire_reader& reader, int16_t version) {
    Struct body;
    body.read(reader, version);
    if (!reader.ok()) {
        return failure(from_decode_error(reader.error()));
    }
    if (reader.remaining() != 0) {
        return failure(offsets_record_error::trailing_bytes);
    }
    return body;
}

// A value: an int16 version within the schema's range, then the struct at that version.
template <typename Value>
result<Value, offsets_record_error> decode_value(std::span<const uint8_t> bytes) {
    protocol::wire_reader reader(shared_bytes::copy_of(bytes));
    int16_t version = reader.read_int16();
    if (!reader.ok()) {
        return failure(offsets_record_error::truncated);
    }
    using traits = protocol::message_traits<Value>;
    if (version < traits::min_version || version > traits::max_version) {
        return failure(offsets_record_error::unsupported_value_version);
    }
    return read_to_end<Value>(reader, version);
}

offset_and_metadata from_value(const protocol::offset_commit_value& value) {
    return offset_and_metadata{
        .committed_offset = offset(value.offset),
        .committed_leader_epoch = value.leader_epoch,
        .metadata = value.metadata,
        .commit_timestamp_ms = value.commit_timestamp,
        .expire_timestamp_ms = value.expire_timestamp == no_expire_timestamp
                                   ? std::nullopt
                                   : std::optional<int64_t>(value.expire_timestamp)};
}

result<offsets_record, offsets_record_error> decode_offset_commit(
    protocol::wire_reader& key_reader, int16_t key_version,
    std::optional<std::span<const uint8_t>> value) {
    auto key = read_to_end<protocol::offset_commit_key>(key_reader, key_version);
    if (!key) {
        return failure(key.error());
    }
    offset_commit_record record{
        .group = std::move(key->group),
        .partition = topic_partition{std::move(key->topic), partition_id(key->partition)},
        .value = std::nullopt};
    if (value) {
        auto decoded = decode_value<protocol::offset_commit_value>(*value);
        if (!decoded) {
            return failure(decoded.error());
        }
        record.value = from_value(*decoded);
    }
    return offsets_record(std::move(record));
}

result<offsets_record, offsets_record_error> decode_group_metadata(
    protocol::wire_reader& key_reader, int16_t key_version,
    std::optional<std::span<const uint8_t>> value) {
    auto key = read_to_end<protocol::group_metadata_key>(key_reader, key_version);
    if (!key) {
        return failure(key.error());
    }
    group_metadata_record record{.group = std::move(key->group), .value = std::nullopt};
    if (value) {
        auto decoded = decode_value<protocol::group_metadata_value>(*value);
        if (!decoded) {
            return failure(decoded.error());
        }
        record.value = std::move(*decoded);
    }
    return offsets_record(std::move(record));
}

}  // namespace

std::string_view to_string(offsets_record_error error) {
    switch (error) {
        case offsets_record_error::missing_key:
            return "missing key";
        case offsets_record_error::truncated:
            return "truncated";
        case offsets_record_error::malformed:
            return "malformed";
        case offsets_record_error::unsupported_value_version:
            return "unsupported value version";
        case offsets_record_error::trailing_bytes:
            return "trailing bytes";
        case offsets_record_error::too_long:
            return "string too long";
    }
    return "unknown offsets record error";
}

result<encoded_offsets_record, offsets_record_error> encode_offsets_record(
    const offset_commit_record& record) {
    protocol::offset_commit_key key{.group = record.group,
                                    .topic = record.partition.topic,
                                    .partition = record.partition.partition.value()};
    auto key_bytes = encode_versioned(key, offset_commit_key_version);
    if (!key_bytes) {
        return failure(key_bytes.error());
    }
    encoded_offsets_record encoded{.key = std::move(*key_bytes), .value = std::nullopt};
    if (!record.value) {
        return encoded;
    }
    const offset_and_metadata& committed = *record.value;
    protocol::offset_commit_value value{
        .offset = committed.committed_offset.value(),
        .leader_epoch = committed.committed_leader_epoch,
        .metadata = committed.metadata,
        .commit_timestamp = committed.commit_timestamp_ms,
        .expire_timestamp = committed.expire_timestamp_ms.value_or(no_expire_timestamp),
        .unknown_tagged_fields = {}};
    int16_t version = committed.expire_timestamp_ms ? offset_commit_value_version_with_expiry
                                                    : offset_commit_value_version;
    auto value_bytes = encode_versioned(value, version);
    if (!value_bytes) {
        return failure(value_bytes.error());
    }
    encoded.value = std::move(*value_bytes);
    return encoded;
}

result<encoded_offsets_record, offsets_record_error> encode_offsets_record(
    const group_metadata_record& record) {
    auto key_bytes = encode_versioned(protocol::group_metadata_key{.group = record.group},
                                      group_metadata_key_version);
    if (!key_bytes) {
        return failure(key_bytes.error());
    }
    encoded_offsets_record encoded{.key = std::move(*key_bytes), .value = std::nullopt};
    if (!record.value) {
        return encoded;
    }
    auto value_bytes = encode_versioned(*record.value, group_metadata_value_version);
    if (!value_bytes) {
        return failure(value_bytes.error());
    }
    encoded.value = std::move(*value_bytes);
    return encoded;
}

result<offsets_record, offsets_record_error> decode_offsets_record(
    std::optional<std::span<const uint8_t>> key, std::optional<std::span<const uint8_t>> value) {
    if (!key) {
        return failure(offsets_record_error::missing_key);
    }
    protocol::wire_reader key_reader(shared_bytes::copy_of(*key));
    int16_t key_version = key_reader.read_int16();
    if (!key_reader.ok()) {
        return failure(offsets_record_error::truncated);
    }
    using offset_key_traits = protocol::message_traits<protocol::offset_commit_key>;
    using group_key_traits = protocol::message_traits<protocol::group_metadata_key>;
    if (key_version >= offset_key_traits::min_version &&
        key_version <= offset_key_traits::max_version) {
        return decode_offset_commit(key_reader, key_version, value);
    }
    if (key_version >= group_key_traits::min_version &&
        key_version <= group_key_traits::max_version) {
        return decode_group_metadata(key_reader, key_version, value);
    }
    return offsets_record(unknown_offsets_record{.key_version = key_version});
}

}  // namespace samsa::coordinator
