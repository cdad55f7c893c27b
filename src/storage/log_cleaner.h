#pragma once

// Log compaction's work on files (Kafka's LogCleaner.Cleaner). The partition log describes a
// clean on its shard (partition_log::plan_clean); clean_log() then runs on a cleaner thread,
// reads the segments through descriptors of its own, and writes the cleaned segments beside
// them as "<base>.log.cleaned" (with .index, .timeindex and, when it has entries, .txnindex),
// fsynced; the shard swaps them in (partition_log::install_cleaned). The log's own segments
// are never written here.
//
// One pass:
//   1. Map: the key of every record in [first_dirty, first_uncleanable) -> its newest offset
//      (offset_map.h), skipping control batches and aborted transactions. When the map fills,
//      the pass ends there: map_end is the offset after the last record mapped, and the next
//      pass starts from it.
//   2. Clean: every segment from the first up to the one holding map_end - 1, in groups whose
//      total size fits segment.bytes and whose offsets fit one segment (small segments
//      merge), each group into one new segment named after its first. Kafka's rules, per
//      batch:
//      - a record is kept when the map holds no newer record of its key (so every record at
//        or past map_end is); a tombstone (null value) needs besides that its batch's delete
//        horizon (KIP-534) to be unset or not yet passed; a record without a key is dropped;
//      - the data of aborted transactions is dropped;
//      - a transaction marker is dropped once the pass met no batch of its transaction and
//        its delete horizon has passed;
//      - a batch that keeps tombstones, or a droppable marker, and has no delete horizon gets
//        one: now + delete.retention.ms;
//      - the last batch of each producer the partition still knows is kept, empty if need be
//        (its header alone), so that the producer's last sequence and epoch survive;
//      - a batch that keeps every record and needs no horizon is copied as it is; one that
//        keeps some is rebuilt with the same base and last offsets, producer fields, codec and
//        record timestamps.
//   Offsets never change: the log gets gaps. Batches are CRC-checked as they are read; a bad
//   one fails the pass, which then writes nothing the log uses.
//
// Memory: the offset map (sized by the caller, at most log.cleaner.dedupe.buffer.size over
// the cleaner threads), a read buffer of log.cleaner.io.buffer.size grown to the largest
// batch met, the write buffer of one group, and one decompressed batch at a time.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "storage/file_system.h"
#include "storage/io_throttle.h"
#include "storage/transaction_index.h"

namespace samsa::storage {

// Suffixes of the cleaner's files: written as .cleaned, renamed .swap when a clean commits,
// then to the segment's own names (partition_log_cleaning.cc; recovery finishes a swap).
inline constexpr std::string_view cleaned_file_suffix = ".cleaned";
inline constexpr std::string_view swap_file_suffix = ".swap";

struct cleaner_source_segment {
    offset base_offset;
    offset next_offset;
    uint64_t size_bytes = 0;
    int64_t largest_timestamp_ms = -1;
    std::shared_ptr<data_file> log;  // this clean's own read-only descriptor
};

// What the cleaner must keep of a producer the partition still knows.
struct active_producer {
    offset last_data_offset{-1};  // -1: none (its last batch was a marker)
    samsa::producer_epoch epoch{-1};
};

struct clean_plan {
    file_system* fs = nullptr;
    std::filesystem::path dir;
    // Every segment from the log's first up to the one holding first_uncleanable - 1.
    std::vector<cleaner_source_segment> segments;
    offset first_dirty;        // the map starts here (the cleaner checkpoint)
    offset first_uncleanable;  // ...and stops before here
    // Every aborted transaction whose marker is in the log, oldest first.
    std::vector<aborted_transaction> aborted;
    std::unordered_map<samsa::producer_id, active_producer> active_producers;
    int64_t now_ms = 0;
    int64_t delete_retention_ms = 86'400'000;
    int32_t max_segment_bytes = 1024 * 1024 * 1024;
    uint32_t max_index_bytes = 10 * 1024 * 1024;
    uint32_t index_interval_bytes = 4096;
    uint64_t structure_version = 0;  // the log's, when planned (install checks it)
};

struct cleaner_limits {
    std::size_t map_memory_bytes = 128 * 1024 * 1024;  // this clean's share of the dedupe buffer
    double map_load_factor = 0.9;                      // log.cleaner.io.buffer.load.factor
    std::size_t io_buffer_bytes = 512 * 1024;          // log.cleaner.io.buffer.size
    io_throttle* throttle = nullptr;                   // log.cleaner.io.max.bytes.per.second
    const std::atomic<bool>* cancelled = nullptr;      // checked between batches
};

// One new segment, staged as <base_offset>.*.cleaned.
struct cleaned_segment {
    offset base_offset;            // its first replaced segment's: the new one takes its name
    std::vector<offset> replaced;  // the base offsets of the segments it replaces, in order
    bool has_transaction_index = false;
    uint64_t size_bytes = 0;
};

struct clean_stats {
    uint64_t bytes_read = 0;     // both phases
    uint64_t bytes_written = 0;  // the cleaned segments' .log files
    uint64_t source_bytes = 0;   // the segments cleaned
    uint64_t records_read = 0;   // in the clean phase
    uint64_t records_kept = 0;
    uint64_t batches_rebuilt = 0;
    std::size_t map_entries = 0;
    double map_utilization = 0;
};

struct clean_outcome {
    std::vector<cleaned_segment> segments;
    offset map_end;  // the next pass's first dirty offset
    // The largest delete horizon this pass set or kept (-1: none): once it has passed, a
    // new pass can drop the tombstones and markers that waited for it.
    int64_t latest_delete_horizon_ms = -1;
    clean_stats stats;
};

// What a log offers the cleaner now (Kafka's LogToClean and cleanableOffsets).
struct cleanable_section {
    offset first_dirty;            // the cleaner checkpoint, within the log
    offset first_uncleanable;      // min(LSO, active segment, first segment newer than min lag)
    uint64_t clean_bytes = 0;      // segments wholly below first_dirty
    uint64_t cleanable_bytes = 0;  // segments overlapping [first_dirty, first_uncleanable)
    // max.compaction.lag.ms: the first dirty segment's first batch is older than it.
    bool compaction_lag_exceeded = false;
    // The latest delete horizon the last clean set has passed: tombstones and markers that
    // waited for it may go.
    bool delete_horizon_passed = false;

    double dirty_ratio() const {
        uint64_t total = clean_bytes + cleanable_bytes;
        return total == 0 ? 0.0 : static_cast<double>(cleanable_bytes) / static_cast<double>(total);
    }
    // Whether to clean now (Kafka's grabFilthiestCompactedLog): dirty enough, or dirty at all
    // past max.compaction.lag.ms, or a delete horizon passed.
    bool due(double min_cleanable_dirty_ratio) const {
        return (cleanable_bytes > 0 &&
                (compaction_lag_exceeded || dirty_ratio() > min_cleanable_dirty_ratio)) ||
               delete_horizon_passed;
    }
};

// The paths of a staged segment's files with the given suffix (".cleaned", ".swap"), the
// .log file last.
std::vector<std::filesystem::path> staged_segment_files(const std::filesystem::path& dir,
                                                        offset base_offset, bool with_txn_index,
                                                        std::string_view suffix);

// Runs a pass. Blocking; for a cleaner thread. On failure (I/O, a corrupt batch,
// cancellation: std::errc::operation_canceled) the files it staged are removed.
io_result<clean_outcome> clean_log(const clean_plan& plan, const cleaner_limits& limits);

// Removes a pass's staged files (it was not installed). Errors are ignored: the next open
// of the log removes leftovers.
void remove_staged_segments(file_system& fs, const std::filesystem::path& dir,
                            const std::vector<cleaned_segment>& segments);

}  // namespace samsa::storage
