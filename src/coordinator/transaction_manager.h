#pragma once

// The transactions of one __transaction_state partition (Kafka's TransactionCoordinator and
// TransactionStateManager for one partition), written sans-I/O: requests and a clock
// (now_ms) go in; records to append, transaction markers to write and answers come out.
//
// How the driver (the I/O layer) uses it:
//
//   1. A request: call init_producer_id / add_partitions / add_offsets / end_transaction.
//      The outcome either answers at once (no write), or carries a transaction_log_write:
//      append write.record to this __transaction_state partition (acks=all, uncompressed),
//      then call write_completed(write.write_id, append error or NONE, now_ms). Its
//      write_completion carries the answer for the request that started the write.
//      Nothing is visible before the record is durable: until write_completed, every other
//      request for the id answers CONCURRENT_TRANSACTIONS (at most one write per id in
//      flight).
//
//   2. Markers: when a write_completion carries markers (after a PrepareCommit or
//      PrepareAbort became durable, and the client was answered NONE), write a commit or
//      abort control batch for (pid, epoch, coordinator epoch) to every listed partition
//      (WriteTxnMarkers, retrying until each partition's leader took it; a partition whose
//      topic was deleted counts as written). The list may be empty. Then call
//      markers_written(transactional_id): it gives the CompleteCommit/CompleteAbort record
//      to append and complete with write_completed like any other. If that append fails
//      with a retriable error the completion asks to append write_completion.retry again.
//
//          EndTxn -> PrepareCommit record -> answer NONE -> markers -> CompleteCommit record
//
//   3. Timers: every transaction.abort.timed.out.transaction.cleanup.interval.ms (Kafka:
//      10 s) call abort_timed_out_transactions(now_ms) and append the writes it returns (no
//      client waits for them; their completions carry markers as in 2). Every
//      transactional.id.expiration cleanup interval (Kafka: 1 hour) call
//      expire_transactional_ids(now_ms, limit): tombstones, completed the same way.
//
//   4. Load (becoming the partition's leader): construct with the partition's leader epoch
//      (the coordinator epoch of every marker), replay() every record of the partition in
//      offset order, then after_load(now_ms): the markers of transactions that were in
//      PrepareCommit/PrepareAbort, to write as in 2, so a commit interrupted by a restart
//      completes. Until after_load the driver answers COORDINATOR_LOAD_IN_PROGRESS itself.
//      Losing leadership: drop the manager; the driver answers requests waiting on its
//      writes NOT_COORDINATOR.
//
// InitProducerId without a transactional id (idempotent producers) never comes here: the
// driver allocates a producer id and answers epoch 0.
//
// Ownership and bounds: owned by the shard that leads the partition. One entry per
// transactional id until it expires (transactional.id.expiration.ms after its last
// transaction, 7 days by default), Kafka's bound; one write in flight per id at most.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "coordinator/transaction_log_record.h"
#include "coordinator/transaction_metadata.h"
#include "coordinator/transaction_result.h"
#include "protocol/error_code.h"

namespace samsa::coordinator {

struct transaction_manager_config {
    // The leader epoch of the __transaction_state partition: markers carry it, and partition
    // leaders refuse markers of an older coordinator.
    leader_epoch coordinator_epoch = leader_epoch(0);
    int32_t transaction_max_timeout_ms = default_transaction_max_timeout_ms;
    int64_t transactional_id_expiration_ms = default_transactional_id_expiration_ms;
};

// The versions from which each request understands PRODUCER_FENCED (KIP-588); older versions
// are answered INVALID_PRODUCER_EPOCH instead (see error_for_request_version).
inline constexpr int16_t init_producer_id_producer_fenced_version = 4;
inline constexpr int16_t add_partitions_to_txn_producer_fenced_version = 2;
inline constexpr int16_t add_offsets_to_txn_producer_fenced_version = 2;
inline constexpr int16_t end_txn_producer_fenced_version = 2;

// PRODUCER_FENCED as a request of this version understands it.
protocol::error_code error_for_request_version(protocol::error_code error, int16_t version,
                                               int16_t producer_fenced_version);

// What a log append's error means to a client (Kafka's appendTransactionToLog mapping).
protocol::error_code coordinator_error_for_append_error(protocol::error_code append_error);

// A record the driver must append durably, then report with write_completed(write_id, ...).
struct transaction_log_write {
    uint64_t write_id = 0;
    encoded_transaction_log_record record;
};

// WriteTxnMarkers for one transaction.
struct transaction_markers {
    std::string transactional_id;
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    leader_epoch coordinator_epoch = leader_epoch(0);
    transaction_result result = transaction_result::abort;
    std::vector<topic_partition> partitions;  // in order; may be empty

    bool operator==(const transaction_markers&) const = default;
};

struct producer_id_and_epoch {
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
};

struct init_producer_id_outcome {
    // The answer, unless write is set (then it comes with write_completed).
    protocol::error_code error = protocol::error_code::none;
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    std::optional<transaction_log_write> write;
    // Whether the fresh producer id the caller offered was taken (a new transactional id, or
    // the old producer id's epochs are exhausted). If not, the caller may keep it.
    bool used_fresh_producer_id = false;
};

// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn.
struct transaction_outcome {
    protocol::error_code error = protocol::error_code::none;  // the answer, unless write
    std::optional<transaction_log_write> write;
};

struct write_completion {
    // The answer to the request that started the write, if one did.
    protocol::error_code error = protocol::error_code::none;
    // InitProducerId's answer when error is NONE.
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    // Write these markers, then call markers_written.
    std::optional<transaction_markers> markers;
    // Append this record again and complete it (a Complete* record whose append failed with
    // a retriable error; Kafka retries those until it is no longer the coordinator).
    std::optional<transaction_log_write> retry;
};

struct described_topic {
    std::string topic;
    std::vector<partition_id> partitions;

    bool operator==(const described_topic&) const = default;
};

// DescribeTransactions' answer for one transactional id.
struct transaction_description {
    std::string transactional_id;
    protocol::error_code error = protocol::error_code::none;
    std::string_view state;  // Kafka's name, "Ongoing", ...
    int32_t timeout_ms = 0;
    int64_t start_ms = -1;
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    std::vector<described_topic> topics;
};

struct listed_transaction {
    std::string transactional_id;
    producer_id pid = no_producer_id;
    std::string_view state;
};

// ListTransactions' answer for this partition.
struct transaction_listing {
    std::vector<std::string> unknown_state_filters;
    std::vector<listed_transaction> transactions;  // in transactional id order
};

class transaction_manager {
public:
    explicit transaction_manager(transaction_manager_config config) : config_(config) {}

    // InitProducerId with a transactional id (Kafka's handleInitProducerId). expected is
    // KIP-360's producer id and epoch (v3+, when the client sent them). fresh_producer_id is
    // one the caller reserved; it is used only for a new transactional id or when the epochs
    // are exhausted. An Ongoing transaction is fenced and aborted first, and the client is
    // answered CONCURRENT_TRANSACTIONS (it retries once the abort completed).
    init_producer_id_outcome init_producer_id(const std::string& transactional_id,
                                              int32_t timeout_ms,
                                              std::optional<producer_id_and_epoch> expected,
                                              int64_t now_ms, producer_id fresh_producer_id);

    // AddPartitionsToTxn (v0-3, from clients): the partitions join the transaction, which
    // starts (Ongoing) if it had not. Partitions already in it need no write.
    transaction_outcome add_partitions(const std::string& transactional_id, producer_id pid,
                                       producer_epoch epoch,
                                       const transaction_partitions& partitions, int64_t now_ms);
    // AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction.
    transaction_outcome add_offsets(const std::string& transactional_id, producer_id pid,
                                    producer_epoch epoch, partition_id consumer_offsets_partition,
                                    int64_t now_ms);
    // EndTxn (v0-3). A retry once the transaction completed answers NONE for the same
    // outcome and INVALID_TXN_STATE for the other; while its markers are being written (the
    // Complete* transition pending) every EndTxn answers CONCURRENT_TRANSACTIONS.
    transaction_outcome end_transaction(const std::string& transactional_id, producer_id pid,
                                        producer_epoch epoch, transaction_result result,
                                        int64_t now_ms);

    // AddPartitionsToTxn v4 verify_only (a partition leader checking that a transactional
    // produce's partition was added, KIP-890 part 1): per partition NONE if it is in the
    // transaction, INVALID_TXN_STATE if not (Kafka 3.8), or the error for all of them.
    std::map<topic_partition, protocol::error_code> verify_partitions(
        const std::string& transactional_id, producer_id pid, producer_epoch epoch,
        const transaction_partitions& partitions) const;

    // The append of a write ended: append_error is NONE or the produce error of the append.
    // An unknown write_id (a stale or repeated completion) answers NOT_COORDINATOR.
    write_completion write_completed(uint64_t write_id, protocol::error_code append_error,
                                     int64_t now_ms);
    // Every marker of the transaction is written: its Complete* record, or nullopt if the
    // transaction is not waiting for its markers.
    std::optional<transaction_log_write> markers_written(std::string_view transactional_id);

    // Ongoing transactions older than their timeout: fenced (epoch + 1, so the producer is
    // refused from now on) and aborted. One PrepareAbort write each.
    std::vector<transaction_log_write> abort_timed_out_transactions(int64_t now_ms);
    // Transactional ids idle (Empty or Complete*, nothing pending) for
    // transactional_id_expiration_ms: at most limit tombstones. Each id is erased once its
    // tombstone is durable.
    std::vector<transaction_log_write> expire_transactional_ids(int64_t now_ms, std::size_t limit);

    // Load: one record of the partition, in offset order. Unknown records are skipped.
    void replay(const decoded_transaction_log_record& record);
    // Load finished: the markers to write for transactions left in PrepareCommit or
    // PrepareAbort; then markers_written as in a live commit.
    std::vector<transaction_markers> after_load(int64_t now_ms);

    std::vector<transaction_description> describe(
        std::span<const std::string> transactional_ids) const;
    // ListTransactions: state names (unknown names are reported back), producer ids, and
    // (v1) only transactions running longer than min_duration_ms; empty filters match all.
    transaction_listing list(std::span<const std::string> state_filters,
                             std::span<const producer_id> producer_id_filters,
                             std::optional<int64_t> min_duration_ms, int64_t now_ms) const;

    const transaction_metadata* find(std::string_view transactional_id) const;
    std::size_t size() const { return transactions_.size(); }
    std::size_t writes_in_flight() const { return writes_.size(); }
    leader_epoch coordinator_epoch() const { return config_.coordinator_epoch; }

private:
    // Why a write was made, which decides what its completion does.
    enum class write_purpose : uint8_t {
        init_producer_id,
        add_partitions,
        end_transaction,  // PrepareCommit / PrepareAbort
        complete_transaction,
        expire,
    };

    struct write_in_flight {
        std::string transactional_id;
        write_purpose purpose = write_purpose::add_partitions;
        // end_transaction: what the request that caused it is answered once it is durable
        // (NONE for EndTxn, CONCURRENT_TRANSACTIONS for InitProducerId's fence).
        protocol::error_code answer_on_success = protocol::error_code::none;
        bool epoch_fence = false;
    };

    struct entry {
        transaction_metadata metadata;
        // A Prepare* is durable and its Complete* transit pending: the markers are being
        // written and markers_written may be called.
        bool awaiting_markers = false;
    };

    init_producer_id_outcome prepare_init(entry& found, int32_t timeout_ms,
                                          std::optional<producer_id_and_epoch> expected,
                                          int64_t now_ms, producer_id fresh_producer_id);
    // Kafka's endTransaction: from a client, or (not from a client) the abort of a fence
    // pending on the metadata, with the fenced epoch.
    transaction_outcome end(entry& found, producer_id pid, producer_epoch epoch,
                            transaction_result result, bool from_client, int64_t now_ms,
                            protocol::error_code answer_on_success);
    transaction_log_write make_write(
        const transaction_metadata& metadata, write_purpose purpose,
        protocol::error_code answer_on_success = protocol::error_code::none,
        bool epoch_fence = false);
    write_completion complete_durable(entry& found, const write_in_flight& write, int64_t now_ms);
    // The markers of a transaction whose PrepareCommit/PrepareAbort is durable.
    transaction_markers markers_of(const transaction_metadata& metadata) const;

    transaction_manager_config config_;
    std::map<std::string, entry, std::less<>> transactions_;
    std::map<uint64_t, write_in_flight> writes_;
    uint64_t next_write_id_ = 1;
};

}  // namespace samsa::coordinator
