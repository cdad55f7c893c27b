#pragma once

// One record of the metadata log, framed as Kafka frames it (AbstractApiMessageSerde, used
// by KRaft's MetadataRecordSerde) in the value of a record whose key is null:
//
//   frameVersion  unsigned varint  1 (0 was KRaft's 2.8 preview; Kafka refuses it too)
//   type          unsigned varint  the record's apiKey in metadata/*.json (TopicRecord: 2)
//   version       unsigned varint  the version the record is encoded at
//   record        the record's fields at that version, in the flexible encoding (compact
//                 strings and arrays, a tagged-field section): every metadata record
//                 schema is flexible from version 0
//
// Each header varint must fit an int16, as Kafka reads them into shorts, and nothing may
// follow the record. docs/metadata-log.md has a worked example byte by byte.

#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "base/result.h"
#include "protocol/generated/client_quota_record.h"
#include "protocol/generated/config_record.h"
#include "protocol/generated/feature_level_record.h"
#include "protocol/generated/no_op_record.h"
#include "protocol/generated/partition_change_record.h"
#include "protocol/generated/partition_record.h"
#include "protocol/generated/producer_ids_record.h"
#include "protocol/generated/register_broker_record.h"
#include "protocol/generated/remove_topic_record.h"
#include "protocol/generated/topic_record.h"

namespace samsa::cluster {

inline constexpr uint32_t metadata_record_frame_version = 1;

// The record types Samsa writes and replays. Any other type is an error when decoded:
// skipping a record would build a different image than the one its writer had.
using metadata_record_body =
    std::variant<protocol::register_broker_record, protocol::topic_record,
                 protocol::partition_record, protocol::config_record,
                 protocol::partition_change_record, protocol::remove_topic_record,
                 protocol::feature_level_record, protocol::no_op_record,
                 protocol::client_quota_record, protocol::producer_ids_record>;

// A record and the version it is encoded at (Kafka's ApiMessageAndVersion).
struct metadata_record {
    metadata_record_body body;
    int16_t version = 0;

    bool operator==(const metadata_record&) const = default;
};

// A record at the given version, by default the newest its schema has.
template <typename Record>
requires std::is_constructible_v<metadata_record_body, Record> metadata_record make_metadata_record(
    Record record, int16_t version = protocol::message_traits<Record>::max_version) {
    return metadata_record{.body = std::move(record), .version = version};
}

// The record's type (its schema's apiKey) and the schema's name ("TopicRecord").
int16_t record_type(const metadata_record& record);
std::string_view record_type_name(const metadata_record& record);

enum class metadata_record_error : uint8_t {
    truncated,                  // the value ends inside the frame header or the record
    bad_varint,                 // a header varint longer than 5 bytes
    unsupported_frame_version,  // a frame version other than 1
    unknown_record_type,        // a type Samsa does not replay (or no metadata type at all)
    unsupported_version,        // a version outside the range of the record's schema
    malformed_record,           // a length or count in the record that cannot be right
    trailing_bytes,             // bytes left after the record
};

std::string_view to_string(metadata_record_error error);

// Precondition (asserted): record.version is in its schema's range and every field the
// record sets exists at that version. Records come from Samsa's own controller, so a
// record that cannot be encoded is a bug, not input.
std::vector<uint8_t> encode_metadata_record(const metadata_record& record);

// Decodes one record value. Lengths and counts are checked against the bytes there are
// before anything is allocated (wire_reader.h), so hostile input costs at most a small
// multiple of its own size.
result<metadata_record, metadata_record_error> decode_metadata_record(
    std::span<const uint8_t> value);

}  // namespace samsa::cluster
