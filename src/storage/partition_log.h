#pragma once

// One partition's log: a directory of segments (log_segment.h), the newest of which takes
// appends. Kafka's UnifiedLog/LocalLog, without replication (its hook: the high watermark is
// set by the layers above).
//
// Producers (partition_log_producers.cc): the log keeps its producer state
// (producer_state.h) in step with every batch appended, so a leader can refuse or
// deduplicate a client's batch before appending it (check_producer_batch), and knows the
// open transactions (the last stable offset). Aborted transactions go to the `.txnindex` of
// the segment holding their marker. The state is snapshotted to `<offset>.snapshot` when a
// segment rolls and when the log closes, and rebuilt on open from the newest snapshot plus
// the log after it.
//
// Ownership: a partition_log belongs to one shard and is used only on its thread (or, before
// a shard takes it, by the thread that loads it). Nothing here locks.
//
// Offsets: the log end offset (LEO) is the offset the next appended record gets; the log
// start offset is the first offset a reader may ask for (it moves with retention and
// DeleteRecords, and may lie inside the first segment); reads are limited by the caller to
// an upper bound (the high watermark for consumers).
//
// Durability: append() writes to the page cache. wait_durable(offset) returns once
// everything below offset is fsynced; concurrent waiters share one fsync (group commit).
// fsync runs through file_system::async_sync and never blocks the event loop. An I/O error
// marks the log failed: every later call returns storage_errc::log_failed (Kafka's
// KAFKA_STORAGE_ERROR) until the log is reopened.

#include <asio/awaitable.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "runtime/async_event.h"
#include "storage/file_system.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_cleaner.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/transaction_index.h"

namespace samsa::storage {

class log_segment;

enum class storage_errc : uint8_t {
    io_error,             // the disk failed this call; the log is now failed
    log_failed,           // an earlier I/O error failed the log
    offset_out_of_range,  // a read below the log start offset or past the end
    corrupt_log,          // the directory holds something that cannot be a log
    closed,               // close() was called (the partition is no longer hosted)
};

struct storage_error {
    storage_errc code;
    std::string message;
};

template <typename T>
using storage_result = result<T, storage_error>;

struct append_result {
    offset base_offset;
    offset last_offset;
    int64_t log_append_time_ms = -1;  // -1 unless the log stamps LogAppendTime
    offset log_start_offset;
};

// Bytes of a segment file to send as they are (sendfile). Holding it keeps the file open
// even if retention deletes the segment meanwhile.
struct file_region {
    std::shared_ptr<data_file> file;
    uint64_t position = 0;
    uint32_t size_bytes = 0;
};

struct read_result {
    // Whole batches, in offset order; empty when nothing is readable below the bound.
    std::vector<file_region> regions;
    uint32_t size_bytes = 0;
    offset first_offset{-1};  // base offset of the first batch returned
    offset next_offset{-1};   // the offset after the last batch returned
};

struct timestamp_and_offset {
    int64_t timestamp_ms;
    offset position;  // the first offset whose timestamp is at or after the target
};

// What the log manager knows about a log when it opens it.
struct log_load_options {
    offset recovery_point{0};     // everything below was fsynced before the last stop
    offset log_start_offset{0};   // from log-start-offset-checkpoint
    bool clean_shutdown = false;  // the log dir's clean-shutdown marker was present
    int64_t now_ms = 0;
    offset cleaner_checkpoint{0};  // from cleaner-offset-checkpoint
};

class partition_log {
public:
    // Opens (and recovers) the log in dir, creating the directory and a first segment if
    // needed. Recovery: leftover .deleted/.cleaned/.tmp files are removed; after an unclean
    // shutdown every segment from the recovery point on is scanned, batch framing and CRC
    // checked, the log truncated at the first bad batch (later segments deleted), and
    // indexes rebuilt; a missing or corrupt index is rebuilt in any case.
    static storage_result<std::unique_ptr<partition_log>> open(file_system& fs,
                                                               std::filesystem::path dir,
                                                               const log_config& config,
                                                               const log_load_options& options);
    ~partition_log();
    partition_log(const partition_log&) = delete;
    partition_log& operator=(const partition_log&) = delete;

    // Appends one or more v2 batches, concatenated and already validated (framing, CRC):
    // assigns offsets from the log end offset by rewriting each base offset in place, stamps
    // the partition leader epoch and, with log_append_time, now_ms. Rolls first when the
    // active segment is full (segment.bytes, a full index, offsets that would not fit
    // relative to the base) or old (segment.ms minus jitter).
    storage_result<append_result> append(std::span<uint8_t> batches, leader_epoch epoch,
                                         int64_t now_ms);

    // Whole batches from the one containing start, up to max_bytes (at least one batch when
    // min_one_batch, however large), never past max_offset (exclusive).
    storage_result<read_result> read(offset start, uint32_t max_bytes, offset max_offset,
                                     bool min_one_batch) const;

    // The first record at or after timestamp_ms, if any (ListOffsets by time).
    storage_result<std::optional<timestamp_and_offset>> offset_for_timestamp(
        int64_t timestamp_ms) const;
    // The largest record timestamp of the readable log, -1 when it holds none (ListOffsets
    // MAX_TIMESTAMP: offset_for_timestamp of this value finds its first record).
    int64_t max_timestamp_ms() const;

    // Returns once every offset below `end` is on disk (group commit: one fsync serves every
    // waiter it covers). Call on the owning shard; the first call binds the log to that
    // shard's event loop, which must outlive the log.
    asio::awaitable<storage_result<std::monostate>> wait_durable(offset end);
    // Blocking flush of everything (close, tools). Not for the event loop.
    storage_result<std::monostate> flush();
    // Whether flush.messages or flush.ms asks for a flush now.
    bool flush_due(int64_t now_ms) const;

    // Retention: deletes whole segments, oldest first, that are past retention.ms (by their
    // largest timestamp), beyond retention.bytes, or entirely below the log start offset.
    // The active segment is rolled first when it must go. Deleted segments are renamed
    // *.deleted and their files removed after file.delete.delay.ms (remove_expired_files).
    storage_result<int> delete_old_segments(int64_t now_ms);
    storage_result<std::monostate> remove_expired_files(int64_t now_ms);
    // Moves the log start offset forward; it never moves back, nor past the log end.
    storage_result<std::monostate> increment_log_start_offset(offset new_start);
    // DeleteRecords (Kafka's maybeIncrementLogStartOffset, then the segment deletion its next
    // retention pass would do): the log start offset moves to new_start, which may not pass
    // the high watermark (storage_errc::offset_out_of_range), and every segment wholly below
    // it is deleted as retention deletes. Returns the log start offset after the call, which
    // is larger than new_start when the log already started later. Durability of the new
    // start is the caller's: log_manager::persist_log_start_offsets.
    storage_result<offset> delete_records_before(offset new_start, int64_t now_ms);

    // Removes every record at or after `end` (a follower truncating to its leader).
    storage_result<std::monostate> truncate_to(offset end);
    // Starts a new segment at the log end offset.
    storage_result<std::monostate> roll(int64_t now_ms);

    offset log_start_offset() const { return log_start_offset_; }
    offset log_end_offset() const { return log_end_offset_; }
    offset recovery_point() const { return recovery_point_; }
    // The replication hook: on one node it follows the log end offset.
    offset high_watermark() const { return high_watermark_; }
    void set_high_watermark(offset value);
    // What read_committed consumers may read up to: the first offset of the oldest open
    // transaction, or the high watermark when that is lower.
    offset last_stable_offset() const;

    // Kafka's producer checks of a client's batch before a leader appends it: a retry of one
    // of the producer's last five batches (answer it with those offsets; append nothing), or
    // the error to answer (producer_state_table::check_client_batch). Nothing to check for a
    // batch without a producer id.
    result<std::optional<duplicate_batch>, producer_error> check_producer_batch(
        const protocol::record_batch_view& batch) const;
    // The epoch checks of a transaction marker before it is appended.
    result<std::monostate, producer_error> check_transaction_marker(
        samsa::producer_id id, samsa::producer_epoch epoch, int32_t coordinator_epoch) const;
    const producer_state_table& producers() const { return *producers_; }
    // Aborted transactions overlapping [from, upper_bound), for a read_committed Fetch.
    storage_result<std::vector<aborted_transaction>> aborted_transactions(offset from,
                                                                          offset upper_bound) const;
    // Forgets producers idle for producer.id.expiration.ms (none with an open transaction).
    void expire_producers(int64_t now_ms, int64_t producer_id_expiration_ms);

    // Calls visit for every whole batch from the one holding `from` to the log end, in offset
    // order, read with blocking reads (replays at open, not the consumers' path). The first
    // error, visit's or the log's, stops the walk and is returned (partition_log_visit.cc).
    using batch_visitor =
        std::function<storage_result<std::monostate>(const protocol::record_batch_view& batch)>;
    storage_result<std::monostate> visit_batches(offset from, protocol::crc_check check,
                                                 const batch_visitor& visit);

    // Log compaction (partition_log_cleaning.cc; the work itself is log_cleaner.h's, on a
    // cleaner thread). cleanable(): what a clean would cover now; nullopt unless the log is
    // compacted (cleanup.policy has "compact") and usable.
    std::optional<cleanable_section> cleanable(int64_t now_ms) const;
    // The plan for clean_log: every segment below the first uncleanable offset, each with a
    // read-only descriptor of its own, and what the producers and aborted transactions need
    // kept. nullopt when there is nothing to clean.
    storage_result<std::optional<clean_plan>> plan_clean(int64_t now_ms);
    // Swaps in what clean_log wrote for the plan, group by group, crash-safe at every step:
    // the staged files are renamed .cleaned -> .swap and the directory fsynced (the commit;
    // blocking, once per group), the replaced segments renamed .deleted (removed after
    // file.delete.delay.ms), the .swap files renamed to the segment's names. Recovery
    // finishes a swap that a crash interrupted after its commit, and drops one before it. A
    // group whose segments are no longer all in the log (retention or truncation took some
    // meanwhile) is dropped with its files. Moves the cleaner checkpoint to the pass's map
    // end. Returns the segments swapped in.
    storage_result<int> install_cleaned(const clean_plan& plan, const clean_outcome& outcome,
                                        int64_t now_ms);
    // The cleaner checkpoint: the first offset the last clean did not map (Kafka's
    // cleaner-offset-checkpoint). Starts at 0; a value outside the log counts as the log start.
    offset cleaner_checkpoint() const { return cleaner_checkpoint_; }
    void set_cleaner_checkpoint(offset first_dirty) { cleaner_checkpoint_ = first_dirty; }

    // Leader epoch -> first offset, kept in leader-epoch-checkpoint: appends record a new
    // epoch; truncation and a moving log start offset trim it.
    const leader_epoch_cache& epochs() const { return *epochs_; }

    uint64_t size_bytes() const;
    std::size_t segment_count() const { return segments_.size(); }
    std::vector<offset> segment_base_offsets() const;
    const std::filesystem::path& dir() const { return dir_; }
    bool failed() const { return failed_; }

    // New settings from now on (a topic config changed). Each takes effect at its next use:
    // segment.bytes, segment.ms and message.timestamp.type at the next append (a smaller
    // segment.bytes rolls the active segment then); retention.ms, retention.bytes at the next
    // delete_old_segments; flush.messages, flush.ms at the next flush_due; file.delete.delay.ms
    // for segments deleted from then on. segment.index.bytes, index.interval.bytes and
    // segment.jitter.ms are fixed when a segment is created, so they apply from the next
    // segment on (Kafka's rule as well).
    void set_config(const log_config& config) { config_ = config; }
    const log_config& config() const { return config_; }

    // Flushes and trims the indexes; every later call returns storage_errc::closed.
    storage_result<std::monostate> close();
    bool closed() const { return closed_; }

private:
    partition_log(file_system& fs, std::filesystem::path dir, const log_config& config);

    storage_result<std::monostate> load(const log_load_options& options);
    // Finishes the cleaner's swaps a crash interrupted after their commit (a <base>.log.swap
    // exists): the segments it replaces go, its files take their names. Other .swap files
    // are of a swap that never committed and go (partition_log_cleaning.cc).
    storage_result<std::monostate> complete_interrupted_swaps();
    // Whether the segments install_cleaned would replace are still in the log, and where.
    std::optional<std::size_t> replaced_segments_position(const cleaned_segment& cleaned) const;
    storage_result<std::monostate> swap_in(const cleaned_segment& cleaned, std::size_t position,
                                           int64_t now_ms);
    storage_result<std::monostate> roll_if_needed(uint32_t incoming_bytes, offset incoming_last,
                                                  int64_t incoming_max_timestamp_ms,
                                                  int64_t now_ms);
    storage_error fail(const io_failure& failure);
    storage_result<std::monostate> check_usable() const;
    log_segment& active() const { return *segments_.back(); }
    // The segment that may hold target: the last whose base offset is at or below it (the
    // first segment when none is).
    std::size_t segment_index_for(offset target) const;
    storage_result<std::monostate> delete_segment_front(int64_t now_ms);
    // Whether retention.ms and retention.bytes count when choosing segments to delete, or only
    // the log start offset (DeleteRecords).
    enum class deletion_rules : uint8_t { retention_and_log_start, log_start_only };
    // How many segments, oldest first, may be deleted under the rules (partition_log_retention.cc).
    std::size_t deletable_front_segments(int64_t now_ms, deletion_rules rules) const;
    storage_result<int> delete_front_segments(std::size_t count, int64_t now_ms);
    storage_result<std::monostate> trim_epochs_to_log();

    // Producer state (partition_log_producers.cc).
    // What append() learned of one batch before rewriting it.
    struct appended_producer_batch {
        producer_batch producer;
        std::optional<protocol::transaction_marker> marker;  // a transaction marker's
        bool control = false;
        offset first_offset;
        offset last_offset;
        int64_t timestamp_ms = -1;
    };
    static appended_producer_batch describe_for_producers(const protocol::record_batch_view& view);
    // Applies one appended (or replayed) batch to the producer state; an aborted transaction
    // goes to the transaction index of the segment holding its marker.
    storage_result<std::monostate> apply_to_producers(const appended_producer_batch& batch);
    // Opens the segments' transaction indexes, then loads the newest usable snapshot at or
    // below the log end and replays the log after it.
    storage_result<std::monostate> load_producer_state();
    // Rebuilds the state from the newest snapshot at or below the log end (after truncation),
    // or from the log start ignoring every snapshot (a transaction index had to be rebuilt).
    enum class snapshot_use : uint8_t { newest, ignore };
    storage_result<std::monostate> rebuild_producer_state(snapshot_use use = snapshot_use::newest);
    storage_result<std::monostate> replay_into_producers(offset from);
    // Writes the state as <log end>.snapshot (a roll, close).
    storage_result<std::monostate> snapshot_producers();
    transaction_index* transaction_index_for(offset segment_base, bool create);
    // The transaction index files of a deleted segment, renamed; empty when it had none.
    storage_result<std::vector<std::filesystem::path>> retire_transaction_index(
        offset segment_base);

    // Appended to the files of a deleted segment until they are removed; recovery removes
    // leftovers.
    static constexpr std::string_view deleted_file_suffix = ".deleted";

    struct pending_deletion {
        std::vector<std::filesystem::path> files;
        int64_t due_ms;
    };

    file_system& fs_;
    std::filesystem::path dir_;
    log_config config_;
    std::deque<std::unique_ptr<log_segment>> segments_;  // by base offset
    std::unique_ptr<leader_epoch_cache> epochs_;
    std::unique_ptr<producer_state_table> producers_;
    // The transaction indexes of the segments that have (or had, at open) one, by base offset.
    std::map<offset, std::unique_ptr<transaction_index>> transaction_indexes_;
    offset log_start_offset_{0};
    offset log_end_offset_{0};
    offset recovery_point_{0};
    offset high_watermark_{0};
    int64_t unflushed_messages_ = 0;
    int64_t last_flush_ms_ = 0;
    // The newest now_ms appends were given: the log's logical clock for flush.ms.
    int64_t last_append_ms_ = 0;
    std::vector<pending_deletion> pending_deletions_;
    // Log compaction: see cleaner_checkpoint(); the latest delete horizon the last clean set
    // (-1: none); a count of truncations, which void a clean planned before them.
    offset cleaner_checkpoint_{0};
    int64_t latest_delete_horizon_ms_ = -1;
    uint64_t structure_version_ = 0;
    bool failed_ = false;
    bool closed_ = false;

    // Group commit: one fsync round at a time; a waiter whose offset the running round
    // does not cover waits for it to end and starts (or joins) the next.
    bool flush_in_progress_ = false;
    std::unique_ptr<runtime::async_event> flush_finished_;
    // Files of rolled segments, and the directory, not yet fsynced; the next round syncs
    // them first.
    std::vector<std::shared_ptr<data_file>> rolled_unsynced_;
};

}  // namespace samsa::storage
