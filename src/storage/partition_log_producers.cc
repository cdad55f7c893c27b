// The partition log's producer state: keeping producer_state_table in step with the log,
// the transaction indexes of aborted transactions, snapshots, and rebuilding the state when
// the log is opened or truncated (Kafka's UnifiedLog producer-state handling and LogLoader's
// rebuildProducerState).
//
// Recovery: snapshots above the log end are deleted (they describe records recovery cut);
// the newest readable snapshot at or below it is loaded (an unreadable one is deleted and
// the next older tried, as Kafka does); the log is replayed from there. Replaying re-adds the
// aborted transactions whose markers it meets, so every transaction index first drops its
// entries from the replay start on. Without a snapshot the whole log is replayed.

#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "protocol/control_record.h"
#include "protocol/record_batch.h"
#include "storage/log_segment.h"
#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"

namespace samsa::storage {
namespace {

storage_error io_error_of(const io_failure& failure) {
    return {storage_errc::io_error, failure.message};
}

}  // namespace

void partition_log::set_high_watermark(offset value) {
    high_watermark_ = value;
    producers_->on_high_watermark_updated(value);
}

offset partition_log::last_stable_offset() const {
    std::optional<offset> unstable = producers_->first_unstable_offset();
    return unstable ? std::min(*unstable, high_watermark_) : high_watermark_;
}

result<std::optional<duplicate_batch>, producer_error> partition_log::check_producer_batch(
    const protocol::record_batch_view& batch) const {
    if (batch.producer_id().value() < 0) {
        return std::optional<duplicate_batch>();
    }
    return producers_->check_client_batch(producer_batch_of(batch));
}

result<std::monostate, producer_error> partition_log::check_transaction_marker(
    samsa::producer_id id, samsa::producer_epoch epoch, int32_t coordinator_epoch) const {
    return producers_->check_marker(id, epoch, coordinator_epoch);
}

void partition_log::expire_producers(int64_t now_ms, int64_t producer_id_expiration_ms) {
    producers_->expire(now_ms, producer_id_expiration_ms);
}

partition_log::appended_producer_batch partition_log::describe_for_producers(
    const protocol::record_batch_view& view) {
    appended_producer_batch described{.producer = producer_batch_of(view),
                                      .control = view.is_control(),
                                      .first_offset = view.base_offset(),
                                      .last_offset = view.last_offset(),
                                      .timestamp_ms = view.max_timestamp_ms()};
    if (described.control) {
        // Other control records (none are written to data partitions) change nothing.
        auto marker = protocol::parse_transaction_marker(view);
        if (marker) {
            described.marker = marker.value();
        }
    }
    return described;
}

storage_result<std::monostate> partition_log::apply_to_producers(
    const appended_producer_batch& batch) {
    if (batch.control) {
        if (!batch.marker || batch.producer.id.value() < 0) {
            producers_->advance_map_end_offset(offset(batch.last_offset.value() + 1));
            return std::monostate{};
        }
        auto completed =
            producers_->record_marker(batch.producer.id, batch.producer.epoch, *batch.marker,
                                      batch.last_offset, batch.timestamp_ms);
        if (completed && completed->aborted) {
            offset segment_base = segments_[segment_index_for(batch.last_offset)]->base_offset();
            transaction_index* index = transaction_index_for(segment_base, true);
            if (index == nullptr) {
                return failure{storage_error{storage_errc::io_error, "transaction index"}};
            }
            aborted_transaction entry{.id = completed->id,
                                      .first_offset = completed->first_offset,
                                      .last_offset = completed->last_offset,
                                      .last_stable_offset = completed->last_stable_offset};
            if (auto appended = index->append(entry); !appended) {
                return failure{fail(appended.error())};
            }
        }
        return std::monostate{};
    }
    if (batch.producer.id.value() < 0) {
        producers_->advance_map_end_offset(offset(batch.last_offset.value() + 1));
        return std::monostate{};
    }
    producers_->record_batch(batch.producer, batch.first_offset, batch.last_offset);
    return std::monostate{};
}

transaction_index* partition_log::transaction_index_for(offset segment_base, bool create) {
    auto found = transaction_indexes_.find(segment_base);
    if (found != transaction_indexes_.end()) {
        return found->second.get();
    }
    if (!create) {
        return nullptr;
    }
    auto opened = transaction_index::open(fs_, dir_, segment_base);
    if (!opened) {
        fail(opened.error());
        return nullptr;
    }
    return transaction_indexes_.emplace(segment_base, std::move(opened).value())
        .first->second.get();
}

storage_result<std::vector<std::filesystem::path>> partition_log::retire_transaction_index(
    offset segment_base) {
    std::vector<std::filesystem::path> renamed;
    auto found = transaction_indexes_.find(segment_base);
    if (found == transaction_indexes_.end()) {
        return renamed;
    }
    if (found->second->size_bytes() > 0) {
        auto moved = found->second->rename_with_suffix(deleted_file_suffix);
        if (!moved) {
            return failure{fail(moved.error())};
        }
        renamed.push_back(std::move(moved).value());
    }
    if (auto closed = found->second->close(); !closed) {
        return failure{fail(closed.error())};
    }
    transaction_indexes_.erase(found);
    return renamed;
}

storage_result<std::vector<aborted_transaction>> partition_log::aborted_transactions(
    offset from, offset upper_bound) const {
    std::vector<aborted_transaction> found;
    // An aborted transaction is indexed with its marker's segment, at or after the segment
    // holding its first records: start at the segment of `from`.
    offset first_segment = segments_[segment_index_for(from)]->base_offset();
    for (auto it = transaction_indexes_.lower_bound(first_segment);
         it != transaction_indexes_.end(); ++it) {
        auto collected = it->second->collect(from, upper_bound);
        if (!collected) {
            return failure{const_cast<partition_log*>(this)->fail(collected.error())};
        }
        auto& search = collected.value();
        found.insert(found.end(), search.transactions.begin(), search.transactions.end());
        if (search.complete) {
            break;
        }
    }
    return found;
}

storage_result<std::monostate> partition_log::snapshot_producers() {
    if (auto written = write_producer_snapshot(fs_, dir_, *producers_); !written) {
        return failure{fail(written.error())};
    }
    // Older snapshots of segments still in the log stay: truncation may need them.
    if (auto removed = delete_producer_snapshots_below(fs_, dir_, segments_.front()->base_offset());
        !removed) {
        return failure{fail(removed.error())};
    }
    return std::monostate{};
}

storage_result<std::monostate> partition_log::load_producer_state() {
    bool replay_whole_log = false;
    for (const auto& segment : segments_) {
        auto exists =
            fs_.exists(dir_ / segment_file_name(segment->base_offset(), transaction_index::suffix));
        if (!exists) {
            return failure{io_error_of(exists.error())};
        }
        if (!exists.value()) {
            continue;
        }
        auto opened = transaction_index::open(fs_, dir_, segment->base_offset());
        if (!opened) {
            // Only a replay of the whole log knows where the transactions it listed began
            // (Kafka recovers the segment from an older producer snapshot): rare, so the
            // simple way.
            log::warn(
                "{}: transaction index of segment {} is unreadable ({}); replaying the "
                "whole log to rebuild it",
                dir_.string(), segment->base_offset().value(), opened.error().message);
            if (auto removed = fs_.remove(
                    dir_ / segment_file_name(segment->base_offset(), transaction_index::suffix));
                !removed) {
                return failure{io_error_of(removed.error())};
            }
            replay_whole_log = true;
            continue;
        }
        transaction_indexes_.emplace(segment->base_offset(), std::move(opened).value());
    }
    return rebuild_producer_state(replay_whole_log ? snapshot_use::ignore : snapshot_use::newest);
}

storage_result<std::monostate> partition_log::rebuild_producer_state(snapshot_use use) {
    if (auto removed = delete_producer_snapshots_above(fs_, dir_, log_end_offset_); !removed) {
        return failure{io_error_of(removed.error())};
    }
    auto snapshots = list_producer_snapshots(fs_, dir_);
    if (!snapshots) {
        return failure{io_error_of(snapshots.error())};
    }
    std::string name = dir_.filename().string();
    producers_ = std::make_unique<producer_state_table>(name, log_start_offset_);
    // Newest first: the first readable snapshot inside the log wins.
    auto newest =
        use == snapshot_use::newest ? snapshots.value().rbegin() : snapshots.value().rend();
    for (auto it = newest; it != snapshots.value().rend(); ++it) {
        offset at = *it;
        if (at < log_start_offset_ || at > log_end_offset_) {
            continue;
        }
        auto entries = read_producer_snapshot(fs_, dir_, at);
        if (!entries) {
            log::warn("{}: deleting unreadable producer snapshot {}: {}", dir_.string(), at.value(),
                      entries.error().message);
            if (auto removed = fs_.remove(producer_snapshot_path(dir_, at)); !removed) {
                return failure{io_error_of(removed.error())};
            }
            continue;
        }
        producers_ = std::make_unique<producer_state_table>(
            restore_producer_state(name, at, std::move(entries).value()));
        break;
    }
    offset from = producers_->map_end_offset();
    for (auto& [base, index] : transaction_indexes_) {
        if (auto cut = index->truncate_to(from); !cut) {
            return failure{io_error_of(cut.error())};
        }
    }
    if (auto replayed = replay_into_producers(from); !replayed) {
        return replayed;
    }
    producers_->on_high_watermark_updated(high_watermark_);
    return std::monostate{};
}

storage_result<std::monostate> partition_log::replay_into_producers(offset from) {
    offset start = std::max(from, log_start_offset_);
    auto replayed = visit_batches(
        start, protocol::crc_check::skip,
        [&](const protocol::record_batch_view& batch) -> storage_result<std::monostate> {
            if (batch.last_offset() < start) {
                return std::monostate{};
            }
            return apply_to_producers(describe_for_producers(batch));
        });
    if (!replayed) {
        return replayed;
    }
    producers_->advance_map_end_offset(log_end_offset_);
    return std::monostate{};
}

}  // namespace samsa::storage
