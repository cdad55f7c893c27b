#pragma once

// A partition's leader epoch history (Kafka's LeaderEpochFileCache): for each leader epoch
// that wrote to the log, the first offset written in it. A follower asks the leader for the
// end offset of its own latest epoch (OffsetForLeaderEpoch) and truncates its log there,
// so that it never keeps records the new leader does not have.
//
// Invariant: entries are ordered by epoch, and both epochs and start offsets strictly
// increase from one entry to the next. assign() keeps it by dropping the entries that would
// break it, exactly as Kafka does:
//   - assign(e, o) changes nothing when e is the latest epoch and o is not below its start
//     offset (the common case: every appended batch of the current epoch calls it);
//   - otherwise it removes, from the newest backwards, every entry whose epoch is >= e or
//     whose start offset is >= o, then appends (e, o). So an older epoch or a smaller
//     offset is not ignored: it truncates the newer entries that conflict with it.
//
// Persistence: every change is written to `<partition dir>/leader-epoch-checkpoint`
// (leader_epoch_checkpoint.h) atomically before the call returns; the write blocks (two
// fsyncs), so callers on an event loop call these only when leadership changes or the log
// is truncated, which is when Kafka calls them too. Kafka flushes truncations in the
// background instead; either way the log loader re-applies truncate_from_start and
// truncate_from_end after loading, so a checkpoint that is stale after a crash is repaired.
// When a write fails the entries in memory have changed anyway, and the caller must take
// the log (its log directory, in Kafka) offline, as Kafka does on KafkaStorageException.
//
// Ownership: one per partition log, on that log's shard; not thread-safe. The file_system
// passed to open() must outlive the cache.

#include <filesystem>
#include <optional>
#include <vector>

#include "base/ids.h"
#include "storage/file_system.h"
#include "storage/leader_epoch_checkpoint.h"

namespace samsa::storage {

// OffsetForLeaderEpoch's "unknown" answers (Kafka's UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
inline constexpr leader_epoch undefined_epoch{-1};
inline constexpr offset undefined_epoch_offset{-1};

struct epoch_end_offset {
    leader_epoch epoch;
    offset end_offset;

    bool operator==(const epoch_end_offset&) const = default;

    friend std::ostream& operator<<(std::ostream& out, const epoch_end_offset& answer) {
        return out << "(epoch " << answer.epoch << ", end offset " << answer.end_offset << ")";
    }
};

class leader_epoch_cache {
public:
    // Loads the checkpoint in `partition_dir` (no file: an empty cache). Entries that break
    // the invariant are dropped as assign() would drop them, as Kafka does when it loads.
    static io_result<leader_epoch_cache> open(file_system& fs, std::filesystem::path partition_dir);

    // Records that `epoch` starts at `start_offset` (see the rules above). Both must be
    // >= 0: callers skip batches without a leader epoch (-1), as Kafka's log recovery does.
    io_status assign(leader_epoch epoch, offset start_offset);
    // Removes the entries whose start offset is >= end_offset, after the log was truncated
    // to end at end_offset. A negative end_offset (undefined) changes nothing.
    io_status truncate_from_end(offset end_offset);
    // Removes the entries that start at or before start_offset, after the log start offset
    // moved there, but keeps the last of them with start_offset as its start: the epoch of
    // the records at start_offset is still known. Entries after start_offset stay.
    io_status truncate_from_start(offset start_offset);
    // Removes every entry.
    io_status clear();

    // The partition's directory was renamed (e.g. marked for deletion); later writes go
    // to the checkpoint in `partition_dir`.
    void move_to(std::filesystem::path partition_dir);

    // OffsetForLeaderEpoch's answer for `requested`, given the log end offset: the largest
    // known epoch <= requested and the offset where it ended, i.e. the start offset of the
    // next known epoch, or the log end offset for the latest epoch. Kafka's special cases:
    //   - requested is undefined (-1), the cache is empty, or requested is above the
    //     latest epoch: (undefined_epoch, undefined_epoch_offset);
    //   - requested is below every known epoch: (requested, start of the first epoch),
    //     because the log no longer holds anything older.
    epoch_end_offset end_offset_for(leader_epoch requested, offset log_end_offset) const;
    // The epoch in which `at` was written: the epoch of the last entry starting at or
    // before it; nullopt when `at` is before the first entry.
    std::optional<leader_epoch> epoch_for_offset(offset at) const;

    bool empty() const { return entries_.empty(); }
    const std::vector<epoch_entry>& entries() const { return entries_; }
    std::optional<epoch_entry> latest_entry() const;
    std::optional<leader_epoch> latest_epoch() const;
    std::optional<epoch_entry> earliest_entry() const;
    std::optional<epoch_entry> entry_for(leader_epoch epoch) const;
    // The largest known epoch below `epoch`, and the smallest above it.
    std::optional<leader_epoch> previous_epoch(leader_epoch epoch) const;
    std::optional<leader_epoch> next_epoch(leader_epoch epoch) const;

    const std::filesystem::path& partition_dir() const { return partition_dir_; }

private:
    leader_epoch_cache(file_system& fs, std::filesystem::path partition_dir)
        : fs_(&fs), partition_dir_(std::move(partition_dir)) {}

    // Applies Kafka's assign rule in memory; true when the entries changed.
    bool apply_assign(const epoch_entry& entry);
    io_status persist();
    void check_invariant() const;

    file_system* fs_;
    std::filesystem::path partition_dir_;
    std::vector<epoch_entry> entries_;  // see the invariant above
};

}  // namespace samsa::storage
