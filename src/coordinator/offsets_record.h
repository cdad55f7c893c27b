#pragma once

// The records of __consumer_offsets, in Kafka's format (GroupMetadataManager's
// readMessageKey / readOffsetMessageValue / readGroupMessageValue, and since Kafka 3.7 the
// group coordinator's GroupCoordinatorRecordHelpers and record serde). A record's key and its
// value each start with a big-endian int16 version, followed by a struct in the classic
// (non-flexible unless the version says so) encoding of that version, with the schemas of
// kafka-protocol/group-coordinator and the codecs generated from them:
//
//   key version 0, 1   OffsetCommitKey     group string, topic string, partition int32
//   key version 2      GroupMetadataKey    group string
//   any other version  a record this code does not replay (a newer Kafka's consumer-group
//                      protocol records, say): decoded as unknown_offsets_record so that the
//                      loader skips it, as Kafka 3.5+ does (UnknownKey, logged and ignored)
//
//   OffsetCommitValue  versions 0-4: offset int64, leader epoch int32 (3+), metadata
//                      string, commit timestamp int64, expire timestamp int64 (1 only);
//                      version 4 is flexible (compact strings, tagged fields)
//   GroupMetadataValue versions 0-4 (4 flexible); see the generated group_metadata_value.h
//
// A null value is a tombstone: the offset, or the group, was deleted. Compaction keeps the
// last record of each key, so replaying the log in order, a later record replacing an earlier
// one and a tombstone removing it, rebuilds the state.
//
// Example: group "g" commits offset 5 with leader epoch 2, metadata "" at time 1000 for
// partition 0 of topic "t":
//
//   key    00 01  00 01 67  00 01 74  00 00 00 00          version 1, "g", "t", 0
//   value  00 03  00 00 00 00 00 00 00 05  00 00 00 02     version 3, offset 5, epoch 2,
//          00 00  00 00 00 00 00 00 03 e8                  "", timestamp 1000
//
// Samsa writes the versions Kafka writes: OffsetCommitKey version 1; OffsetCommitValue
// version 3, or version 1 when the commit has an explicit expire timestamp (only version 1
// holds one, and has no leader epoch); GroupMetadataKey version 2; GroupMetadataValue
// version 3.
//
// Decoding is stricter than Kafka in one way: bytes left after a key or value struct are an
// error (trailing_bytes), since Kafka never writes them and they mean the lengths are wrong.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "coordinator/offset_and_metadata.h"
#include "protocol/generated/group_metadata_value.h"

namespace samsa::coordinator {

inline constexpr int16_t offset_commit_key_version = 1;
inline constexpr int16_t group_metadata_key_version = 2;
inline constexpr int16_t offset_commit_value_version = 3;
inline constexpr int16_t offset_commit_value_version_with_expiry = 1;
inline constexpr int16_t group_metadata_value_version = 3;

// A record's key and value bytes as appended to __consumer_offsets.
struct encoded_offsets_record {
    std::vector<uint8_t> key;
    std::optional<std::vector<uint8_t>> value;  // nullopt: a tombstone

    bool operator==(const encoded_offsets_record&) const = default;
};

// An offset committed by a group for one partition, or its tombstone.
struct offset_commit_record {
    std::string group;
    topic_partition partition;
    std::optional<offset_and_metadata> value;  // nullopt: the offset was deleted

    bool operator==(const offset_commit_record&) const = default;
};

// A classic group's metadata (written by the group state machine), or its tombstone.
struct group_metadata_record {
    std::string group;
    std::optional<protocol::group_metadata_value> value;  // nullopt: the group was deleted

    bool operator==(const group_metadata_record&) const = default;
};

// A record whose key version is neither an offset commit nor a group metadata key. Its
// value is not read. The loader skips it; it is worth a log line.
struct unknown_offsets_record {
    int16_t key_version = 0;

    bool operator==(const unknown_offsets_record&) const = default;
};

using offsets_record =
    std::variant<offset_commit_record, group_metadata_record, unknown_offsets_record>;

enum class offsets_record_error : uint8_t {
    missing_key,                // the record's key is null
    truncated,                  // the key or value ends inside a field
    malformed,                  // a length or count in the key or value cannot be right
    unsupported_value_version,  // a value version outside its schema's range
    trailing_bytes,             // bytes after the key or value struct
    too_long,                   // (encoding) a string longer than an int16 length allows
};

std::string_view to_string(offsets_record_error error);

// Fails only with too_long: a group id, topic or metadata over 32767 bytes, which a client
// may send through a flexible request version but the record's version cannot hold.
result<encoded_offsets_record, offsets_record_error> encode_offsets_record(
    const offset_commit_record& record);
result<encoded_offsets_record, offsets_record_error> encode_offsets_record(
    const group_metadata_record& record);

// Decodes a record read from __consumer_offsets (nullopt: a null key or value). The bytes
// come from disk and may be corrupt: every length is checked before anything is allocated
// (wire_reader.h), and malformed bytes are an error, never a crash.
result<offsets_record, offsets_record_error> decode_offsets_record(
    std::optional<std::span<const uint8_t>> key, std::optional<std::span<const uint8_t>> value);

}  // namespace samsa::coordinator
