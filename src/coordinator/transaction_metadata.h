#pragma once

// One transactional id's state at its transaction coordinator (Kafka's TransactionMetadata)
// and the discipline by which it changes: prepare, write, complete.
//
// Every change is first prepared: prepare_*() computes the state a __transaction_state
// record will make durable (a transaction_transit, Kafka's TxnTransitMetadata) and marks it
// pending; nothing visible changes yet. Once the record is durable, complete_transition()
// applies it; if the write failed, abandon_pending() forgets it. While a change is pending
// the transaction manager answers every other request for the id CONCURRENT_TRANSACTIONS, so
// at most one write per transactional id is ever in flight, and a write never races another.
//
// Two things change at once, before any write, as in Kafka: fencing an ongoing transaction
// (InitProducerId, a timeout) bumps the epoch in memory (fence_epoch()) so that the fenced
// producer is refused from then on, even if the abort's write fails.
//
// Bounds: the partitions of a transaction are those its producer added
// (AddPartitionsToTxn, AddOffsetsToTxn) until the transaction ends; the handlers add only
// partitions that exist, so a transaction holds at most every partition of the cluster,
// Kafka's bound too.
//
// Ownership: owned by the transaction_manager of the id's __transaction_state partition.

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "base/ids.h"
#include "base/result.h"
#include "coordinator/offset_and_metadata.h"
#include "coordinator/transaction_state.h"
#include "protocol/error_code.h"

namespace samsa::coordinator {

// Kafka's RecordBatch.NO_PRODUCER_ID and NO_PRODUCER_EPOCH.
inline constexpr producer_id no_producer_id = producer_id(-1);
inline constexpr producer_epoch no_producer_epoch = producer_epoch(-1);
// Kafka's transaction.max.timeout.ms (15 minutes) and transactional.id.expiration.ms
// (7 days) defaults.
inline constexpr int32_t default_transaction_max_timeout_ms = 900'000;
inline constexpr int64_t default_transactional_id_expiration_ms = 604'800'000;

// A producer may use epochs up to Short.MaxValue - 2: the coordinator keeps the last one
// (Short.MaxValue - 1 once bumped, Short.MaxValue at most) to fence it. At Short.MaxValue - 1
// InitProducerId hands out a new producer id instead (Kafka's isEpochExhausted).
bool is_epoch_exhausted(producer_epoch epoch);

using transaction_partitions = std::set<topic_partition>;

// The state a write makes durable (Kafka's TxnTransitMetadata).
struct transaction_transit {
    producer_id current_producer_id = no_producer_id;
    producer_id last_producer_id = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    producer_epoch last_epoch = no_producer_epoch;
    int32_t timeout_ms = 0;
    transaction_state state = transaction_state::empty;
    transaction_partitions partitions;
    int64_t start_ms = -1;  // -1: no transaction started
    int64_t last_update_ms = 0;

    bool operator==(const transaction_transit&) const = default;
};

class transaction_metadata {
public:
    // A transactional id seen for the first time (InitProducerId): Empty, with the producer
    // id the coordinator allocated and no epoch yet; the first InitProducerId makes it 0.
    transaction_metadata(std::string transactional_id, producer_id id, int32_t timeout_ms,
                         int64_t now_ms);
    // As read back from __transaction_state. Kafka does not persist the last producer id or
    // epoch, so a retried InitProducerId cannot be recognised across a coordinator change.
    transaction_metadata(std::string transactional_id, const transaction_transit& durable);

    // InitProducerId for Empty or Complete*: epoch + 1 (KIP-360: expected_epoch, when given,
    // must be the current epoch, or the last one for a retry of a bump that succeeded).
    // PRODUCER_FENCED otherwise. An exhausted epoch that needs a bump is the caller's to
    // rotate instead (prepare_producer_id_rotation).
    result<transaction_transit, protocol::error_code> prepare_increment_producer_epoch(
        int32_t new_timeout_ms, std::optional<producer_epoch> expected_epoch, int64_t now_ms);
    // InitProducerId at an exhausted epoch: a new producer id at epoch 0.
    transaction_transit prepare_producer_id_rotation(producer_id new_id, int32_t new_timeout_ms,
                                                     int64_t now_ms, bool record_last_epoch);
    // Pending PrepareEpochFence with the epoch the fence will use (current + 1, or current
    // if an earlier fence failed to be written, or at Short.MaxValue).
    transaction_transit prepare_fence_producer_epoch();
    transaction_transit prepare_add_partitions(const transaction_partitions& added, int64_t now_ms);
    // PrepareCommit or PrepareAbort, from Ongoing.
    transaction_transit prepare_abort_or_commit(transaction_state next, int64_t now_ms);
    // CompleteCommit or CompleteAbort, from the matching Prepare state, partitions cleared.
    transaction_transit prepare_complete(int64_t now_ms);
    // Dead, from Empty or Complete*: the id expires; its write is a tombstone.
    transaction_transit prepare_dead();

    // The pending transit is durable. Asserts that it is the pending one and a legal change
    // (Kafka's completeTransitionTo checks).
    void complete_transition(const transaction_transit& transit);
    // The pending transit was not written.
    void abandon_pending() { pending_.reset(); }

    // The fence of an Ongoing transaction takes effect: the pending PrepareEpochFence is
    // dropped and its epoch becomes the current one, before the PrepareAbort is prepared.
    void fence_epoch(producer_epoch fenced_epoch);
    // A fence's PrepareAbort could not be written: the next fence reuses the bumped epoch.
    void set_failed_epoch_fence(bool failed) { failed_epoch_fence_ = failed; }

    const std::string& transactional_id() const { return transactional_id_; }
    producer_id current_producer_id() const { return producer_id_; }
    producer_id last_producer_id() const { return last_producer_id_; }
    // KIP-890 part 2 (transaction version 2) only; always no_producer_id here.
    producer_id next_producer_id() const { return next_producer_id_; }
    producer_epoch epoch() const { return epoch_; }
    producer_epoch last_epoch() const { return last_epoch_; }
    int32_t timeout_ms() const { return timeout_ms_; }
    transaction_state state() const { return state_; }
    const transaction_partitions& partitions() const { return partitions_; }
    int64_t start_ms() const { return start_ms_; }
    int64_t last_update_ms() const { return last_update_ms_; }
    bool has_pending() const { return pending_.has_value(); }
    std::optional<transaction_state> pending_state() const;
    const std::optional<transaction_transit>& pending() const { return pending_; }

private:
    transaction_transit prepare_transition(transaction_state next, producer_id next_id,
                                           producer_epoch next_epoch,
                                           producer_epoch next_last_epoch, int32_t next_timeout_ms,
                                           transaction_partitions next_partitions,
                                           int64_t next_start_ms, int64_t update_ms);
    bool is_same_producer(const transaction_transit& transit) const;
    bool is_valid_epoch_bump(const transaction_transit& transit) const;

    std::string transactional_id_;
    producer_id producer_id_ = no_producer_id;
    producer_id last_producer_id_ = no_producer_id;
    producer_id next_producer_id_ = no_producer_id;
    producer_epoch epoch_ = no_producer_epoch;
    producer_epoch last_epoch_ = no_producer_epoch;
    int32_t timeout_ms_ = 0;
    transaction_state state_ = transaction_state::empty;
    transaction_partitions partitions_;
    int64_t start_ms_ = -1;
    int64_t last_update_ms_ = 0;
    std::optional<transaction_transit> pending_;
    bool failed_epoch_fence_ = false;
};

}  // namespace samsa::coordinator
