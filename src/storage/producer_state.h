#pragma once

// One partition's producer state: what the leader remembers of every idempotent and
// transactional producer that wrote to it, to drop retried batches, refuse out-of-order
// ones, fence zombie producers, and know which transactions are still open (the last
// stable offset). Kafka's ProducerStateManager (its in-memory part) and ProducerAppendInfo.
// Sans-I/O: snapshots are producer_snapshot.h, aborted transactions transaction_index.h.
//
// Per producer id it keeps the epoch, the last five batches of that epoch (sequence range
// and offsets: a retry of any of them is answered with the offsets it got the first time),
// the coordinator epoch of the last marker, the last batch or marker timestamp (for expiry)
// and the first offset of its open transaction.
//
// The caller drives it (partition_log, ProduceRequest handling):
//   - client batch: check_client_batch() before the append; a duplicate is not appended and
//     is answered NONE with the original offsets; after the append, record_batch().
//   - recovery/replication: record_batch() and record_marker() for every batch replayed
//     from the log (no checks: the log is the truth), advance_map_end_offset() for the
//     others, so that map_end_offset() is the next offset to apply.
//   - marker (WriteTxnMarkers): check_marker(), append, record_marker(); a completed
//     aborted transaction goes to the segment's transaction index.
//   - the high watermark moved: on_high_watermark_updated(). A completed transaction keeps
//     the first unstable offset back until the high watermark passes its marker (Kafka's
//     "unreplicated" transactions), so the LSO never runs ahead of a marker a new leader
//     might not have. Without this call the LSO stops at the first completed transaction.
//   - truncation (a follower truncating, recovery cutting a torn tail): the table cannot
//     forget individual batches, as Kafka's cannot. The caller does Kafka's
//     truncateAndReload: delete the snapshots above the new end, reset() the table, load the
//     latest snapshot at or below the end (load_entry) and replay the log from there.
//   - log start offset moved (retention, DeleteRecords): on_log_start_offset_incremented().
//     As in Kafka 3.x, producers are not dropped with their batches (only expiry removes
//     them), so a producer that pauses past retention keeps its sequence.
//
// Size: one entry per producer id that wrote to the partition within
// producer.id.expiration.ms (expire()), at most five batches each; the number of producers
// is what clients create, as in Kafka, which bounds it no other way.
//
// Ownership: the shard that owns the partition; not thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "protocol/control_record.h"
#include "protocol/error_code.h"
#include "protocol/record_batch.h"

namespace samsa::storage {

// Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN, which is also the most in-flight
// requests an idempotent producer may have (max.in.flight.requests.per.connection <= 5).
inline constexpr std::size_t producer_batches_to_retain = 5;

// What a v2 batch header says about its producer.
struct producer_batch {
    samsa::producer_id id{-1};
    samsa::producer_epoch epoch{-1};
    int32_t base_sequence = -1;
    int32_t last_sequence = -1;
    bool transactional = false;
    int64_t max_timestamp_ms = -1;
};

producer_batch producer_batch_of(const protocol::record_batch_view& batch);

// Sequences wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence and
// decrementSequence).
int32_t increment_sequence(int32_t sequence, int32_t increment);
int32_t decrement_sequence(int32_t sequence, int32_t decrement);

struct batch_metadata {
    int32_t first_sequence = -1;
    int32_t last_sequence = -1;
    offset first_offset;
    offset last_offset;
    int64_t timestamp_ms = -1;

    bool operator==(const batch_metadata&) const = default;
};

struct producer_entry {
    samsa::producer_id id{-1};
    samsa::producer_epoch epoch{-1};     // -1: nothing known yet
    std::deque<batch_metadata> batches;  // oldest first, of `epoch` only, at most 5
    int32_t coordinator_epoch = -1;
    int64_t last_timestamp_ms = -1;
    std::optional<offset> current_txn_first_offset;

    int32_t last_sequence() const { return batches.empty() ? -1 : batches.back().last_sequence; }
    // The last offset of the newest batch, -1 when none is known.
    offset last_data_offset() const {
        return batches.empty() ? offset(-1) : batches.back().last_offset;
    }

    bool operator==(const producer_entry&) const = default;
};

struct producer_error {
    protocol::error_code code = protocol::error_code::none;
    std::string message;
};

// A retry of a batch already in the log: the offsets it was appended at.
struct duplicate_batch {
    offset first_offset;
    offset last_offset;
};

struct completed_transaction {
    samsa::producer_id id;
    offset first_offset;
    offset last_offset;  // the marker's
    bool aborted = false;
    // Kafka's ProducerStateManager.lastStableOffset(completedTxn), for the transaction
    // index: the first offset of the oldest transaction of another producer still open, or
    // the offset after the marker.
    offset last_stable_offset;
};

struct ongoing_transaction {
    samsa::producer_id id;
    samsa::producer_epoch epoch;
    offset first_offset;
    int64_t last_timestamp_ms = -1;
};

class producer_state_table {
public:
    // partition_name ("orders-0") only names the partition in error messages.
    explicit producer_state_table(std::string partition_name = {},
                                  offset map_end_offset = offset(0));

    // Kafka's checks of a client's data batch, in Kafka's order: a retry of one of the last
    // five batches of the same epoch is a duplicate (nothing else is checked: Kafka answers
    // it NONE with the original offsets); an older epoch is INVALID_PRODUCER_EPOCH; a new
    // epoch must start at sequence 0 and the same epoch must continue the last sequence
    // (OUT_OF_ORDER_SEQUENCE_NUMBER); a non-transactional batch while the producer's
    // transaction is open is INVALID_TXN_STATE. A batch without a producer id passes.
    result<std::optional<duplicate_batch>, producer_error> check_client_batch(
        const producer_batch& batch) const;

    // Applies an appended data batch (from a client, or replayed): a new epoch resets the
    // producer's batches; a transactional batch opens a transaction at first_offset unless
    // one is open. map_end_offset becomes last_offset + 1.
    void record_batch(const producer_batch& batch, offset first_offset, offset last_offset);

    // A transaction marker for (id, epoch) from a coordinator: an epoch older than the
    // producer's is INVALID_PRODUCER_EPOCH, a coordinator epoch older than the last marker's
    // is TRANSACTION_COORDINATOR_FENCED.
    result<std::monostate, producer_error> check_marker(samsa::producer_id id,
                                                        samsa::producer_epoch epoch,
                                                        int32_t coordinator_epoch) const;
    // Applies an appended marker: ends the producer's open transaction, returned unless
    // there was none (a marker without data changes nothing for readers).
    std::optional<completed_transaction> record_marker(samsa::producer_id id,
                                                       samsa::producer_epoch epoch,
                                                       const protocol::transaction_marker& marker,
                                                       offset marker_offset, int64_t timestamp_ms);

    // For a batch appended without producer state (no producer id): map_end_offset = next.
    void advance_map_end_offset(offset next);
    // The offset of the next batch to apply.
    offset map_end_offset() const { return map_end_offset_; }

    // Completed transactions whose markers are below the high watermark stop holding the
    // first unstable offset back.
    void on_high_watermark_updated(offset high_watermark);
    // The first offset of the oldest open transaction or completed one whose marker is not
    // yet below the high watermark: the LSO is min(this, high watermark).
    std::optional<offset> first_unstable_offset() const;
    // The first offset of the oldest open transaction.
    std::optional<offset> first_undecided_offset() const;
    // Open transactions, oldest first.
    std::vector<ongoing_transaction> ongoing_transactions() const;

    // Kafka's removeExpiredProducers: drops producers without an open transaction whose last
    // timestamp is producer_id_expiration_ms or more before now_ms.
    void expire(int64_t now_ms, int64_t producer_id_expiration_ms);
    // Kafka's onLogStartOffsetIncremented: forgets completed transactions that ended before
    // log_start and moves map_end_offset up to it; producers stay.
    void on_log_start_offset_incremented(offset log_start);
    // Forgets everything; the next offset to apply is start (Kafka's truncateFullyAndStartAt).
    void reset(offset start);
    // Adds an entry read from a snapshot (replacing any of the same id), with its open
    // transaction.
    void load_entry(producer_entry entry);

    const producer_entry* find(samsa::producer_id id) const;
    const std::unordered_map<samsa::producer_id, producer_entry>& entries() const {
        return producers_;
    }
    std::size_t size() const { return producers_.size(); }

private:
    struct unreplicated_transaction {
        samsa::producer_id id;
        offset marker_offset;
    };

    producer_entry& entry_for(samsa::producer_id id);
    void set_epoch(producer_entry& entry, samsa::producer_epoch epoch);
    result<std::monostate, producer_error> check_sequence(const producer_entry* entry,
                                                          const producer_batch& batch) const;
    offset last_stable_offset_after(samsa::producer_id id, offset marker_offset) const;

    std::string partition_name_;
    std::unordered_map<samsa::producer_id, producer_entry> producers_;
    // Open transactions by first offset.
    std::map<offset, samsa::producer_id> ongoing_;
    // Completed transactions by first offset, until the high watermark passes the marker.
    std::map<offset, unreplicated_transaction> unreplicated_;
    offset map_end_offset_;
};

}  // namespace samsa::storage
