#pragma once

// partition.metadata: the topic id of the partition whose directory holds it, so that a
// directory left over from a deleted topic is never mistaken for a newer topic of the same
// name (KIP-516). Kafka's format, two lines, UTF-8, no newline after the last:
//
//     version: 0
//     topic_id: vXLb1dmWRYu6yKe1TWLbZQ
//
// The topic id is the 22-character URL-safe base64 of the uuid. Reading follows Kafka's
// PartitionMetadataReadBuffer: each of the first two lines is `<key>:` then whitespace then
// the value; any version >= 0 is accepted (a newer Kafka may write a higher one and still
// expect a downgrade to read it); the all-zero topic id is refused; lines after the second
// are ignored. See docs/formats/partition-metadata.md.
//
// Written (atomically) when a partition log is created for a topic with an id, and read
// when the log is loaded: a mismatch with the id the metadata says is Kafka's
// InconsistentTopicIdException, the caller's to raise.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/uuid.h"
#include "storage/file_system.h"

namespace samsa::storage {

inline constexpr std::string_view partition_metadata_file_name = "partition.metadata";
inline constexpr int32_t partition_metadata_version = 0;
inline constexpr std::size_t partition_metadata_max_bytes = 4096;

struct partition_metadata {
    int32_t version = partition_metadata_version;
    topic_id topic;

    bool operator==(const partition_metadata&) const = default;
};

// Errors have the code std::errc::bad_message and name `file` and the line.
io_result<partition_metadata> parse_partition_metadata(const std::filesystem::path& file,
                                                       std::string_view text);
std::string format_partition_metadata(const topic_id& topic);

// The partition.metadata of `partition_dir`: nullopt when it does not exist. Blocking.
io_result<std::optional<partition_metadata>> read_partition_metadata(
    file_system& fs, const std::filesystem::path& partition_dir);
// Writes it atomically (version 0). Blocking: it fsyncs the file and the directory.
io_status write_partition_metadata(file_system& fs, const std::filesystem::path& partition_dir,
                                   const topic_id& topic);

}  // namespace samsa::storage
