#include "storage/log_manager.h"

#include <fmt/format.h>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>
#include <set>
#include <thread>

#include "base/log.h"
#include "storage/clean_shutdown_marker.h"
#include "storage/offset_checkpoint.h"
#include "storage/partition_metadata_file.h"

namespace samsa::storage {
namespace {

storage_error io_error(const io_failure& failure) {
    return {storage_errc::io_error, failure.message};
}

// What start-up knows about one log dir before opening its logs.
struct dir_state {
    std::filesystem::path dir;
    bool clean_shutdown = false;
    partition_offsets recovery_points;
    partition_offsets log_start_offsets;
    partition_offsets cleaner_checkpoints;
    std::vector<topic_partition> partitions;
};

}  // namespace

struct log_manager::checkpoint_state {
    // One checkpoint write at a time; guards `persisted`.
    std::mutex mutex;
    // Log start offsets persist_log_start_offsets wrote, by log dir and partition, until a
    // periodic write reports them (or a larger start).
    std::map<std::pair<std::filesystem::path, topic_partition>, offset> persisted;
    // The thread persist_log_start_offsets_in_background runs on, started at first use.
    std::once_flag background_started;
    std::unique_ptr<asio::thread_pool> background;
};

std::optional<topic_partition> parse_partition_dir_name(std::string_view name) {
    if (name == metadata_log_dir_name) {
        return std::nullopt;
    }
    auto dash = name.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) {
        return std::nullopt;
    }
    std::string_view digits = name.substr(dash + 1);
    int32_t partition = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    if (error != std::errc() || end != digits.data() + digits.size() || partition < 0) {
        return std::nullopt;  // "-delete", "-future" and anything else
    }
    return topic_partition{std::string(name.substr(0, dash)), partition_id(partition)};
}

std::string partition_dir_name(const topic_partition& partition) {
    return fmt::format("{}-{}", partition.topic, partition.partition.value());
}

log_manager::log_manager(file_system& fs, log_manager_config config)
    : fs_(fs), config_(std::move(config)), checkpoints_(std::make_unique<checkpoint_state>()) {
    for (const auto& dir : config_.log_dirs) {
        partitions_per_dir_[dir] = 0;
    }
}

log_manager::~log_manager() {
    if (checkpoints_->background) {
        checkpoints_->background->join();
    }
}

storage_result<std::vector<loaded_log>> log_manager::load_all(const config_lookup& config_for,
                                                              int64_t now_ms) {
    std::vector<dir_state> dirs;
    for (const auto& dir : config_.log_dirs) {
        if (auto created = fs_.create_directories(dir); !created) {
            return failure{io_error(created.error())};
        }
        dir_state state{.dir = dir};
        auto marker = clean_shutdown_marker_exists(fs_, dir);
        if (!marker) {
            return failure{io_error(marker.error())};
        }
        state.clean_shutdown = marker.value();
        // An unreadable checkpoint costs time, not data (Kafka warns and goes on): no
        // recovery point means every segment is scanned, no log start offset means the
        // first segment's base.
        auto recovery = read_offset_checkpoint(fs_, dir / recovery_point_checkpoint_file_name);
        if (recovery) {
            state.recovery_points = std::move(recovery).value();
        } else {
            log::warn("{}; recovering every log of {} from its start", recovery.error().message,
                      dir.string());
            state.clean_shutdown = false;
        }
        auto starts = read_offset_checkpoint(fs_, dir / log_start_offset_checkpoint_file_name);
        if (starts) {
            state.log_start_offsets = std::move(starts).value();
        } else {
            log::warn("{}; log start offsets fall back to the first segments",
                      starts.error().message);
        }
        // Without it the cleaner starts over from each log's start: time, not data.
        auto cleaned = read_offset_checkpoint(fs_, dir / cleaner_offset_checkpoint_file_name);
        if (cleaned) {
            state.cleaner_checkpoints = std::move(cleaned).value();
        } else {
            log::warn("{}; the log cleaner starts from the log starts", cleaned.error().message);
        }
        auto names = fs_.list(dir);
        if (!names) {
            return failure{io_error(names.error())};
        }
        for (const auto& name : names.value()) {
            auto partition = parse_partition_dir_name(name);
            auto is_dir = std::filesystem::is_directory(dir / name);
            if (partition && is_dir) {
                state.partitions.push_back(*partition);
            }
        }
        std::sort(state.partitions.begin(), state.partitions.end());
        // From here on a crash must be noticed at the next start.
        if (auto removed = remove_clean_shutdown_marker(fs_, dir); !removed) {
            return failure{io_error(removed.error())};
        }
        dirs.push_back(std::move(state));
    }

    std::vector<loaded_log> loaded;
    std::optional<storage_error> first_error;
    std::mutex guard;  // start-up only: protects loaded and first_error across loader threads
    for (const dir_state& state : dirs) {
        std::atomic<std::size_t> next = 0;
        auto load_next = [&] {
            while (true) {
                std::size_t index = next.fetch_add(1);
                if (index >= state.partitions.size()) {
                    return;
                }
                const topic_partition& partition = state.partitions[index];
                auto lookup = [&](const partition_offsets& offsets) {
                    auto found = offsets.find(partition);
                    return found == offsets.end() ? offset(0) : found->second;
                };
                std::filesystem::path partition_dir = state.dir / partition_dir_name(partition);
                auto log =
                    partition_log::open(fs_, partition_dir, config_for(partition),
                                        {.recovery_point = lookup(state.recovery_points),
                                         .log_start_offset = lookup(state.log_start_offsets),
                                         .clean_shutdown = state.clean_shutdown,
                                         .now_ms = now_ms,
                                         .cleaner_checkpoint = lookup(state.cleaner_checkpoints)});
                auto metadata = read_partition_metadata(fs_, partition_dir);
                std::lock_guard lock(guard);
                if (!log || !metadata) {
                    if (!first_error) {
                        first_error = !log ? log.error() : io_error(metadata.error());
                    }
                    continue;
                }
                std::optional<topic_id> topic;
                if (metadata.value()) {
                    topic = metadata.value()->topic;
                }
                loaded.push_back({.partition = partition,
                                  .log_dir = state.dir,
                                  .topic = topic,
                                  .log = std::move(log).value()});
            }
        };
        auto threads = std::min<std::size_t>(std::max(config_.recovery_threads_per_dir, 1),
                                             std::max<std::size_t>(state.partitions.size(), 1));
        std::vector<std::thread> loaders;
        for (std::size_t index = 1; index < threads; ++index) {
            loaders.emplace_back(load_next);
        }
        load_next();
        for (auto& loader : loaders) {
            loader.join();
        }
        partitions_per_dir_[state.dir] = state.partitions.size();
        if (!state.partitions.empty()) {
            log::info("{}: {} logs loaded after a{} shutdown", state.dir.string(),
                      state.partitions.size(), state.clean_shutdown ? " clean" : "n unclean");
        }
    }
    if (first_error) {
        return failure{*first_error};
    }
    std::sort(loaded.begin(), loaded.end(),
              [](const loaded_log& a, const loaded_log& b) { return a.partition < b.partition; });
    return loaded;
}

storage_result<loaded_log> log_manager::create_log(const topic_partition& partition,
                                                   const topic_id& topic, const log_config& config,
                                                   int64_t now_ms) {
    auto least = std::min_element(partitions_per_dir_.begin(), partitions_per_dir_.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
    if (least == partitions_per_dir_.end()) {
        return failure{storage_error{storage_errc::io_error, "no log directory configured"}};
    }
    std::filesystem::path partition_dir = least->first / partition_dir_name(partition);
    auto log = partition_log::open(fs_, partition_dir, config, {.now_ms = now_ms});
    if (!log) {
        return failure{log.error()};
    }
    if (auto written = write_partition_metadata(fs_, partition_dir, topic); !written) {
        return failure{io_error(written.error())};
    }
    if (auto synced = fs_.sync_directory(least->first); !synced) {
        return failure{io_error(synced.error())};
    }
    {
        // A start persisted for an earlier log of the same name (a deleted topic) is not this
        // log's.
        std::lock_guard lock(checkpoints_->mutex);
        std::erase_if(checkpoints_->persisted,
                      [&](const auto& entry) { return entry.first.second == partition; });
    }
    ++least->second;
    return loaded_log{.partition = partition,
                      .log_dir = least->first,
                      .topic = topic,
                      .log = std::move(log).value()};
}

storage_result<std::monostate> log_manager::write_checkpoints(
    const std::vector<log_offsets>& offsets) {
    std::lock_guard lock(checkpoints_->mutex);
    for (const auto& dir : config_.log_dirs) {
        partition_offsets recovery_points;
        partition_offsets log_start_offsets;
        partition_offsets cleaner_checkpoints;
        for (const log_offsets& each : offsets) {
            if (each.log_dir == dir) {
                recovery_points[each.partition] = each.recovery_point;
                log_start_offsets[each.partition] = each.log_start_offset;
                if (each.cleaner_checkpoint) {
                    cleaner_checkpoints[each.partition] = *each.cleaner_checkpoint;
                }
            }
        }
        apply_persisted_starts(dir, log_start_offsets);
        if (auto written = write_offset_checkpoint(fs_, dir / recovery_point_checkpoint_file_name,
                                                   recovery_points);
            !written) {
            return failure{io_error(written.error())};
        }
        if (auto written = write_offset_checkpoint(fs_, dir / log_start_offset_checkpoint_file_name,
                                                   log_start_offsets);
            !written) {
            return failure{io_error(written.error())};
        }
        if (auto written = write_offset_checkpoint(fs_, dir / cleaner_offset_checkpoint_file_name,
                                                   cleaner_checkpoints);
            !written) {
            return failure{io_error(written.error())};
        }
    }
    return std::monostate{};
}

void log_manager::apply_persisted_starts(const std::filesystem::path& dir,
                                         partition_offsets& starts) {
    for (auto it = checkpoints_->persisted.begin(); it != checkpoints_->persisted.end();) {
        const auto& [key, persisted_start] = *it;
        if (key.first != dir) {
            ++it;
            continue;
        }
        auto reported = starts.find(key.second);
        bool caught_up = reported != starts.end() && reported->second >= persisted_start;
        if (caught_up) {
            it = checkpoints_->persisted.erase(it);
            continue;
        }
        if (reported != starts.end()) {
            reported->second = persisted_start;  // gathered before the move: keep the move
            ++it;
            continue;
        }
        // Not reported: hosted since the offsets were gathered (keep it), or gone with its
        // topic (forget it).
        auto exists = fs_.exists(dir / partition_dir_name(key.second));
        if (exists && exists.value()) {
            starts[key.second] = persisted_start;
            ++it;
        } else {
            it = checkpoints_->persisted.erase(it);
        }
    }
}

storage_result<std::monostate> log_manager::persist_log_start_offsets(
    const std::vector<log_offsets>& moved) {
    std::lock_guard lock(checkpoints_->mutex);
    std::set<std::filesystem::path> dirs;
    for (const log_offsets& each : moved) {
        auto [entry, added] = checkpoints_->persisted.try_emplace({each.log_dir, each.partition},
                                                                  each.log_start_offset);
        if (!added) {
            entry->second = std::max(entry->second, each.log_start_offset);
        }
        dirs.insert(each.log_dir);
    }
    for (const auto& dir : dirs) {
        std::filesystem::path file = dir / log_start_offset_checkpoint_file_name;
        // Read first: the file holds every other log of the directory, which must stay.
        auto starts = read_offset_checkpoint(fs_, file);
        if (!starts) {
            return failure{io_error(starts.error())};
        }
        for (const log_offsets& each : moved) {
            if (each.log_dir == dir) {
                starts.value()[each.partition] =
                    checkpoints_->persisted.at({each.log_dir, each.partition});
            }
        }
        if (auto written = write_offset_checkpoint(fs_, file, starts.value()); !written) {
            return failure{io_error(written.error())};
        }
    }
    return std::monostate{};
}

asio::awaitable<std::optional<storage_error>> log_manager::persist_log_start_offsets_in_background(
    std::vector<log_offsets> moved) {
    std::call_once(checkpoints_->background_started, [this] {
        checkpoints_->background = std::make_unique<asio::thread_pool>(1);
        asio::post(*checkpoints_->background, [] { log::set_thread_name("log-starts"); });
    });
    // co_spawn needs a default-constructible result: the error, if any.
    auto persist = [this,
                    moved = std::move(moved)]() -> asio::awaitable<std::optional<storage_error>> {
        auto persisted = persist_log_start_offsets(moved);
        co_return persisted ? std::nullopt : std::optional<storage_error>(persisted.error());
    };
    return asio::co_spawn(checkpoints_->background->get_executor(), std::move(persist),
                          asio::use_awaitable);
}

storage_result<std::monostate> log_manager::mark_clean_shutdown(
    const std::vector<log_offsets>& offsets) {
    if (auto written = write_checkpoints(offsets); !written) {
        return written;
    }
    for (const auto& dir : config_.log_dirs) {
        // Samsa has no broker epochs yet (KRaft registration); 0 marks a clean stop.
        if (auto marked = write_clean_shutdown_marker(fs_, dir, 0); !marked) {
            return failure{io_error(marked.error())};
        }
    }
    return std::monostate{};
}

}  // namespace samsa::storage
