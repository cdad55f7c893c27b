#pragma once

// Which __consumer_offsets partition owns a group, computed exactly as Kafka does
// (GroupCoordinatorService.partitionFor, GroupMetadataManager.partitionFor before it):
//
//     Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions
//
// Clients (and other brokers) find the coordinator through this mapping, and the records of
// a group already written to __consumer_offsets sit in the partition it picked, so Samsa
// must pick the same one bit for bit.

#include <cstdint>
#include <string_view>

#include "base/ids.h"

namespace samsa::coordinator {

// Java's String.hashCode of the string Kafka decodes from these UTF-8 bytes: the sum of
// s[i] * 31^(n-1-i) over its UTF-16 code units, wrapping around in int32. Characters outside
// the BMP count as their two surrogates. Malformed UTF-8 counts as the U+FFFD replacement
// characters Java's String(bytes, UTF_8) puts in its place (JDK 9+ rules), so any group id a
// client sends maps where a Kafka broker would map it.
int32_t java_string_hash_code(std::string_view utf8);

// The partition of __consumer_offsets that owns group_id. Kafka's Utils.abs maps
// Integer.MIN_VALUE to 0 (Math.abs would leave it negative).
// Precondition (asserted): offsets_partition_count > 0.
partition_id group_partition(std::string_view group_id, int32_t offsets_partition_count);

}  // namespace samsa::coordinator
