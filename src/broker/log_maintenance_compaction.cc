// The compaction task of log_maintenance.h: on each shard, every compacted log that is due
// is planned on the shard, cleaned on the cleaner thread pool and swapped in on the shard.

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

#include "base/clock.h"
#include "base/log.h"
#include "broker/log_maintenance.h"
#include "storage/offset_map.h"

namespace samsa::broker {
namespace {

// What a pass on the cleaner pool returns to the shard: co_spawn needs a
// default-constructible result.
struct pass_result {
    std::optional<storage::clean_outcome> outcome;
    std::optional<storage::io_failure> error;
    double seconds = 0;
};

// The map gets no more memory than the dirty section could fill: a key per 8 bytes of log at
// most, at 24 bytes a slot, over the load factor (a pass over a small log stays small).
std::size_t map_bytes_for(uint64_t section_bytes, std::size_t budget) {
    uint64_t wanted = section_bytes / 8 * storage::offset_map::slot_bytes * 2 + 64 * 1024;
    return static_cast<std::size_t>(std::min<uint64_t>(wanted, budget));
}

// The bytes of the segments the plan's map will read.
uint64_t dirty_bytes(const storage::clean_plan& plan) {
    uint64_t total = 0;
    for (const auto& segment : plan.segments) {
        if (segment.next_offset > plan.first_dirty) {
            total += segment.size_bytes;
        }
    }
    return total;
}

double megabytes(uint64_t bytes) {
    return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

}  // namespace

asio::awaitable<void> log_maintenance::run_compaction(uint32_t shard_index) {
    cluster::partition_manager& partitions = *partitions_[shard_index];
    int64_t now_ms = wall_clock_ms();
    // Dirtiest first, as Kafka's grabFilthiestCompactedLog picks them.
    std::vector<std::pair<double, std::shared_ptr<cluster::partition>>> due;
    for (auto& [id, hosted] : partitions) {
        storage::partition_log& log = hosted->log();
        auto section = log.cleanable(now_ms);
        if (section && section->due(log.config().min_cleanable_dirty_ratio)) {
            due.emplace_back(section->dirty_ratio(), hosted);
        }
    }
    std::stable_sort(due.begin(), due.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& [ratio, hosted] : due) {
        if (cleaner_cancelled_) {
            break;
        }
        co_await clean_partition(hosted, shard_index);
    }
}

asio::awaitable<void> log_maintenance::clean_partition(std::shared_ptr<cluster::partition> hosted,
                                                       uint32_t shard_index) {
    storage::partition_log& log = hosted->log();
    std::string name = storage::partition_dir_name(hosted->id());
    std::set<std::string>& uncleanable = uncleanable_logs(shard_index);
    if (log.closed() || log.failed() || uncleanable.contains(name)) {
        co_return;
    }
    auto planned = log.plan_clean(wall_clock_ms());
    if (!planned) {
        log::error("log cleaner: planning a clean of {}: {}", name, planned.error().message);
        co_return;
    }
    if (!planned.value()) {
        co_return;
    }
    std::shared_ptr<const storage::clean_plan> plan =
        std::make_shared<storage::clean_plan>(std::move(*planned.value()));
    storage::cleaner_limits limits{.map_memory_bytes = map_bytes_for(
                                       dirty_bytes(*plan), settings_.cleaner_map_bytes_per_thread),
                                   .map_load_factor = settings_.cleaner_map_load_factor,
                                   .io_buffer_bytes = settings_.cleaner_io_buffer_bytes_per_thread,
                                   .throttle = cleaner_throttle_.get(),
                                   .cancelled = &cleaner_cancelled_};
    auto work = [plan, limits]() -> asio::awaitable<pass_result> {
        auto started = std::chrono::steady_clock::now();
        auto outcome = storage::clean_log(*plan, limits);
        pass_result result;
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (outcome) {
            result.outcome = std::move(outcome).value();
        } else {
            result.error = outcome.error();
        }
        co_return result;
    };
    pass_result pass = co_await asio::co_spawn(cleaner_pool_->get_executor(), std::move(work),
                                               asio::use_awaitable);
    if (pass.error) {
        if (pass.error->code == std::make_error_code(std::errc::illegal_byte_sequence)) {
            uncleanable.insert(name);
            log::error("log cleaner: {} is not cleaned again until the broker restarts: {}", name,
                       pass.error->message);
        } else if (pass.error->code != std::make_error_code(std::errc::operation_canceled)) {
            log::error("log cleaner: cleaning {}: {}", name, pass.error->message);
        }
        co_return;
    }
    const storage::clean_outcome& outcome = *pass.outcome;
    auto installed = log.install_cleaned(*plan, outcome, wall_clock_ms());
    if (!installed) {
        if (installed.error().code != storage::storage_errc::closed) {
            log::error("log cleaner: swapping in the clean of {}: {}", name,
                       installed.error().message);
        }
        co_return;
    }
    const storage::clean_stats& stats = outcome.stats;
    double kept_percent = stats.records_read == 0
                              ? 100.0
                              : 100.0 * static_cast<double>(stats.records_kept) /
                                    static_cast<double>(stats.records_read);
    log::info(
        "cleaned {}: offsets [{}, {}) mapped ({} keys, map {:.1f}% full), {} segments of "
        "{:.2f} MiB into {} ({} swapped in) of {:.2f} MiB, {:.1f}% of {} records kept, {:.3f} s, "
        "{:.1f} MiB/s read",
        name, plan->first_dirty.value(), outcome.map_end.value(), stats.map_entries,
        100.0 * stats.map_utilization, plan->segments.size(), megabytes(stats.source_bytes),
        outcome.segments.size(), installed.value(), megabytes(stats.bytes_written), kept_percent,
        stats.records_read, pass.seconds,
        pass.seconds > 0 ? megabytes(stats.bytes_read) / pass.seconds : 0.0);
}

}  // namespace samsa::broker
