#pragma once

// A partition's leader-epoch-checkpoint: the persisted form of its leader_epoch_cache, in
// Kafka's checkpoint format (checkpoint_file.h), version 0, one entry per epoch in
// increasing order: `<leader epoch> <start offset>`, the start offset being the first
// offset written in that epoch.
//
//     0
//     3
//     0 0
//     2 1500
//     5 1720
//
// See docs/formats/leader-epoch-checkpoint.md. A missing file holds no entries; an entry
// with a negative epoch or start offset is malformed (Kafka refuses such entries too, when
// it assigns them to its cache).

#include <compare>
#include <cstddef>
#include <filesystem>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "storage/file_system.h"

namespace samsa::storage {

inline constexpr std::string_view leader_epoch_checkpoint_file_name = "leader-epoch-checkpoint";
inline constexpr int32_t leader_epoch_checkpoint_version = 0;
// ~25 bytes a line: room for ~600k epochs, far more than a partition ever sees.
inline constexpr std::size_t leader_epoch_checkpoint_max_bytes = 16 * 1024 * 1024;

// The first offset written in a leader epoch.
struct epoch_entry {
    leader_epoch epoch;
    offset start_offset;

    bool operator==(const epoch_entry&) const = default;

    friend std::ostream& operator<<(std::ostream& out, const epoch_entry& entry) {
        return out << "epoch " << entry.epoch << " from " << entry.start_offset;
    }
};

// `file` only names the file in errors. The entries are returned as written, in file order.
io_result<std::vector<epoch_entry>> parse_leader_epoch_checkpoint(const std::filesystem::path& file,
                                                                  std::string_view text);
std::string format_leader_epoch_checkpoint(std::span<const epoch_entry> entries);

// The entries of `partition_dir`/leader-epoch-checkpoint; none if it is missing. Blocking.
io_result<std::vector<epoch_entry>> read_leader_epoch_checkpoint(
    file_system& fs, const std::filesystem::path& partition_dir);
// Replaces the file atomically. Blocking: it fsyncs the file and the directory.
io_status write_leader_epoch_checkpoint(file_system& fs, const std::filesystem::path& partition_dir,
                                        std::span<const epoch_entry> entries);

}  // namespace samsa::storage
