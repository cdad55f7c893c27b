#include "coordinator/transaction_manager.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "base/assert.h"

namespace samsa::coordinator {
namespace {

using protocol::error_code;

// Key version 0 and value version 0 hold strings with an int16 length.
constexpr std::size_t max_record_string_bytes = std::numeric_limits<int16_t>::max();

const std::string consumer_offsets_topic = "__consumer_offsets";

bool is_prepare(transaction_state state) {
    return state == transaction_state::prepare_commit || state == transaction_state::prepare_abort;
}

// The epoch of an id's producer may be checked only against a producer id that matches
// (Kafka's isValidProducerId for KIP-360): a new id (no epoch yet), the current producer id,
// or the previous one at an exhausted epoch (a retry of the rotation that replaced it).
bool is_valid_expected_producer(const transaction_metadata& metadata,
                                const producer_id_and_epoch& expected) {
    return metadata.epoch() == no_producer_epoch ||
           expected.pid == metadata.current_producer_id() ||
           (expected.pid == metadata.last_producer_id() && is_epoch_exhausted(expected.epoch));
}

}  // namespace

error_code error_for_request_version(error_code error, int16_t version,
                                     int16_t producer_fenced_version) {
    if (error == error_code::producer_fenced && version < producer_fenced_version) {
        return error_code::invalid_producer_epoch;
    }
    return error;
}

error_code coordinator_error_for_append_error(error_code append_error) {
    switch (append_error) {
        case error_code::unknown_topic_or_partition:
        case error_code::not_enough_replicas:
        case error_code::not_enough_replicas_after_append:
        case error_code::request_timed_out:
            return error_code::coordinator_not_available;
        case error_code::not_leader_or_follower:
        case error_code::kafka_storage_error:
            return error_code::not_coordinator;
        case error_code::message_too_large:
        case error_code::record_list_too_large:
            return error_code::unknown_server_error;
        default:
            return append_error;
    }
}

init_producer_id_outcome transaction_manager::init_producer_id(
    const std::string& transactional_id, int32_t timeout_ms,
    std::optional<producer_id_and_epoch> expected, int64_t now_ms, producer_id fresh_producer_id) {
    init_producer_id_outcome outcome;
    // Kafka answers an empty id INVALID_REQUEST; an id too long for the record's int16
    // length could never be written, so it is refused the same way.
    if (transactional_id.empty() || transactional_id.size() > max_record_string_bytes) {
        outcome.error = error_code::invalid_request;
        return outcome;
    }
    if (timeout_ms <= 0 || timeout_ms > config_.transaction_max_timeout_ms) {
        outcome.error = error_code::invalid_transaction_timeout;
        return outcome;
    }
    auto found = transactions_.find(transactional_id);
    bool created = found == transactions_.end();
    if (created) {
        // As in Kafka, the new id is known before its first record is durable; if that
        // write fails, a retry bumps the epoch of the same producer id.
        found = transactions_
                    .emplace(transactional_id,
                             entry{.metadata = transaction_metadata(
                                       transactional_id, fresh_producer_id, timeout_ms, now_ms),
                                   .awaiting_markers = false})
                    .first;
    }
    outcome = prepare_init(found->second, timeout_ms, expected, now_ms, fresh_producer_id);
    outcome.used_fresh_producer_id = outcome.used_fresh_producer_id || created;
    return outcome;
}

init_producer_id_outcome transaction_manager::prepare_init(
    entry& found, int32_t timeout_ms, std::optional<producer_id_and_epoch> expected, int64_t now_ms,
    producer_id fresh_producer_id) {
    transaction_metadata& metadata = found.metadata;
    init_producer_id_outcome outcome;
    if (metadata.has_pending()) {
        outcome.error = error_code::concurrent_transactions;
        return outcome;
    }
    if (expected && !is_valid_expected_producer(metadata, *expected)) {
        outcome.error = error_code::producer_fenced;
        return outcome;
    }
    switch (metadata.state()) {
        case transaction_state::prepare_commit:
        case transaction_state::prepare_abort:
            outcome.error = error_code::concurrent_transactions;
            return outcome;
        case transaction_state::empty:
        case transaction_state::complete_commit:
        case transaction_state::complete_abort: {
            if (is_epoch_exhausted(metadata.epoch()) &&
                (!expected || expected->epoch == metadata.epoch())) {
                metadata.prepare_producer_id_rotation(fresh_producer_id, timeout_ms, now_ms,
                                                      expected.has_value());
                outcome.used_fresh_producer_id = true;
            } else {
                std::optional<producer_epoch> expected_epoch;
                if (expected) {
                    expected_epoch = expected->epoch;
                }
                auto transit =
                    metadata.prepare_increment_producer_epoch(timeout_ms, expected_epoch, now_ms);
                if (!transit) {
                    outcome.error = transit.error();
                    return outcome;
                }
            }
            outcome.write = make_write(metadata, write_purpose::init_producer_id);
            return outcome;
        }
        case transaction_state::ongoing: {
            // Fence the producer and abort its transaction first. The fenced epoch is never
            // handed out: the client retries after CONCURRENT_TRANSACTIONS and its retry bumps
            // again (or rotates the producer id, if the fence used the last epoch).
            transaction_transit fence = metadata.prepare_fence_producer_epoch();
            transaction_outcome aborted =
                end(found, fence.current_producer_id, fence.epoch, transaction_result::abort, false,
                    now_ms, error_code::concurrent_transactions);
            SAMSA_ASSERT(aborted.write.has_value(),
                         "%s: the fence of an ongoing transaction "
                         "did not abort it",
                         metadata.transactional_id().c_str());
            outcome.write = std::move(aborted.write);
            return outcome;
        }
        case transaction_state::dead:
        case transaction_state::prepare_epoch_fence:
            break;
    }
    SAMSA_ASSERT(false, "%s: InitProducerId in state %s, which is only ever pending",
                 metadata.transactional_id().c_str(), state_name(metadata.state()).data());
    return outcome;
}

transaction_outcome transaction_manager::add_partitions(const std::string& transactional_id,
                                                        producer_id pid, producer_epoch epoch,
                                                        const transaction_partitions& partitions,
                                                        int64_t now_ms) {
    transaction_outcome outcome;
    bool long_topic = std::any_of(partitions.begin(), partitions.end(), [](const auto& partition) {
        return partition.topic.size() > max_record_string_bytes;
    });
    if (transactional_id.empty() || long_topic) {
        outcome.error = error_code::invalid_request;
        return outcome;
    }
    auto found = transactions_.find(transactional_id);
    if (found == transactions_.end() || found->second.metadata.current_producer_id() != pid) {
        outcome.error = error_code::invalid_producer_id_mapping;
        return outcome;
    }
    transaction_metadata& metadata = found->second.metadata;
    if (metadata.epoch() != epoch) {
        outcome.error = error_code::producer_fenced;
    } else if (metadata.has_pending() || is_prepare(metadata.state())) {
        outcome.error = error_code::concurrent_transactions;
    } else if (metadata.state() == transaction_state::ongoing &&
               std::includes(metadata.partitions().begin(), metadata.partitions().end(),
                             partitions.begin(), partitions.end())) {
        outcome.error = error_code::none;
    } else {
        metadata.prepare_add_partitions(partitions, now_ms);
        outcome.write = make_write(metadata, write_purpose::add_partitions);
    }
    return outcome;
}

transaction_outcome transaction_manager::add_offsets(const std::string& transactional_id,
                                                     producer_id pid, producer_epoch epoch,
                                                     partition_id consumer_offsets_partition,
                                                     int64_t now_ms) {
    transaction_partitions partitions{
        topic_partition{consumer_offsets_topic, consumer_offsets_partition}};
    return add_partitions(transactional_id, pid, epoch, partitions, now_ms);
}

transaction_outcome transaction_manager::end_transaction(const std::string& transactional_id,
                                                         producer_id pid, producer_epoch epoch,
                                                         transaction_result result,
                                                         int64_t now_ms) {
    transaction_outcome outcome;
    if (transactional_id.empty()) {
        outcome.error = error_code::invalid_request;
        return outcome;
    }
    auto found = transactions_.find(transactional_id);
    if (found == transactions_.end()) {
        outcome.error = error_code::invalid_producer_id_mapping;
        return outcome;
    }
    return end(found->second, pid, epoch, result, true, now_ms, error_code::none);
}

transaction_outcome transaction_manager::end(entry& found, producer_id pid, producer_epoch epoch,
                                             transaction_result result, bool from_client,
                                             int64_t now_ms, error_code answer_on_success) {
    transaction_metadata& metadata = found.metadata;
    transaction_outcome outcome;
    bool commit = result == transaction_result::commit;
    bool fence_pending = metadata.pending_state() == transaction_state::prepare_epoch_fence;
    if (metadata.current_producer_id() != pid) {
        outcome.error = error_code::invalid_producer_id_mapping;
        return outcome;
    }
    // A client must use the current epoch; a fence comes with the bumped one.
    if ((from_client && epoch != metadata.epoch()) || epoch < metadata.epoch()) {
        outcome.error = error_code::producer_fenced;
        return outcome;
    }
    if (metadata.has_pending() && !fence_pending) {
        outcome.error = error_code::concurrent_transactions;
        return outcome;
    }
    switch (metadata.state()) {
        case transaction_state::ongoing: {
            transaction_state next =
                commit ? transaction_state::prepare_commit : transaction_state::prepare_abort;
            bool epoch_fence = !commit && fence_pending;
            if (epoch_fence) {
                metadata.fence_epoch(epoch);
            }
            metadata.prepare_abort_or_commit(next, now_ms);
            outcome.write = make_write(metadata, write_purpose::end_transaction, answer_on_success,
                                       epoch_fence);
            return outcome;
        }
        case transaction_state::complete_commit:
        case transaction_state::complete_abort:
            // A retry of an end that completed.
            outcome.error = commit == (metadata.state() == transaction_state::complete_commit)
                                ? error_code::none
                                : error_code::invalid_txn_state;
            return outcome;
        case transaction_state::prepare_commit:
        case transaction_state::prepare_abort:
            // A retry of an end whose markers are being written.
            outcome.error = commit == (metadata.state() == transaction_state::prepare_commit)
                                ? error_code::concurrent_transactions
                                : error_code::invalid_txn_state;
            return outcome;
        case transaction_state::empty:
            outcome.error = error_code::invalid_txn_state;
            return outcome;
        case transaction_state::dead:
        case transaction_state::prepare_epoch_fence:
            break;
    }
    SAMSA_ASSERT(false, "%s: EndTxn in state %s, which is only ever pending",
                 metadata.transactional_id().c_str(), state_name(metadata.state()).data());
    return outcome;
}

std::map<topic_partition, error_code> transaction_manager::verify_partitions(
    const std::string& transactional_id, producer_id pid, producer_epoch epoch,
    const transaction_partitions& partitions) const {
    auto all = [&](error_code error) {
        std::map<topic_partition, error_code> answer;
        for (const topic_partition& partition : partitions) {
            answer.emplace(partition, error);
        }
        return answer;
    };
    if (transactional_id.empty()) {
        return all(error_code::invalid_request);
    }
    const transaction_metadata* metadata = find(transactional_id);
    if (metadata == nullptr || metadata->current_producer_id() != pid) {
        return all(error_code::invalid_producer_id_mapping);
    }
    if (metadata->epoch() != epoch) {
        return all(error_code::producer_fenced);
    }
    if (is_prepare(metadata->state())) {
        return all(error_code::concurrent_transactions);
    }
    std::map<topic_partition, error_code> answer;
    for (const topic_partition& partition : partitions) {
        answer.emplace(partition, metadata->partitions().contains(partition)
                                      ? error_code::none
                                      : error_code::invalid_txn_state);
    }
    return answer;
}

transaction_log_write transaction_manager::make_write(const transaction_metadata& metadata,
                                                      write_purpose purpose,
                                                      error_code answer_on_success,
                                                      bool epoch_fence) {
    const std::optional<transaction_transit>& pending = metadata.pending();
    SAMSA_ASSERT(pending.has_value(), "%s: a write without a pending transition",
                 metadata.transactional_id().c_str());
    transaction_log_record record{.transactional_id = metadata.transactional_id(),
                                  .value = std::nullopt};
    if (pending->state != transaction_state::dead) {
        record.value = *pending;
    }
    // Ids and topics were checked against the int16 length when they came in.
    auto encoded = encode_transaction_log_record(record);
    SAMSA_ASSERT(encoded.has_value(), "%s: record cannot be encoded: %s",
                 metadata.transactional_id().c_str(), to_string(encoded.error()).data());
    uint64_t write_id = next_write_id_++;
    writes_.emplace(write_id, write_in_flight{.transactional_id = metadata.transactional_id(),
                                              .purpose = purpose,
                                              .answer_on_success = answer_on_success,
                                              .epoch_fence = epoch_fence});
    return transaction_log_write{.write_id = write_id, .record = std::move(*encoded)};
}

write_completion transaction_manager::write_completed(uint64_t write_id, error_code append_error,
                                                      int64_t now_ms) {
    write_completion completion;
    auto written = writes_.find(write_id);
    if (written == writes_.end()) {
        completion.error = error_code::not_coordinator;
        return completion;
    }
    write_in_flight write = std::move(written->second);
    writes_.erase(written);
    auto found = transactions_.find(write.transactional_id);
    SAMSA_ASSERT(found != transactions_.end() && found->second.metadata.has_pending(),
                 "%s: a write completed without its pending transition",
                 write.transactional_id.c_str());
    transaction_metadata& metadata = found->second.metadata;
    error_code error = coordinator_error_for_append_error(append_error);
    if (error == error_code::none) {
        if (write.purpose == write_purpose::expire) {
            transactions_.erase(found);
            return completion;
        }
        return complete_durable(found->second, write, now_ms);
    }
    completion.error = error;
    if (write.purpose == write_purpose::complete_transaction &&
        error == error_code::coordinator_not_available) {
        // The transaction's outcome is decided and its markers are written: only this
        // record is missing, so it is written again (Kafka's retryOnError), pending stays.
        completion.retry = make_write(metadata, write_purpose::complete_transaction);
        return completion;
    }
    metadata.abandon_pending();
    if (write.epoch_fence) {
        // The bumped epoch stays in memory (it fences the old producer) but was not
        // written: the next fence must not bump again.
        metadata.set_failed_epoch_fence(true);
    }
    return completion;
}

write_completion transaction_manager::complete_durable(entry& found, const write_in_flight& write,
                                                       int64_t now_ms) {
    transaction_metadata& metadata = found.metadata;
    transaction_transit transit = *metadata.pending();
    metadata.complete_transition(transit);
    write_completion completion;
    switch (write.purpose) {
        case write_purpose::init_producer_id:
            completion.pid = metadata.current_producer_id();
            completion.epoch = metadata.epoch();
            break;
        case write_purpose::end_transaction:
            completion.error = write.answer_on_success;
            completion.markers = markers_of(metadata);
            metadata.prepare_complete(now_ms);
            found.awaiting_markers = true;
            break;
        case write_purpose::add_partitions:
        case write_purpose::complete_transaction:
        case write_purpose::expire:
            break;
    }
    return completion;
}

std::optional<transaction_log_write> transaction_manager::markers_written(
    std::string_view transactional_id) {
    auto found = transactions_.find(transactional_id);
    if (found == transactions_.end() || !found->second.awaiting_markers) {
        return std::nullopt;
    }
    found->second.awaiting_markers = false;
    return make_write(found->second.metadata, write_purpose::complete_transaction);
}

transaction_markers transaction_manager::markers_of(const transaction_metadata& metadata) const {
    SAMSA_ASSERT(is_prepare(metadata.state()), "%s: markers in state %s",
                 metadata.transactional_id().c_str(), state_name(metadata.state()).data());
    return transaction_markers{
        .transactional_id = metadata.transactional_id(),
        .pid = metadata.current_producer_id(),
        .epoch = metadata.epoch(),
        .coordinator_epoch = config_.coordinator_epoch,
        .result = metadata.state() == transaction_state::prepare_commit ? transaction_result::commit
                                                                        : transaction_result::abort,
        .partitions = {metadata.partitions().begin(), metadata.partitions().end()}};
}

}  // namespace samsa::coordinator
