#include "storage/log_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>
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
    std::vector<topic_partition> partitions;
};

}  // namespace

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
    : fs_(fs), config_(std::move(config)) {
    for (const auto& dir : config_.log_dirs) {
        partitions_per_dir_[dir] = 0;
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
                auto log = partition_log::open(fs_, partition_dir, config_for(partition),
                                               {.recovery_point = lookup(state.recovery_points),
                                                .log_start_offset = lookup(state.log_start_offsets),
                                                .clean_shutdown = state.clean_shutdown,
                                                .now_ms = now_ms});
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
    ++least->second;
    return loaded_log{.partition = partition,
                      .log_dir = least->first,
                      .topic = topic,
                      .log = std::move(log).value()};
}

storage_result<std::monostate> log_manager::write_checkpoints(
    const std::vector<log_offsets>& offsets) {
    for (const auto& dir : config_.log_dirs) {
        partition_offsets recovery_points;
        partition_offsets log_start_offsets;
        for (const log_offsets& each : offsets) {
            if (each.log_dir == dir) {
                recovery_points[each.partition] = each.recovery_point;
                log_start_offsets[each.partition] = each.log_start_offset;
            }
        }
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
    }
    return std::monostate{};
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
