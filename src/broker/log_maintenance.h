#pragma once

// The periodic work of Kafka's LogManager, run on every shard over the partitions it hosts:
//
//   retention      every log.retention.check.interval.ms: delete_old_segments on every log
//                  (retention.ms, retention.bytes, the log start offset).
//   file deletion  every second: the files of deleted segments whose file.delete.delay.ms
//                  has passed are removed.
//   flush          every log.flush.scheduler.interval.ms, but at least once a second: every
//                  log whose flush.ms or flush.messages is due is made durable through
//                  wait_durable (group commit; the fsync runs off the event loop).
//   producers      every producer.id.expiration.check.interval.ms (Kafka's internal
//                  default, 10 minutes): producers idle for producer.id.expiration.ms are
//                  forgotten (expire_producers), except those with an open transaction.
//   compaction     every log.cleaner.backoff.ms, when log.cleaner.enable and
//                  log.cleaner.threads > 0 (Kafka's LogCleaner): every compacted log of the
//                  shard that is due (cleanable_section::due), dirtiest first, is cleaned
//                  in turn. The pass itself (storage::clean_log) runs on the cleaner thread
//                  pool, shared by every shard and throttled together by
//                  log.cleaner.io.max.bytes.per.second; planning and the swap run on the
//                  shard. Each clean is logged with its numbers (Kafka's log-cleaner.log).
//                  The task runs beside the loop, one at a time per shard: a long clean
//                  holds back no flush or checkpoint.
//   checkpoints    on shard 0 only, every log.flush.offset.checkpoint.interval.ms and
//                  log.flush.start.offset.checkpoint.interval.ms: the offsets of every
//                  shard's logs are gathered and the log manager writes them, on a thread of
//                  its own since checkpoint files are written and fsynced by blocking calls.
//                  storage::log_manager writes both checkpoint files together, so either
//                  interval writes both.
//
// Timing (Kafka's scheduler): a task first runs min(its interval, 30 s) after start (Kafka's
// log.initial.task.delay.ms), then one interval after it last ran; an interval of 0 runs it
// once. A task that takes long delays the shard's other tasks, never a request: passes
// suspend on fsyncs and do only page-cache and directory operations inline.
//
// Ownership: one log_maintenance for the process, created and driven on shard 0; each
// shard's loop and its state live on that shard. Partitions are held by shared ownership
// while a pass is suspended; a topic deleted meanwhile leaves a closed log, which is skipped.
// stop() must complete before the logs are closed and the final checkpoints written.

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/broker_config.h"
#include "cluster/partition_manager.h"
#include "runtime/shard.h"
#include "storage/io_throttle.h"
#include "storage/log_cleaner.h"
#include "storage/log_manager.h"

namespace samsa::broker {

struct log_maintenance_settings {
    int64_t retention_check_interval_ms = 300'000;             // log.retention.check.interval.ms
    int64_t flush_check_interval_ms = 1'000;                   // see make_log_maintenance_settings
    int64_t recovery_point_checkpoint_interval_ms = 60'000;    // log.flush.offset.checkpoint...
    int64_t log_start_offset_checkpoint_interval_ms = 60'000;  // log.flush.start.offset...
    int64_t file_deletion_check_interval_ms = 1'000;
    int64_t producer_id_expiration_ms = 86'400'000;              // producer.id.expiration.ms
    int64_t producer_id_expiration_check_interval_ms = 600'000;  // Kafka's internal default
    int64_t initial_delay_ms = 30'000;  // Kafka's log.initial.task.delay.ms
    // The log cleaner: no compaction task without threads.
    int32_t cleaner_threads = 1;          // 0 when log.cleaner.enable=false
    int64_t cleaner_backoff_ms = 15'000;  // log.cleaner.backoff.ms
    std::size_t cleaner_map_bytes_per_thread = 128 * 1024 * 1024;  // dedupe buffer / threads
    double cleaner_map_load_factor = 0.9;  // log.cleaner.io.buffer.load.factor
    std::size_t cleaner_io_buffer_bytes_per_thread = 512 * 1024;
    double cleaner_io_max_bytes_per_second = 0;  // <= 0: unlimited
};

// From the broker's log settings. The flush check runs at log.flush.scheduler.interval.ms
// but at least once a second: Kafka's default (Long.MAX_VALUE) never checks, which silently
// disables a topic's flush.ms.
log_maintenance_settings make_log_maintenance_settings(const log_settings& log,
                                                       const transaction_settings& transaction,
                                                       const log_cleaner_settings& cleaner);

enum class maintenance_task : uint8_t {
    retention,
    file_deletion,
    producer_expiration,
    compaction,
    flush,
    recovery_point_checkpoint,
    log_start_offset_checkpoint,
};

// When each periodic task is due, on a monotonic clock in milliseconds. Pure: the loop asks
// it what to run and how long to sleep.
class maintenance_schedule {
public:
    // The task runs first at first_due_ms, then every interval_ms after it last ran; once
    // only when interval_ms <= 0.
    void add(maintenance_task task, int64_t interval_ms, int64_t first_due_ms);
    // The tasks due at now_ms, in the order they were added; each is rescheduled.
    std::vector<maintenance_task> take_due(int64_t now_ms);
    // When the next task is due; nullopt when none ever will be.
    std::optional<int64_t> next_due_ms() const;

private:
    struct entry {
        maintenance_task task;
        int64_t interval_ms;
        std::optional<int64_t> due_ms;  // nullopt: a one-off task that has run
    };
    std::vector<entry> entries_;
};

// The schedule of one shard started at now_ms: every shard runs retention, file deletion
// and flush; the shard that writes checkpoints runs the two checkpoint tasks too.
maintenance_schedule make_maintenance_schedule(const log_maintenance_settings& settings,
                                               bool writes_checkpoints, int64_t now_ms);

// One pass of a task over one shard's partitions, on that shard, with the wall clock's
// now_ms. Closed and failed logs are skipped; an error is logged and the pass goes on.
// Returns the segments deleted / the logs flushed.
int run_retention(cluster::partition_manager& partitions, int64_t now_ms);
void run_file_deletion(cluster::partition_manager& partitions, int64_t now_ms);
void run_producer_expiration(cluster::partition_manager& partitions, int64_t now_ms,
                             int64_t producer_id_expiration_ms);
asio::awaitable<int> run_flush(cluster::partition_manager& partitions, int64_t now_ms);

class log_maintenance {
public:
    // partitions: each shard's partition manager, by shard id; they and logs outlive this.
    log_maintenance(runtime::shard_set& shards, std::vector<cluster::partition_manager*> partitions,
                    storage::log_manager& logs, log_maintenance_settings settings);
    ~log_maintenance();
    log_maintenance(const log_maintenance&) = delete;
    log_maintenance& operator=(const log_maintenance&) = delete;

    // On shard 0, once the logs are hosted by their shards and the loops run: starts every
    // shard's loop. Does nothing after stop().
    asio::awaitable<void> start();
    // On shard 0: asks every loop to end and returns once all have (a pass under way, a
    // checkpoint write included, finishes first).
    asio::awaitable<void> stop();

private:
    struct shard_loop;

    asio::awaitable<void> run(uint32_t shard_index);
    asio::awaitable<void> run_task(maintenance_task task, uint32_t shard_index);
    asio::awaitable<void> write_checkpoints();
    // One compaction task on a shard: every due compacted log, dirtiest first. Spawned beside
    // the shard's loop (compact_in_background), so a long clean delays no other task.
    asio::awaitable<void> run_compaction(uint32_t shard_index);
    asio::awaitable<void> compact_in_background(uint32_t shard_index);
    std::set<std::string>& uncleanable_logs(uint32_t shard_index);
    asio::awaitable<void> clean_partition(std::shared_ptr<cluster::partition> hosted,
                                          uint32_t shard_index);

    runtime::shard_set& shards_;
    std::vector<cluster::partition_manager*> partitions_;
    storage::log_manager& logs_;
    log_maintenance_settings settings_;
    std::vector<std::unique_ptr<shard_loop>> loops_;  // by shard id; each used on its shard
    bool stopped_ = false;                            // on shard 0
    // The blocking checkpoint writes; one at a time, from shard 0's loop.
    asio::thread_pool checkpoint_writer_{1};
    // The log cleaner's threads (none when it is off), their shared I/O budget, and the flag
    // that stops a pass under way when the broker stops.
    std::unique_ptr<asio::thread_pool> cleaner_pool_;
    std::unique_ptr<storage::io_throttle> cleaner_throttle_;
    std::atomic<bool> cleaner_cancelled_{false};
};

}  // namespace samsa::broker
