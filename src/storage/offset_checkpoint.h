#pragma once

// The offset checkpoints of a log directory, in Kafka's checkpoint format (checkpoint_file.h),
// version 0, one entry per partition: `<topic> <partition> <offset>`.
//
//     0
//     2
//     orders 0 1500
//     orders 1 1480
//
// The files (all directly in the log directory; see docs/formats/checkpoint-files.md):
//   recovery-point-offset-checkpoint  offsets below which every partition's log is known to
//                                     be fsynced: recovery after a crash scans from here
//   log-start-offset-checkpoint       each log's start offset, when retention or
//                                     DeleteRecords moved it inside the first segment
//   replication-offset-checkpoint     each partition's high watermark
//
// A missing file holds no entries. A partition listed twice keeps its last offset, as in
// Kafka. Offsets are written and read as Kafka does, any int64; what an offset means, and
// whether it is plausible for the log, is the reader's business.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "storage/file_system.h"
#include "storage/topic_partition.h"

namespace samsa::storage {

inline constexpr std::string_view recovery_point_checkpoint_file_name =
    "recovery-point-offset-checkpoint";
inline constexpr std::string_view log_start_offset_checkpoint_file_name =
    "log-start-offset-checkpoint";
// The log cleaner's first dirty offset of each compacted log (Kafka's LogCleanerManager).
inline constexpr std::string_view cleaner_offset_checkpoint_file_name = "cleaner-offset-checkpoint";
inline constexpr std::string_view replication_offset_checkpoint_file_name =
    "replication-offset-checkpoint";

inline constexpr int32_t offset_checkpoint_version = 0;
// A line is at most ~280 bytes (a 249-character topic name); this allows ~200k partitions
// of ordinary names per log directory.
inline constexpr std::size_t offset_checkpoint_max_bytes = 64 * 1024 * 1024;

// Ordered, so that a file's content is a function of the offsets alone.
using partition_offsets = std::map<topic_partition, offset>;

// `file` only names the file in errors.
io_result<partition_offsets> parse_offset_checkpoint(const std::filesystem::path& file,
                                                     std::string_view text);
// Topic names must be valid Kafka names (no whitespace), which the caller guarantees.
std::string format_offset_checkpoint(const partition_offsets& offsets);

// The offsets in `file`; a missing file holds none. Blocking.
io_result<partition_offsets> read_offset_checkpoint(file_system& fs,
                                                    const std::filesystem::path& file);
// Replaces `file` atomically. Blocking: it fsyncs the file and the directory.
io_status write_offset_checkpoint(file_system& fs, const std::filesystem::path& file,
                                  const partition_offsets& offsets);

}  // namespace samsa::storage
