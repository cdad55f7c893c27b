#pragma once

// A segment: one .log file of record batches exactly as on the wire, with its sparse
// .index (offset -> file position) and .timeindex (timestamp -> offset), all named after
// the segment's base offset padded to 20 digits (docs/formats/log.md, index.md,
// timeindex.md). Kafka's LogSegment.
//
// Appends go to the end; every index.interval.bytes of log an index entry points at the
// batch then appended (Kafka's rule: an entry once more than the interval has been
// written since the last one). Reads find a batch by a lookup in the offset index and a
// scan of batch headers from the position it gives.
//
// Ownership: as its partition_log (one shard, or the loading thread before that).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/ids.h"
#include "storage/file_system.h"

namespace samsa::storage {

class offset_index;
class time_index;

struct segment_settings {
    uint32_t max_index_bytes = 10 * 1024 * 1024;  // segment.index.bytes
    uint32_t index_interval_bytes = 4096;         // index.interval.bytes
    int64_t roll_jitter_ms = 0;                   // this segment's share of segment.jitter.ms
};

// A batch as the segment indexes it.
struct batch_summary {
    offset base_offset;
    offset last_offset;
    int64_t max_timestamp_ms = -1;
    uint32_t size_bytes = 0;
};

// Where a batch lies in the .log file.
struct batch_location {
    uint64_t position = 0;
    batch_summary batch;
};

// Contiguous whole batches of one segment.
struct segment_slice {
    uint64_t position = 0;
    uint32_t size_bytes = 0;
    offset first_offset;
    offset next_offset;
};

// "00000000000000001234" + suffix.
std::string segment_file_name(offset base_offset, std::string_view suffix);
// The base offset of a file named segment_file_name(base, suffix); nullopt for any other name.
std::optional<offset> parse_segment_file_name(std::string_view name, std::string_view suffix);

class log_segment {
public:
    static constexpr std::string_view log_suffix = ".log";
    static constexpr std::string_view index_suffix = ".index";
    static constexpr std::string_view time_index_suffix = ".timeindex";

    // New, empty files (a leftover of the same name is truncated). With a staging suffix
    // (the log cleaner's ".cleaned") every file name ends with it: "<base>.log.cleaned".
    static io_result<std::unique_ptr<log_segment>> create(
        file_system& fs, const std::filesystem::path& dir, offset base_offset,
        const segment_settings& settings, int64_t now_ms, std::string_view staging_suffix = {});
    // Existing files. With recover, or when an index is missing or fails its sanity check,
    // the whole .log is scanned (see recover()). A staging suffix opens the log cleaner's
    // files ("<base>.log.swap"), as create() does.
    static io_result<std::unique_ptr<log_segment>> open(file_system& fs,
                                                        const std::filesystem::path& dir,
                                                        offset base_offset,
                                                        const segment_settings& settings,
                                                        bool recover, int64_t now_ms,
                                                        std::string_view staging_suffix = {});
    ~log_segment();
    log_segment(const log_segment&) = delete;
    log_segment& operator=(const log_segment&) = delete;

    offset base_offset() const { return base_offset_; }
    uint64_t size_bytes() const { return size_bytes_; }
    bool empty() const { return size_bytes_ == 0; }
    // The offset after the last batch; the base offset when empty.
    offset next_offset() const { return next_offset_; }
    // The largest batch max timestamp, or the time the segment was created/opened when it
    // holds no timestamp (Kafka uses the file's mtime there).
    int64_t largest_timestamp_ms() const;
    // Kafka's segment.ms rule: the time between the first batch's timestamp and the
    // incoming batch's, or since creation when the segment has no timestamps.
    int64_t time_waited_for_roll(int64_t now_ms, int64_t incoming_max_timestamp_ms) const;
    int64_t roll_jitter_ms() const { return settings_.roll_jitter_ms; }
    // The first batch's maxTimestamp, -1 when there is none (max.compaction.lag.ms).
    int64_t first_batch_timestamp_ms() const;

    // Whether offset can be stored relative to the base offset (an int32).
    bool can_hold_offset(offset value) const;
    bool index_full() const;

    // Appends batches already given their offsets; batches describes each in order.
    io_status append(std::span<const uint8_t> bytes, std::span<const batch_summary> batches);

    // The batch containing target (the first whose last offset is >= target).
    io_result<std::optional<batch_location>> find_batch(offset target) const;
    // Whole batches from the one containing start: up to max_bytes (at least one when
    // min_one_batch), stopping before any batch that reaches max_offset.
    io_result<std::optional<segment_slice>> read(offset start, uint32_t max_bytes,
                                                 offset max_offset, bool min_one_batch) const;
    // The first record at or after timestamp_ms with an offset of at least start.
    io_result<std::optional<std::pair<int64_t, offset>>> find_offset_by_timestamp(
        int64_t timestamp_ms, offset start) const;

    // Scans every batch from the start: framing and CRC checked, offsets increasing,
    // indexes rebuilt; the file is truncated at the first bad batch. Returns the bytes cut.
    io_result<uint64_t> recover();
    // Everything recover() has cut since the segment was opened (open may recover too).
    uint64_t bytes_cut_by_recovery() const { return bytes_cut_by_recovery_; }
    // Removes every batch at or after the one containing `end`; returns the bytes cut.
    io_result<uint64_t> truncate_to(offset end);

    // Makes the indexes of a reopened segment that is to take appends full-sized again
    // (they were trimmed when it closed).
    io_status prepare_for_appends();
    // The segment stops taking appends: a final time-index entry, indexes trimmed.
    io_status on_roll();
    // fsync of the .log and both indexes. Blocking.
    io_status sync();
    std::shared_ptr<data_file> log_file() const { return log_; }

    // Renames the three files with an extra suffix (".deleted") and returns the new paths.
    io_result<std::vector<std::filesystem::path>> rename_with_suffix(std::string_view suffix);
    io_status close();

private:
    log_segment(file_system& fs, std::filesystem::path dir, offset base_offset,
                const segment_settings& settings, int64_t now_ms);
    io_status open_indexes(bool create_new);
    std::filesystem::path file_path(std::string_view kind) const;
    io_result<std::optional<batch_summary>> read_batch_header(uint64_t position) const;
    void index_batch(uint64_t position, const batch_summary& batch);
    io_status load_tail_state();
    void append_final_time_index_entry();

    file_system& fs_;
    std::filesystem::path dir_;
    offset base_offset_;
    segment_settings settings_;
    std::string staging_suffix_;  // empty but for the log cleaner's output
    int64_t created_ms_;
    std::shared_ptr<data_file> log_;
    std::unique_ptr<offset_index> offset_index_;
    std::unique_ptr<time_index> time_index_;
    uint64_t size_bytes_ = 0;
    offset next_offset_;
    uint32_t bytes_since_last_index_entry_ = 0;
    int64_t max_timestamp_ms_ = -1;
    offset offset_of_max_timestamp_;
    mutable std::optional<int64_t> first_batch_timestamp_ms_;
    uint64_t bytes_cut_by_recovery_ = 0;
};

}  // namespace samsa::storage
