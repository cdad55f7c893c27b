#pragma once

// A partition's producer state snapshots, `<offset>.snapshot` beside its segments: the
// producer_state_table as it was once every batch before `offset` had been applied, so that
// recovery replays the log from there instead of from the start (Kafka's
// ProducerStateManager.writeSnapshot/readSnapshot, the same bytes). Big-endian:
//
//   offset size  field
//        0    2  version                   int16, 1
//        2    4  crc                       uint32 CRC-32C of bytes 6 .. end of file
//        6    4  entry count               int32, >= 0
//       10   46  entry, count times:
//                  producer_id               int64
//                  epoch                     int16
//                  last_sequence             int32  of the newest batch, -1 without one
//                  last_offset               int64  of the newest batch, -1 without one
//                  offset_delta              int32  last_offset - first offset of that batch
//                  timestamp                 int64  the producer's last timestamp
//                  coordinator_epoch         int32  of the last marker, -1 without one
//                  current_txn_first_offset  int64  of the open transaction, -1 without one
//
// Only the newest batch of each producer is kept (Kafka's format has room for no more), so
// after a restart only a retry of a producer's last batch is recognised as a duplicate, as
// in Kafka. Entries are written in producer id order. A file that is shorter or longer than
// its count says, has another version, or fails its CRC is refused (Kafka deletes it and
// tries the next older snapshot).
//
// Files are written atomically (`<name>.tmp`, fsync, rename, fsync the directory), so a crash
// leaves the whole snapshot or none; a `.tmp` left by a crash is never listed.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "storage/file_system.h"
#include "storage/producer_state.h"

namespace samsa::storage {

inline constexpr std::string_view producer_snapshot_suffix = ".snapshot";
inline constexpr int16_t producer_snapshot_version = 1;
inline constexpr std::size_t producer_snapshot_header_bytes = 2 + 4 + 4;
inline constexpr std::size_t producer_snapshot_entry_bytes = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
// 46 bytes a producer: room for ~23 million producers, far more than a partition has.
inline constexpr std::size_t producer_snapshot_max_bytes = 1024 * 1024 * 1024;

std::vector<uint8_t> encode_producer_snapshot(const producer_state_table& table);
// The entries of a snapshot; `file` only names it in errors (std::errc::bad_message).
io_result<std::vector<producer_entry>> decode_producer_snapshot(const std::filesystem::path& file,
                                                                std::span<const uint8_t> bytes);

// The table a snapshot describes: every entry loaded, map_end_offset = snapshot_offset.
producer_state_table restore_producer_state(std::string partition_name, offset snapshot_offset,
                                            std::vector<producer_entry> entries);

std::filesystem::path producer_snapshot_path(const std::filesystem::path& partition_dir,
                                             offset snapshot_offset);

// Writes the table's snapshot at its map_end_offset, replacing any file of that offset.
// Blocking: it fsyncs the file and the directory.
io_status write_producer_snapshot(file_system& fs, const std::filesystem::path& partition_dir,
                                  const producer_state_table& table);
io_result<std::vector<producer_entry>> read_producer_snapshot(
    file_system& fs, const std::filesystem::path& partition_dir, offset snapshot_offset);
// The offsets of the snapshots in the directory, ascending. Names that are not
// `<20 digits>.snapshot` are ignored.
io_result<std::vector<offset>> list_producer_snapshots(file_system& fs,
                                                       const std::filesystem::path& partition_dir);
// Kafka's deleteSnapshotsBefore: removes the snapshots below `end`.
io_status delete_producer_snapshots_below(file_system& fs,
                                          const std::filesystem::path& partition_dir, offset end);
// For truncation: removes the snapshots above `end` (they describe batches that are gone).
io_status delete_producer_snapshots_above(file_system& fs,
                                          const std::filesystem::path& partition_dir, offset end);

}  // namespace samsa::storage
