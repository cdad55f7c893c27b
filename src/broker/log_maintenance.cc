#include "broker/log_maintenance.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "runtime/async_event.h"
#include "runtime/cross_shard.h"

namespace samsa::broker {
namespace {

constexpr int64_t max_flush_check_interval_ms = 1'000;

int64_t steady_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool usable(const cluster::partition& hosted) {
    return !hosted.log().closed() && !hosted.log().failed();
}

// The logs a pass may work on, copied first: the partition manager may change while the
// pass is suspended.
std::vector<std::shared_ptr<cluster::partition>> usable_partitions(
    cluster::partition_manager& partitions) {
    std::vector<std::shared_ptr<cluster::partition>> result;
    result.reserve(partitions.size());
    for (auto& [id, hosted] : partitions) {
        if (usable(*hosted)) {
            result.push_back(hosted);
        }
    }
    return result;
}

bool is_checkpoint(maintenance_task task) {
    return task == maintenance_task::recovery_point_checkpoint ||
           task == maintenance_task::log_start_offset_checkpoint;
}

}  // namespace

log_maintenance_settings make_log_maintenance_settings(const log_settings& log,
                                                       const transaction_settings& transaction,
                                                       const log_cleaner_settings& cleaner) {
    log_maintenance_settings settings;
    settings.cleaner_threads = cleaner.enable ? std::max(cleaner.threads, 0) : 0;
    settings.cleaner_backoff_ms = cleaner.backoff_ms;
    int64_t threads = std::max(settings.cleaner_threads, 1);
    // Kafka divides both buffers among the threads (and the I/O one again between reading
    // and writing); the map gets at least 1 MiB.
    settings.cleaner_map_bytes_per_thread = static_cast<std::size_t>(
        std::max<int64_t>(cleaner.dedupe_buffer_size / threads, 1024 * 1024));
    settings.cleaner_map_load_factor = cleaner.io_buffer_load_factor;
    settings.cleaner_io_buffer_bytes_per_thread =
        static_cast<std::size_t>(std::max<int64_t>(cleaner.io_buffer_size / threads / 2, 4096));
    // Kafka's default, Double.MAX_VALUE, means no limit.
    double rate = cleaner.io_max_bytes_per_second;
    settings.cleaner_io_max_bytes_per_second =
        std::isfinite(rate) && rate < std::numeric_limits<double>::max() ? rate : 0;
    settings.producer_id_expiration_ms = transaction.producer_id_expiration_ms;
    settings.retention_check_interval_ms = log.retention_check_interval_ms;
    settings.flush_check_interval_ms =
        log.flush_scheduler_interval_ms > 0
            ? std::min(log.flush_scheduler_interval_ms, max_flush_check_interval_ms)
            : max_flush_check_interval_ms;
    settings.recovery_point_checkpoint_interval_ms = log.flush_offset_checkpoint_interval_ms;
    settings.log_start_offset_checkpoint_interval_ms =
        log.flush_start_offset_checkpoint_interval_ms;
    return settings;
}

void maintenance_schedule::add(maintenance_task task, int64_t interval_ms, int64_t first_due_ms) {
    entries_.push_back({.task = task, .interval_ms = interval_ms, .due_ms = first_due_ms});
}

std::vector<maintenance_task> maintenance_schedule::take_due(int64_t now_ms) {
    std::vector<maintenance_task> due;
    for (entry& each : entries_) {
        if (each.due_ms && *each.due_ms <= now_ms) {
            due.push_back(each.task);
            each.due_ms =
                each.interval_ms > 0 ? std::optional(now_ms + each.interval_ms) : std::nullopt;
        }
    }
    return due;
}

std::optional<int64_t> maintenance_schedule::next_due_ms() const {
    std::optional<int64_t> next;
    for (const entry& each : entries_) {
        if (each.due_ms && (!next || *each.due_ms < *next)) {
            next = each.due_ms;
        }
    }
    return next;
}

maintenance_schedule make_maintenance_schedule(const log_maintenance_settings& settings,
                                               bool writes_checkpoints, int64_t now_ms) {
    maintenance_schedule schedule;
    auto add = [&](maintenance_task task, int64_t interval_ms) {
        int64_t delay_ms = std::max<int64_t>(0, std::min(interval_ms, settings.initial_delay_ms));
        schedule.add(task, interval_ms, now_ms + delay_ms);
    };
    add(maintenance_task::retention, settings.retention_check_interval_ms);
    add(maintenance_task::file_deletion, settings.file_deletion_check_interval_ms);
    add(maintenance_task::producer_expiration, settings.producer_id_expiration_check_interval_ms);
    if (settings.cleaner_threads > 0) {
        add(maintenance_task::compaction, settings.cleaner_backoff_ms);
    }
    add(maintenance_task::flush, settings.flush_check_interval_ms);
    if (writes_checkpoints) {
        add(maintenance_task::recovery_point_checkpoint,
            settings.recovery_point_checkpoint_interval_ms);
        add(maintenance_task::log_start_offset_checkpoint,
            settings.log_start_offset_checkpoint_interval_ms);
    }
    return schedule;
}

int run_retention(cluster::partition_manager& partitions, int64_t now_ms) {
    int total = 0;
    for (const auto& hosted : usable_partitions(partitions)) {
        storage::partition_log& log = hosted->log();
        offset start_before = log.log_start_offset();
        uint64_t bytes_before = log.size_bytes();
        auto deleted = log.delete_old_segments(now_ms);
        if (!deleted) {
            log::error("retention of {}: {}", storage::partition_dir_name(hosted->id()),
                       deleted.error().message);
            continue;
        }
        if (deleted.value() > 0) {
            const storage::log_config& config = log.config();
            log::info(
                "deleted {} segments of {}: {} bytes, log start offset {} -> {} (retention.ms "
                "{}, retention.bytes {})",
                deleted.value(), storage::partition_dir_name(hosted->id()),
                bytes_before - std::min(bytes_before, log.size_bytes()), start_before.value(),
                log.log_start_offset().value(), config.retention_ms, config.retention_bytes);
            total += deleted.value();
        }
    }
    return total;
}

void run_file_deletion(cluster::partition_manager& partitions, int64_t now_ms) {
    for (const auto& hosted : usable_partitions(partitions)) {
        if (auto removed = hosted->log().remove_expired_files(now_ms); !removed) {
            log::error("removing deleted segments of {}: {}",
                       storage::partition_dir_name(hosted->id()), removed.error().message);
        }
    }
}

void run_producer_expiration(cluster::partition_manager& partitions, int64_t now_ms,
                             int64_t producer_id_expiration_ms) {
    for (const auto& hosted : usable_partitions(partitions)) {
        hosted->log().expire_producers(now_ms, producer_id_expiration_ms);
    }
}

asio::awaitable<int> run_flush(cluster::partition_manager& partitions, int64_t now_ms) {
    int flushed = 0;
    for (const auto& hosted : usable_partitions(partitions)) {
        // An earlier flush in this pass may have let the topic be deleted meanwhile.
        if (!usable(*hosted) || !hosted->log().flush_due(now_ms)) {
            continue;
        }
        storage::partition_log& log = hosted->log();
        auto durable = co_await log.wait_durable(log.log_end_offset());
        if (durable) {
            ++flushed;
        } else if (durable.error().code != storage::storage_errc::closed) {
            log::error("flushing {}: {}", storage::partition_dir_name(hosted->id()),
                       durable.error().message);
        }
    }
    co_return flushed;
}

// One shard's loop; created by start() and then used only on its shard.
struct log_maintenance::shard_loop {
    maintenance_schedule schedule;
    std::unique_ptr<asio::steady_timer> timer;
    std::unique_ptr<runtime::async_event> ended;
    bool running = false;
    bool stopping = false;
    // The compaction task runs beside the loop (a clean may take minutes, which must not
    // hold back flushes and checkpoints); at most one at a time.
    bool compacting = false;
    std::unique_ptr<runtime::async_event> compaction_ended;
    // Logs a pass found a batch it cannot read in (a corrupt segment): left alone until the
    // broker restarts (Kafka's uncleanable partitions).
    std::set<std::string> uncleanable;
};

log_maintenance::log_maintenance(runtime::shard_set& shards,
                                 std::vector<cluster::partition_manager*> partitions,
                                 storage::log_manager& logs, log_maintenance_settings settings)
    : shards_(shards), partitions_(std::move(partitions)), logs_(logs), settings_(settings) {
    SAMSA_ASSERT(partitions_.size() == shards_.size(), "%zu partition managers for %u shards",
                 partitions_.size(), shards_.size());
    for (uint32_t index = 0; index < shards_.size(); ++index) {
        loops_.push_back(std::make_unique<shard_loop>());
    }
    asio::post(checkpoint_writer_, [] { log::set_thread_name("checkpoints"); });
    if (settings_.cleaner_threads > 0) {
        cleaner_pool_ = std::make_unique<asio::thread_pool>(
            static_cast<std::size_t>(settings_.cleaner_threads));
        for (int32_t index = 0; index < settings_.cleaner_threads; ++index) {
            asio::post(*cleaner_pool_, [] { log::set_thread_name("log-cleaner"); });
        }
        cleaner_throttle_ =
            std::make_unique<storage::io_throttle>(settings_.cleaner_io_max_bytes_per_second);
    }
}

log_maintenance::~log_maintenance() {
    cleaner_cancelled_ = true;
    if (cleaner_pool_) {
        cleaner_pool_->join();
    }
    checkpoint_writer_.join();
}

asio::awaitable<void> log_maintenance::start() {
    if (stopped_) {
        co_return;
    }
    int64_t now_ms = steady_clock_ms();
    for (uint32_t index = 0; index < shards_.size() && !stopped_; ++index) {
        auto begin = [this, index, now_ms] {
            shard_loop& loop = *loops_[index];
            if (loop.stopping) {
                return;
            }
            auto executor = shards_.at(index).executor();
            loop.schedule = make_maintenance_schedule(settings_, index == 0, now_ms);
            loop.timer = std::make_unique<asio::steady_timer>(executor);
            loop.ended = std::make_unique<runtime::async_event>(executor);
            loop.compaction_ended = std::make_unique<runtime::async_event>(executor);
            loop.running = true;
            asio::co_spawn(executor, run(index), asio::detached);
        };
        co_await runtime::invoke_on(shards_.at(index), std::move(begin));
    }
    log::info(
        "log maintenance started: retention every {} ms, flush checks every {} ms, "
        "checkpoints every {} / {} ms",
        settings_.retention_check_interval_ms, settings_.flush_check_interval_ms,
        settings_.recovery_point_checkpoint_interval_ms,
        settings_.log_start_offset_checkpoint_interval_ms);
}

asio::awaitable<void> log_maintenance::stop() {
    stopped_ = true;
    // A clean under way gives up at its next batch; its staged files are removed.
    cleaner_cancelled_ = true;
    for (uint32_t index = 0; index < shards_.size(); ++index) {
        auto end = [this, index]() -> asio::awaitable<void> {
            shard_loop& loop = *loops_[index];
            loop.stopping = true;
            if (loop.timer) {
                loop.timer->cancel();
            }
            while (loop.running) {
                co_await loop.ended->wait();
            }
            while (loop.compacting) {
                co_await loop.compaction_ended->wait();
            }
        };
        co_await runtime::invoke_on(shards_.at(index), std::move(end));
    }
}

asio::awaitable<void> log_maintenance::run(uint32_t shard_index) {
    shard_loop& loop = *loops_[shard_index];
    while (!loop.stopping) {
        std::optional<int64_t> next_ms = loop.schedule.next_due_ms();
        if (!next_ms) {
            break;
        }
        int64_t now_ms = steady_clock_ms();
        if (*next_ms > now_ms) {
            loop.timer->expires_after(std::chrono::milliseconds(*next_ms - now_ms));
            co_await loop.timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            continue;
        }
        // One checkpoint write serves both checkpoint tasks when they fall due together.
        bool wrote_checkpoints = false;
        for (maintenance_task task : loop.schedule.take_due(now_ms)) {
            if (loop.stopping) {
                break;
            }
            if (is_checkpoint(task)) {
                if (wrote_checkpoints) {
                    continue;
                }
                wrote_checkpoints = true;
            }
            co_await run_task(task, shard_index);
        }
    }
    loop.running = false;
    loop.ended->notify_all();
}

asio::awaitable<void> log_maintenance::run_task(maintenance_task task, uint32_t shard_index) {
    cluster::partition_manager& partitions = *partitions_[shard_index];
    // Segment timestamps, flush times and deletion deadlines are on the wall clock, as the
    // appends that set them.
    switch (task) {
        case maintenance_task::retention:
            run_retention(partitions, wall_clock_ms());
            break;
        case maintenance_task::file_deletion:
            run_file_deletion(partitions, wall_clock_ms());
            break;
        case maintenance_task::producer_expiration:
            run_producer_expiration(partitions, wall_clock_ms(),
                                    settings_.producer_id_expiration_ms);
            break;
        case maintenance_task::flush:
            co_await run_flush(partitions, wall_clock_ms());
            break;
        case maintenance_task::compaction:
            if (shard_loop& loop = *loops_[shard_index]; !loop.compacting) {
                loop.compacting = true;
                asio::co_spawn(shards_.at(shard_index).executor(),
                               compact_in_background(shard_index), asio::detached);
            }
            break;
        case maintenance_task::recovery_point_checkpoint:
        case maintenance_task::log_start_offset_checkpoint:
            co_await write_checkpoints();
            break;
    }
}

std::set<std::string>& log_maintenance::uncleanable_logs(uint32_t shard_index) {
    return loops_[shard_index]->uncleanable;
}

asio::awaitable<void> log_maintenance::compact_in_background(uint32_t shard_index) {
    co_await run_compaction(shard_index);
    shard_loop& loop = *loops_[shard_index];
    loop.compacting = false;
    loop.compaction_ended->notify_all();
}

asio::awaitable<void> log_maintenance::write_checkpoints() {
    auto gather = [this](runtime::shard& owner) {
        return partitions_[owner.id().value()]->offsets();
    };
    auto per_shard = co_await runtime::invoke_on_all(shards_, gather);
    std::vector<storage::log_offsets> offsets;
    for (auto& shard_offsets : per_shard) {
        offsets.insert(offsets.end(), std::make_move_iterator(shard_offsets.begin()),
                       std::make_move_iterator(shard_offsets.end()));
    }
    // log_manager::write_checkpoints reads only the log dirs, fixed at construction, so it
    // may run beside the log manager's use on shard 0 (creating logs). co_spawn needs a
    // default-constructible result: the error message, if any.
    auto write = [this, &offsets]() -> asio::awaitable<std::optional<std::string>> {
        auto written = logs_.write_checkpoints(offsets);
        co_return written ? std::nullopt : std::optional(written.error().message);
    };
    auto problem = co_await asio::co_spawn(checkpoint_writer_.get_executor(), std::move(write),
                                           asio::use_awaitable);
    if (problem) {
        log::error("writing the offset checkpoints: {}", *problem);
    }
}

}  // namespace samsa::broker
