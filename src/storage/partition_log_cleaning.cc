// Log compaction on the partition log's side: what is cleanable, the plan a cleaner thread
// runs (log_cleaner.h), and the swap of its output into the log, with the recovery of a swap
// a crash interrupted.

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "storage/log_segment.h"
#include "storage/partition_log.h"

namespace samsa::storage {
namespace {

storage_error io_error_of(const io_failure& failure) {
    return {storage_errc::io_error, failure.message};
}

// "00000000000000001234.log.swap" -> 1234 (with kind ".log").
std::optional<offset> swap_base(std::string_view name, std::string_view kind) {
    return parse_segment_file_name(name, std::string(kind) + std::string(swap_file_suffix));
}

// A cleaned segment never takes appends: no roll jitter.
segment_settings cleaned_segment_settings(const log_config& config) {
    return {.max_index_bytes = static_cast<uint32_t>(config.segment_index_bytes),
            .index_interval_bytes = static_cast<uint32_t>(config.index_interval_bytes)};
}

constexpr std::string_view segment_kinds[] = {log_segment::log_suffix, log_segment::index_suffix,
                                              log_segment::time_index_suffix,
                                              transaction_index::suffix};

}  // namespace

std::optional<cleanable_section> partition_log::cleanable(int64_t now_ms) const {
    if (!config_.compacts || closed_ || failed_) {
        return std::nullopt;
    }
    cleanable_section section;
    // Kafka resets a checkpoint outside the log to the log start.
    section.first_dirty =
        cleaner_checkpoint_ < log_start_offset_ || cleaner_checkpoint_ > log_end_offset_
            ? log_start_offset_
            : cleaner_checkpoint_;
    offset first_uncleanable = std::min(last_stable_offset(), active().base_offset());
    if (config_.min_compaction_lag_ms > 0) {
        for (const auto& segment : segments_) {
            if (segment.get() == &active() || segment->base_offset() >= first_uncleanable) {
                break;
            }
            if (segment->next_offset() > section.first_dirty &&
                segment->largest_timestamp_ms() > now_ms - config_.min_compaction_lag_ms) {
                first_uncleanable = segment->base_offset();
                break;
            }
        }
    }
    section.first_uncleanable = std::max(first_uncleanable, section.first_dirty);
    bool first_dirty_segment_seen = false;
    for (const auto& segment : segments_) {
        if (segment.get() == &active() || segment->base_offset() >= section.first_uncleanable) {
            break;
        }
        if (segment->next_offset() <= section.first_dirty) {
            section.clean_bytes += segment->size_bytes();
            continue;
        }
        section.cleanable_bytes += segment->size_bytes();
        if (!first_dirty_segment_seen) {
            first_dirty_segment_seen = true;
            int64_t first_timestamp = segment->first_batch_timestamp_ms();
            section.compaction_lag_exceeded =
                config_.max_compaction_lag_ms < std::numeric_limits<int64_t>::max() &&
                first_timestamp >= 0 && first_timestamp < now_ms - config_.max_compaction_lag_ms;
        }
    }
    section.delete_horizon_passed =
        latest_delete_horizon_ms_ >= 0 && latest_delete_horizon_ms_ <= now_ms;
    return section;
}

storage_result<std::optional<clean_plan>> partition_log::plan_clean(int64_t now_ms) {
    auto section = cleanable(now_ms);
    if (!section || (section->cleanable_bytes == 0 && !section->delete_horizon_passed)) {
        return std::optional<clean_plan>();
    }
    clean_plan plan{.fs = &fs_,
                    .dir = dir_,
                    .first_dirty = section->first_dirty,
                    .first_uncleanable = section->first_uncleanable,
                    .now_ms = now_ms,
                    .delete_retention_ms = config_.delete_retention_ms,
                    .max_segment_bytes = config_.segment_bytes,
                    .max_index_bytes = static_cast<uint32_t>(config_.segment_index_bytes),
                    .index_interval_bytes = static_cast<uint32_t>(config_.index_interval_bytes),
                    .structure_version = structure_version_};
    for (const auto& segment : segments_) {
        if (segment.get() == &active() || segment->base_offset() >= section->first_uncleanable) {
            break;
        }
        auto file =
            fs_.open(dir_ / segment_file_name(segment->base_offset(), log_segment::log_suffix),
                     open_mode::read_only);
        if (!file) {
            // Not the log's failure (a descriptor limit, say): the next pass tries again.
            return failure{io_error_of(file.error())};
        }
        plan.segments.push_back({.base_offset = segment->base_offset(),
                                 .next_offset = segment->next_offset(),
                                 .size_bytes = segment->size_bytes(),
                                 .largest_timestamp_ms = segment->largest_timestamp_ms(),
                                 .log = std::shared_ptr<data_file>(std::move(file).value())});
    }
    if (plan.segments.empty()) {
        return std::optional<clean_plan>();
    }
    auto aborted = aborted_transactions(segments_.front()->base_offset(), log_end_offset_);
    if (!aborted) {
        return failure{aborted.error()};
    }
    plan.aborted = std::move(aborted).value();
    for (const auto& [id, entry] : producers_->entries()) {
        plan.active_producers.emplace(
            id,
            active_producer{.last_data_offset = entry.last_data_offset(), .epoch = entry.epoch});
    }
    return std::optional(std::move(plan));
}

std::optional<std::size_t> partition_log::replaced_segments_position(
    const cleaned_segment& cleaned) const {
    if (cleaned.replaced.empty()) {
        return std::nullopt;
    }
    auto first = std::lower_bound(segments_.begin(), segments_.end(), cleaned.replaced.front(),
                                  [](const std::unique_ptr<log_segment>& s, offset value) {
                                      return s->base_offset() < value;
                                  });
    std::size_t position = static_cast<std::size_t>(first - segments_.begin());
    // The active segment is never replaced: the group must end before it.
    if (position + cleaned.replaced.size() >= segments_.size()) {
        return std::nullopt;
    }
    for (std::size_t index = 0; index < cleaned.replaced.size(); ++index) {
        if (segments_[position + index]->base_offset() != cleaned.replaced[index]) {
            return std::nullopt;
        }
    }
    return position;
}

storage_result<int> partition_log::install_cleaned(const clean_plan& plan,
                                                   const clean_outcome& outcome, int64_t now_ms) {
    if (auto usable = check_usable(); !usable) {
        remove_staged_segments(fs_, dir_, outcome.segments);
        return failure{usable.error()};
    }
    if (plan.structure_version != structure_version_) {
        // A truncation since the plan: the cleaned segments may hold offsets the log lost.
        remove_staged_segments(fs_, dir_, outcome.segments);
        return 0;
    }
    int installed = 0;
    bool every_group = true;
    for (const cleaned_segment& cleaned : outcome.segments) {
        auto position = replaced_segments_position(cleaned);
        if (!position) {
            remove_staged_segments(fs_, dir_, {cleaned});
            every_group = false;
            continue;
        }
        if (auto swapped = swap_in(cleaned, *position, now_ms); !swapped) {
            // Later groups stay staged as .cleaned: the next open removes them.
            return failure{swapped.error()};
        }
        ++installed;
    }
    // A group left out (DeleteRecords took some of its segments meanwhile) may still hold
    // values this pass's map superseded: the next pass maps the same section again.
    if (every_group) {
        cleaner_checkpoint_ = outcome.map_end;
        latest_delete_horizon_ms_ = outcome.latest_delete_horizon_ms;
    }
    return installed;
}

storage_result<std::monostate> partition_log::swap_in(const cleaned_segment& cleaned,
                                                      std::size_t position, int64_t now_ms) {
    // 1. The commit: every staged file renamed .swap, the .log last, then made durable.
    auto staged = staged_segment_files(dir_, cleaned.base_offset, cleaned.has_transaction_index,
                                       cleaned_file_suffix);
    auto swapped = staged_segment_files(dir_, cleaned.base_offset, cleaned.has_transaction_index,
                                        swap_file_suffix);
    for (std::size_t index = 0; index < staged.size(); ++index) {
        if (auto moved = fs_.rename(staged[index], swapped[index]); !moved) {
            return failure{fail(moved.error())};
        }
    }
    if (auto synced = fs_.sync_directory(dir_); !synced) {
        return failure{fail(synced.error())};
    }
    // 2. The replaced segments go, as retention's do.
    std::vector<std::filesystem::path> retired;
    for (std::size_t index = 0; index < cleaned.replaced.size(); ++index) {
        log_segment& old = *segments_[position + index];
        if (auto closed = old.close(); !closed) {
            return failure{fail(closed.error())};
        }
        auto renamed = old.rename_with_suffix(deleted_file_suffix);
        if (!renamed) {
            return failure{fail(renamed.error())};
        }
        retired.insert(retired.end(), renamed.value().begin(), renamed.value().end());
        auto index_files = retire_transaction_index(old.base_offset());
        if (!index_files) {
            return failure{index_files.error()};
        }
        retired.insert(retired.end(), index_files.value().begin(), index_files.value().end());
    }
    pending_deletions_.push_back(
        {.files = std::move(retired), .due_ms = now_ms + config_.file_delete_delay_ms});
    // 3. The new segment takes the names, the .log first: recovery tells a swap under way
    // here (no .log.swap, no .log.cleaned) from one never committed (complete_interrupted_swaps).
    for (auto path = swapped.rbegin(); path != swapped.rend(); ++path) {
        auto final_path = *path;
        final_path.replace_extension();  // drops ".swap"
        if (auto moved = fs_.rename(*path, final_path); !moved) {
            return failure{fail(moved.error())};
        }
    }
    // Durable before the cleaner checkpoint can pass it.
    if (auto synced = fs_.sync_directory(dir_); !synced) {
        return failure{fail(synced.error())};
    }
    auto segment = log_segment::open(fs_, dir_, cleaned.base_offset,
                                     cleaned_segment_settings(config_), false, now_ms);
    if (!segment) {
        return failure{fail(segment.error())};
    }
    auto first = segments_.begin() + static_cast<std::ptrdiff_t>(position);
    first = segments_.erase(first, first + static_cast<std::ptrdiff_t>(cleaned.replaced.size()));
    segments_.insert(first, std::move(segment).value());
    if (cleaned.has_transaction_index) {
        auto index = transaction_index::open(fs_, dir_, cleaned.base_offset);
        if (!index) {
            return failure{fail(index.error())};
        }
        transaction_indexes_.emplace(cleaned.base_offset, std::move(index).value());
    }
    return std::monostate{};
}

storage_result<std::monostate> partition_log::complete_interrupted_swaps() {
    auto names = fs_.list(dir_);
    if (!names) {
        return failure{io_error_of(names.error())};
    }
    std::vector<offset> committed;
    for (const std::string& name : names.value()) {
        if (auto base = swap_base(name, log_segment::log_suffix)) {
            committed.push_back(*base);
        }
    }
    std::sort(committed.begin(), committed.end());
    // Index .swap files without their .log.swap: a swap never committed (its .log is still
    // .cleaned) goes; one whose final renames were under way (the .log already has its
    // name) is finished.
    for (const std::string& name : names.value()) {
        if (!name.ends_with(swap_file_suffix)) {
            continue;
        }
        std::optional<offset> base;
        std::string_view kind;
        for (std::string_view each : segment_kinds) {
            if (auto found = swap_base(name, each)) {
                base = found;
                kind = each;
            }
        }
        if (base && std::binary_search(committed.begin(), committed.end(), *base)) {
            continue;
        }
        io_status handled = io_ok();
        auto log_cleaned = fs_.exists(
            dir_ / (segment_file_name(base.value_or(offset(0)), log_segment::log_suffix) +
                    std::string(cleaned_file_suffix)));
        if (!log_cleaned) {
            return failure{io_error_of(log_cleaned.error())};
        }
        if (base && !log_cleaned.value()) {
            handled = fs_.rename(dir_ / name, dir_ / segment_file_name(*base, kind));
        } else {
            handled = fs_.remove(dir_ / name);
        }
        if (!handled) {
            return failure{io_error_of(handled.error())};
        }
    }
    for (offset base : committed) {
        // The swap segment's offsets: every old segment whose base lies in them is replaced
        // (Kafka's LogLoader does the same). Opened as recovery opens a segment: scanned,
        // CRCs checked, its indexes rebuilt if need be.
        auto swapped = log_segment::open(fs_, dir_, base, cleaned_segment_settings(config_), true,
                                         0, swap_file_suffix);
        if (!swapped) {
            return failure{io_error_of(swapped.error())};
        }
        offset replaced_end = std::max(swapped.value()->next_offset(), offset(base.value() + 1));
        if (auto closed = swapped.value()->close(); !closed) {
            return failure{io_error_of(closed.error())};
        }
        swapped.value().reset();
        for (const std::string& name : names.value()) {
            for (std::string_view kind : segment_kinds) {
                auto old = parse_segment_file_name(name, kind);
                if (old && *old >= base && *old < replaced_end) {
                    if (auto removed = fs_.remove(dir_ / name); !removed) {
                        return failure{io_error_of(removed.error())};
                    }
                }
            }
        }
        for (std::string_view kind : segment_kinds) {
            auto from = dir_ / (segment_file_name(base, kind) + std::string(swap_file_suffix));
            auto exists = fs_.exists(from);
            if (!exists) {
                return failure{io_error_of(exists.error())};
            }
            if (exists.value()) {
                if (auto moved = fs_.rename(from, dir_ / segment_file_name(base, kind)); !moved) {
                    return failure{io_error_of(moved.error())};
                }
            }
        }
        log::warn("{}: finished the log cleaner's swap of segment {} that a crash interrupted",
                  dir_.string(), base.value());
    }
    if (!committed.empty()) {
        if (auto synced = fs_.sync_directory(dir_); !synced) {
            return failure{io_error_of(synced.error())};
        }
    }
    return std::monostate{};
}

}  // namespace samsa::storage
