// The partition log's oldest records going away: retention (retention.ms, retention.bytes),
// the log start offset moving (DeleteRecords), and the delayed removal of deleted segments'
// files. Kafka's UnifiedLog deleteOldSegments / maybeIncrementLogStartOffset.
//
// Invariant kept here: the first segment always exists and the log start offset lies in
// [first segment's base, log end offset]. Segments are deleted whole, oldest first, and
// only when every offset in them is below the high watermark (consumers may still be
// reading what they cannot have seen yet).

#include <fmt/format.h>

#include <algorithm>

#include "storage/log_segment.h"
#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"

namespace samsa::storage {

std::size_t partition_log::deletable_front_segments(int64_t now_ms, deletion_rules rules) const {
    const bool by_retention = rules == deletion_rules::retention_and_log_start;
    int64_t excess_bytes = !by_retention || config_.retention_bytes < 0
                               ? -1
                               : static_cast<int64_t>(size_bytes()) - config_.retention_bytes;
    std::size_t deletable = 0;
    for (std::size_t index = 0; index < segments_.size(); ++index) {
        const log_segment& segment = *segments_[index];
        offset upper =
            index + 1 < segments_.size() ? segments_[index + 1]->base_offset() : log_end_offset_;
        if (segment.empty() || upper > high_watermark_) {
            break;  // never delete what consumers cannot have read yet
        }
        bool expired = by_retention && config_.retention_ms >= 0 &&
                       now_ms - segment.largest_timestamp_ms() > config_.retention_ms;
        bool over_size =
            excess_bytes >= 0 && excess_bytes >= static_cast<int64_t>(segment.size_bytes());
        bool below_start = upper <= log_start_offset_;
        if (!expired && !over_size && !below_start) {
            break;
        }
        if (over_size) {
            excess_bytes -= static_cast<int64_t>(segment.size_bytes());
        }
        ++deletable;
    }
    return deletable;
}

storage_result<int> partition_log::delete_front_segments(std::size_t count, int64_t now_ms) {
    if (count == 0) {
        return 0;
    }
    if (count == segments_.size()) {
        // The active segment must go too: start a new, empty one to take its place.
        if (auto rolled = roll(now_ms); !rolled) {
            return failure{rolled.error()};
        }
    }
    for (std::size_t deleted = 0; deleted < count; ++deleted) {
        if (auto removed = delete_segment_front(now_ms); !removed) {
            return failure{removed.error()};
        }
    }
    log_start_offset_ = std::max(log_start_offset_, segments_.front()->base_offset());
    if (auto trimmed = trim_epochs_to_log(); !trimmed) {
        return failure{trimmed.error()};
    }
    producers_->on_log_start_offset_incremented(log_start_offset_);
    if (auto removed = delete_producer_snapshots_below(fs_, dir_, segments_.front()->base_offset());
        !removed) {
        return failure{fail(removed.error())};
    }
    return static_cast<int>(count);
}

storage_result<int> partition_log::delete_old_segments(int64_t now_ms) {
    if (auto usable = check_usable(); !usable) {
        return failure{usable.error()};
    }
    return delete_front_segments(
        deletable_front_segments(now_ms, deletion_rules::retention_and_log_start), now_ms);
}

storage_result<std::monostate> partition_log::delete_segment_front(int64_t now_ms) {
    log_segment& oldest = *segments_.front();
    if (auto closed = oldest.close(); !closed) {
        return failure{fail(closed.error())};
    }
    auto renamed = oldest.rename_with_suffix(deleted_file_suffix);
    if (!renamed) {
        return failure{fail(renamed.error())};
    }
    auto index = retire_transaction_index(oldest.base_offset());
    if (!index) {
        return failure{index.error()};
    }
    renamed.value().insert(renamed.value().end(), index.value().begin(), index.value().end());
    pending_deletions_.push_back(
        {.files = std::move(renamed).value(), .due_ms = now_ms + config_.file_delete_delay_ms});
    segments_.pop_front();
    return std::monostate{};
}

storage_result<std::monostate> partition_log::remove_expired_files(int64_t now_ms) {
    auto due =
        std::partition(pending_deletions_.begin(), pending_deletions_.end(),
                       [now_ms](const pending_deletion& each) { return each.due_ms > now_ms; });
    for (auto it = due; it != pending_deletions_.end(); ++it) {
        for (const auto& path : it->files) {
            if (auto removed = fs_.remove(path); !removed) {
                return failure{fail(removed.error())};
            }
        }
    }
    pending_deletions_.erase(due, pending_deletions_.end());
    return std::monostate{};
}

storage_result<std::monostate> partition_log::increment_log_start_offset(offset new_start) {
    if (auto usable = check_usable(); !usable) {
        return usable;
    }
    if (new_start > log_start_offset_) {
        log_start_offset_ = std::min(new_start, log_end_offset_);
        producers_->on_log_start_offset_incremented(log_start_offset_);
        return trim_epochs_to_log();
    }
    return std::monostate{};
}

storage_result<offset> partition_log::delete_records_before(offset new_start, int64_t now_ms) {
    if (auto usable = check_usable(); !usable) {
        return failure{usable.error()};
    }
    if (new_start > high_watermark_) {
        // Kafka's words (UnifiedLog.maybeIncrementLogStartOffset).
        return failure{storage_error{
            storage_errc::offset_out_of_range,
            fmt::format("Cannot increment the log start offset to {} of {} since it is larger "
                        "than the high watermark {}",
                        new_start.value(), dir_.filename().string(), high_watermark_.value())}};
    }
    if (auto moved = increment_log_start_offset(new_start); !moved) {
        return failure{moved.error()};
    }
    auto deleted = delete_front_segments(
        deletable_front_segments(now_ms, deletion_rules::log_start_only), now_ms);
    if (!deleted) {
        return failure{deleted.error()};
    }
    return log_start_offset_;
}

}  // namespace samsa::storage
