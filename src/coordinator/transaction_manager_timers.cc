// transaction_manager: what happens without a request (timeouts, expiry, loading) and what
// the admin APIs read (DescribeTransactions, ListTransactions).

#include <algorithm>
#include <utility>

#include "base/assert.h"
#include "coordinator/transaction_manager.h"

namespace samsa::coordinator {

using protocol::error_code;

std::vector<transaction_log_write> transaction_manager::abort_timed_out_transactions(
    int64_t now_ms) {
    std::vector<transaction_log_write> writes;
    for (auto& [transactional_id, found] : transactions_) {
        transaction_metadata& metadata = found.metadata;
        // Kafka's timedOutTransactions: an Ongoing transaction with nothing pending whose
        // timeout has passed since it started.
        if (metadata.has_pending() || metadata.state() != transaction_state::ongoing ||
            metadata.start_ms() + metadata.timeout_ms() >= now_ms) {
            continue;
        }
        transaction_transit fence = metadata.prepare_fence_producer_epoch();
        transaction_outcome aborted =
            end(found, fence.current_producer_id, fence.epoch, transaction_result::abort, false,
                now_ms, error_code::none);
        SAMSA_ASSERT(aborted.write.has_value(),
                     "%s: the fence of a timed out transaction "
                     "did not abort it",
                     transactional_id.c_str());
        writes.push_back(std::move(*aborted.write));
    }
    return writes;
}

std::vector<transaction_log_write> transaction_manager::expire_transactional_ids(
    int64_t now_ms, std::size_t limit) {
    std::vector<transaction_log_write> writes;
    for (auto& [transactional_id, found] : transactions_) {
        if (writes.size() >= limit) {
            break;
        }
        transaction_metadata& metadata = found.metadata;
        if (metadata.has_pending() || !is_expiration_allowed(metadata.state()) ||
            metadata.last_update_ms() > now_ms - config_.transactional_id_expiration_ms) {
            continue;
        }
        metadata.prepare_dead();
        writes.push_back(make_write(metadata, write_purpose::expire));
    }
    return writes;
}

void transaction_manager::replay(const decoded_transaction_log_record& decoded) {
    const auto* record = std::get_if<transaction_log_record>(&decoded);
    if (record == nullptr) {
        return;  // a key version this code does not know (Kafka skips it too)
    }
    SAMSA_ASSERT(writes_.empty(), "replaying %s while writes are in flight",
                 record->transactional_id.c_str());
    if (!record->value) {
        transactions_.erase(record->transactional_id);
        return;
    }
    transactions_.insert_or_assign(
        record->transactional_id,
        entry{.metadata = transaction_metadata(record->transactional_id, *record->value),
              .awaiting_markers = false});
}

std::vector<transaction_markers> transaction_manager::after_load(int64_t now_ms) {
    std::vector<transaction_markers> markers;
    for (auto& [transactional_id, found] : transactions_) {
        transaction_metadata& metadata = found.metadata;
        if (metadata.has_pending() || (metadata.state() != transaction_state::prepare_commit &&
                                       metadata.state() != transaction_state::prepare_abort)) {
            continue;
        }
        markers.push_back(markers_of(metadata));
        metadata.prepare_complete(now_ms);
        found.awaiting_markers = true;
    }
    return markers;
}

const transaction_metadata* transaction_manager::find(std::string_view transactional_id) const {
    auto found = transactions_.find(transactional_id);
    return found == transactions_.end() ? nullptr : &found->second.metadata;
}

std::vector<transaction_description> transaction_manager::describe(
    std::span<const std::string> transactional_ids) const {
    std::vector<transaction_description> described;
    described.reserve(transactional_ids.size());
    for (const std::string& transactional_id : transactional_ids) {
        transaction_description& description = described.emplace_back();
        description.transactional_id = transactional_id;
        const transaction_metadata* metadata = find(transactional_id);
        if (transactional_id.empty()) {
            description.error = error_code::invalid_request;
            continue;
        }
        if (metadata == nullptr || metadata->state() == transaction_state::dead) {
            description.error = error_code::transactional_id_not_found;
            continue;
        }
        description.state = state_name(metadata->state());
        description.timeout_ms = metadata->timeout_ms();
        description.start_ms = metadata->start_ms();
        description.pid = metadata->current_producer_id();
        description.epoch = metadata->epoch();
        // The set is ordered: each topic's partitions are contiguous and ascending.
        for (const topic_partition& partition : metadata->partitions()) {
            if (description.topics.empty() || description.topics.back().topic != partition.topic) {
                description.topics.push_back({.topic = partition.topic, .partitions = {}});
            }
            description.topics.back().partitions.push_back(partition.partition);
        }
    }
    return described;
}

transaction_listing transaction_manager::list(std::span<const std::string> state_filters,
                                              std::span<const producer_id> producer_id_filters,
                                              std::optional<int64_t> min_duration_ms,
                                              int64_t now_ms) const {
    transaction_listing listing;
    std::vector<transaction_state> states;
    for (const std::string& name : state_filters) {
        if (auto state = transaction_state_from_name(name)) {
            states.push_back(*state);
        } else {
            listing.unknown_state_filters.push_back(name);
        }
    }
    for (const auto& [transactional_id, found] : transactions_) {
        const transaction_metadata& metadata = found.metadata;
        bool included = metadata.state() != transaction_state::dead &&
                        (producer_id_filters.empty() ||
                         std::find(producer_id_filters.begin(), producer_id_filters.end(),
                                   metadata.current_producer_id()) != producer_id_filters.end()) &&
                        (state_filters.empty() || std::find(states.begin(), states.end(),
                                                            metadata.state()) != states.end()) &&
                        // Kafka compares with the start time even when none is set (-1), so such
                        // transactions pass a duration filter.
                        (!min_duration_ms || *min_duration_ms < 0 ||
                         now_ms - metadata.start_ms() > *min_duration_ms);
        if (included) {
            listing.transactions.push_back({.transactional_id = transactional_id,
                                            .pid = metadata.current_producer_id(),
                                            .state = state_name(metadata.state())});
        }
    }
    return listing;
}

}  // namespace samsa::coordinator
