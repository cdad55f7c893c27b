#include "storage/producer_state.h"

#include <fmt/format.h>

#include <limits>
#include <utility>

namespace samsa::storage {
namespace {

constexpr int32_t int32_max = std::numeric_limits<int32_t>::max();

producer_error error(protocol::error_code code, std::string message) {
    return producer_error{code, std::move(message)};
}

// Kafka's ProducerAppendInfo.inSequence: the next sequence, wrapping after INT32_MAX.
bool in_sequence(int32_t last_sequence, int32_t next_sequence) {
    return static_cast<int64_t>(next_sequence) == static_cast<int64_t>(last_sequence) + 1 ||
           (next_sequence == 0 && last_sequence == int32_max);
}

}  // namespace

producer_batch producer_batch_of(const protocol::record_batch_view& batch) {
    producer_batch summary;
    summary.id = batch.producer_id();
    summary.epoch = batch.producer_epoch();
    summary.base_sequence = batch.base_sequence();
    summary.last_sequence =
        summary.base_sequence < 0
            ? -1
            : increment_sequence(summary.base_sequence, batch.last_offset_delta());
    summary.transactional = batch.is_transactional();
    summary.max_timestamp_ms = batch.max_timestamp_ms();
    return summary;
}

int32_t increment_sequence(int32_t sequence, int32_t increment) {
    if (sequence > int32_max - increment) {
        return increment - (int32_max - sequence) - 1;
    }
    return sequence + increment;
}

int32_t decrement_sequence(int32_t sequence, int32_t decrement) {
    if (sequence < decrement) {
        return int32_max - (decrement - sequence) + 1;
    }
    return sequence - decrement;
}

producer_state_table::producer_state_table(std::string partition_name, offset map_end_offset)
    : partition_name_(std::move(partition_name)), map_end_offset_(map_end_offset) {}

const producer_entry* producer_state_table::find(samsa::producer_id id) const {
    auto found = producers_.find(id);
    return found == producers_.end() ? nullptr : &found->second;
}

producer_entry& producer_state_table::entry_for(samsa::producer_id id) {
    auto [it, inserted] = producers_.try_emplace(id);
    if (inserted) {
        it->second.id = id;
    }
    return it->second;
}

void producer_state_table::set_epoch(producer_entry& entry, samsa::producer_epoch epoch) {
    // The batches kept are those of the current epoch only: a retry from an older epoch is
    // fenced, never a duplicate.
    if (entry.epoch != epoch) {
        entry.batches.clear();
        entry.epoch = epoch;
    }
}

result<std::optional<duplicate_batch>, producer_error> producer_state_table::check_client_batch(
    const producer_batch& batch) const {
    if (batch.id.value() < 0) {
        return std::optional<duplicate_batch>();
    }
    const producer_entry* entry = find(batch.id);
    // UnifiedLog.analyzeAndValidateProducerState looks for a duplicate first; only a batch
    // of the entry's epoch can be one.
    if (entry != nullptr && entry->epoch == batch.epoch) {
        for (const batch_metadata& kept : entry->batches) {
            if (kept.first_sequence == batch.base_sequence &&
                kept.last_sequence == batch.last_sequence) {
                return std::optional<duplicate_batch>(
                    duplicate_batch{kept.first_offset, kept.last_offset});
            }
        }
    }
    if (entry != nullptr && batch.epoch < entry->epoch) {
        // Since Kafka 2.7 a produce from an older epoch is INVALID_PRODUCER_EPOCH (the
        // client aborts and retries) rather than the fatal PRODUCER_FENCED.
        return failure{error(protocol::error_code::invalid_producer_epoch,
                             fmt::format("Epoch of producer {} at offset {} in {} is {}, which is "
                                         "smaller than the last seen epoch {}",
                                         batch.id.value(), map_end_offset_.value(), partition_name_,
                                         batch.epoch.value(), entry->epoch.value()))};
    }
    if (auto sequence = check_sequence(entry, batch); !sequence) {
        return failure{sequence.error()};
    }
    if (entry != nullptr && entry->current_txn_first_offset && !batch.transactional) {
        return failure{
            error(protocol::error_code::invalid_txn_state,
                  fmt::format("Expected transactional write from producer {} at "
                              "offset {} in partition {}",
                              batch.id.value(), map_end_offset_.value(), partition_name_))};
    }
    return std::optional<duplicate_batch>();
}

result<std::monostate, producer_error> producer_state_table::check_sequence(
    const producer_entry* entry, const producer_batch& batch) const {
    // A producer this partition knows nothing of (new, expired, or whose batches all left
    // the log) may start at any sequence: KIP-360 made the broker accept it instead of
    // answering UNKNOWN_PRODUCER_ID, and Kafka's checkSequence does the same (its
    // transactions-v2 rule that such a producer must start at 0 needs the verification
    // state of KIP-890, which Samsa does not keep).
    if (entry == nullptr || entry->epoch.value() < 0) {
        return std::monostate{};
    }
    if (batch.epoch != entry->epoch) {
        // A bumped epoch (InitProducerId, or the producer's own bump after an error) starts
        // its sequences again at 0.
        if (batch.base_sequence != 0) {
            return failure{error(
                protocol::error_code::out_of_order_sequence_number,
                fmt::format("Invalid sequence number for new epoch of producer {} at offset {} "
                            "in partition {}: {} (request epoch), {} (seq. number), {} (current "
                            "producer epoch)",
                            batch.id.value(), map_end_offset_.value(), partition_name_,
                            batch.epoch.value(), batch.base_sequence, entry->epoch.value()))};
        }
        return std::monostate{};
    }
    // Same epoch without batches (its batches were reset by a marker that bumped the epoch):
    // Kafka compares with NO_SEQUENCE (-1), so the next batch must start at 0.
    int32_t last_sequence = entry->last_sequence();
    if (!in_sequence(last_sequence, batch.base_sequence)) {
        return failure{error(protocol::error_code::out_of_order_sequence_number,
                             fmt::format("Out of order sequence number for producer {} at offset "
                                         "{} in partition {}: {} (incoming seq. number), {} "
                                         "(current end sequence number)",
                                         batch.id.value(), map_end_offset_.value(), partition_name_,
                                         batch.base_sequence, last_sequence))};
    }
    return std::monostate{};
}

void producer_state_table::record_batch(const producer_batch& batch, offset first_offset,
                                        offset last_offset) {
    advance_map_end_offset(offset(last_offset.value() + 1));
    if (batch.id.value() < 0) {
        return;
    }
    producer_entry& entry = entry_for(batch.id);
    set_epoch(entry, batch.epoch);
    if (entry.batches.size() == producer_batches_to_retain) {
        entry.batches.pop_front();
    }
    entry.batches.push_back(batch_metadata{batch.base_sequence, batch.last_sequence, first_offset,
                                           last_offset, batch.max_timestamp_ms});
    entry.last_timestamp_ms = batch.max_timestamp_ms;
    if (batch.transactional && !entry.current_txn_first_offset) {
        entry.current_txn_first_offset = first_offset;
        ongoing_.emplace(first_offset, batch.id);
    }
}

result<std::monostate, producer_error> producer_state_table::check_marker(
    samsa::producer_id id, samsa::producer_epoch epoch, int32_t coordinator_epoch) const {
    const producer_entry* entry = find(id);
    if (entry == nullptr) {
        return std::monostate{};
    }
    // Transactions v0/v1: the marker carries the epoch of the transaction's batches, so an
    // equal epoch is accepted (v2's stricter rule, marker epoch > producer epoch, needs the
    // coordinator's epoch bump at the end of every transaction).
    if (epoch < entry->epoch) {
        return failure{error(protocol::error_code::invalid_producer_epoch,
                             fmt::format("Epoch of producer {} at offset {} in {} is {}, which is "
                                         "smaller than the last seen epoch {}",
                                         id.value(), map_end_offset_.value(), partition_name_,
                                         epoch.value(), entry->epoch.value()))};
    }
    if (entry->coordinator_epoch > coordinator_epoch) {
        return failure{error(protocol::error_code::transaction_coordinator_fenced,
                             fmt::format("Invalid coordinator epoch for producerId {} at offset "
                                         "{} in partition {}: {} (zombie), {} (current)",
                                         id.value(), map_end_offset_.value(), partition_name_,
                                         coordinator_epoch, entry->coordinator_epoch))};
    }
    return std::monostate{};
}

offset producer_state_table::last_stable_offset_after(samsa::producer_id id,
                                                      offset marker_offset) const {
    for (const auto& [first_offset, owner] : ongoing_) {
        if (owner != id) {
            return first_offset;
        }
    }
    return offset(marker_offset.value() + 1);
}

std::optional<completed_transaction> producer_state_table::record_marker(
    samsa::producer_id id, samsa::producer_epoch epoch, const protocol::transaction_marker& marker,
    offset marker_offset, int64_t timestamp_ms) {
    advance_map_end_offset(offset(marker_offset.value() + 1));
    producer_entry& entry = entry_for(id);
    std::optional<completed_transaction> completed;
    if (entry.current_txn_first_offset) {
        offset first_offset = *entry.current_txn_first_offset;
        completed = completed_transaction{id, first_offset, marker_offset,
                                          marker.type == protocol::control_type::abort,
                                          last_stable_offset_after(id, marker_offset)};
        ongoing_.erase(first_offset);
        unreplicated_[first_offset] = unreplicated_transaction{id, marker_offset};
    }
    set_epoch(entry, epoch);
    entry.coordinator_epoch = marker.coordinator_epoch;
    entry.current_txn_first_offset.reset();
    entry.last_timestamp_ms = timestamp_ms;
    return completed;
}

void producer_state_table::advance_map_end_offset(offset next) {
    if (next > map_end_offset_) {
        map_end_offset_ = next;
    }
}

void producer_state_table::on_high_watermark_updated(offset high_watermark) {
    std::erase_if(unreplicated_,
                  [&](const auto& item) { return item.second.marker_offset < high_watermark; });
}

std::optional<offset> producer_state_table::first_unstable_offset() const {
    std::optional<offset> first = first_undecided_offset();
    if (!unreplicated_.empty() && (!first || unreplicated_.begin()->first < *first)) {
        first = unreplicated_.begin()->first;
    }
    return first;
}

std::optional<offset> producer_state_table::first_undecided_offset() const {
    if (ongoing_.empty()) {
        return std::nullopt;
    }
    return ongoing_.begin()->first;
}

std::vector<ongoing_transaction> producer_state_table::ongoing_transactions() const {
    std::vector<ongoing_transaction> open;
    open.reserve(ongoing_.size());
    for (const auto& [first_offset, id] : ongoing_) {
        const producer_entry* entry = find(id);
        open.push_back(ongoing_transaction{id, entry ? entry->epoch : producer_epoch(-1),
                                           first_offset, entry ? entry->last_timestamp_ms : -1});
    }
    return open;
}

void producer_state_table::expire(int64_t now_ms, int64_t producer_id_expiration_ms) {
    std::erase_if(producers_, [&](const auto& item) {
        const producer_entry& entry = item.second;
        return !entry.current_txn_first_offset &&
               now_ms - entry.last_timestamp_ms >= producer_id_expiration_ms;
    });
}

void producer_state_table::on_log_start_offset_incremented(offset log_start) {
    std::erase_if(unreplicated_,
                  [&](const auto& item) { return item.second.marker_offset < log_start; });
    advance_map_end_offset(log_start);
}

void producer_state_table::reset(offset start) {
    producers_.clear();
    ongoing_.clear();
    unreplicated_.clear();
    map_end_offset_ = start;
}

void producer_state_table::load_entry(producer_entry entry) {
    if (const producer_entry* old = find(entry.id); old && old->current_txn_first_offset) {
        ongoing_.erase(*old->current_txn_first_offset);
    }
    if (entry.current_txn_first_offset) {
        ongoing_[*entry.current_txn_first_offset] = entry.id;
    }
    samsa::producer_id id = entry.id;
    producers_[id] = std::move(entry);
}

}  // namespace samsa::storage
