#pragma once

// The transaction coordinator of one shard: the transactions of the __transaction_state
// partitions this shard hosts. It drives one sans-I/O transaction_manager per partition
// (transaction_manager.h explains the flow) with requests and the clock, appends the records
// it asks for to the partition (durably, as Kafka writes the transaction log with acks=all),
// and has the markers written through a transaction_marker_writer.
//
// A transactional id lives in partition transaction_partition(id) (the same hash Kafka uses);
// the server sends each request to the shard owning that partition, so nothing here locks.
//
// Loading: start() loads every hosted partition (so transactions left in PrepareCommit or
// PrepareAbort by a restart get their markers without waiting for a client); a partition
// created later is loaded by its first request. Requests wait for the load.
//
// Markers are retried until every partition took them (Kafka retries until it stops being
// the coordinator), every marker_retry_backoff_ms. Timers: every
// transaction.abort.timed.out.transaction.cleanup.interval.ms transactions past their
// timeout are aborted; every transaction.remove.expired.transaction.cleanup.interval.ms
// transactional ids idle for transactional.id.expiration.ms are removed.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/partition_manager.h"
#include "coordinator/transaction_manager.h"
#include "protocol/error_code.h"

namespace samsa::coordinator {

inline constexpr std::string_view transaction_state_topic = "__transaction_state";

// Writes a transaction's markers to the leaders of its partitions (WriteTxnMarkers). The
// server implements it; on one node the leaders are this node's shards.
class transaction_marker_writer {
public:
    virtual ~transaction_marker_writer() = default;
    // NONE once every partition took its marker (a partition no longer in the metadata
    // counts as done, as in Kafka); otherwise an error, and the coordinator tries again.
    virtual asio::awaitable<protocol::error_code> write_markers(
        const transaction_markers& markers) = 0;
};

struct transaction_coordinator_settings {
    int32_t transaction_max_timeout_ms = default_transaction_max_timeout_ms;
    int64_t transactional_id_expiration_ms = default_transactional_id_expiration_ms;
    int64_t abort_timed_out_interval_ms = 10'000;
    int64_t remove_expired_interval_ms = 3'600'000;
    int64_t marker_retry_backoff_ms = 100;
};

struct init_producer_id_answer {
    protocol::error_code error = protocol::error_code::none;
    producer_id pid{-1};
    producer_epoch epoch{-1};
};

class transaction_coordinator {
public:
    transaction_coordinator(asio::any_io_executor executor, cluster::partition_manager& partitions,
                            transaction_marker_writer& markers,
                            transaction_coordinator_settings settings);
    ~transaction_coordinator();
    transaction_coordinator(const transaction_coordinator&) = delete;
    transaction_coordinator& operator=(const transaction_coordinator&) = delete;

    // Starts the timer and loads the hosted partitions. Call once, on the shard.
    void start();
    // Stops the timer and forgets every partition; waiting requests answer NOT_COORDINATOR.
    // Call before the partitions close.
    void stop();

    // fresh_producer_id: an id the caller reserved, used for a new transactional id.
    asio::awaitable<init_producer_id_answer> init_producer_id(
        partition_id partition, std::string transactional_id, int32_t timeout_ms,
        std::optional<producer_id_and_epoch> expected, producer_id fresh_producer_id);
    asio::awaitable<protocol::error_code> add_partitions(partition_id partition,
                                                         std::string transactional_id,
                                                         producer_id pid, producer_epoch epoch,
                                                         transaction_partitions partitions);
    asio::awaitable<protocol::error_code> add_offsets(partition_id partition,
                                                      std::string transactional_id, producer_id pid,
                                                      producer_epoch epoch,
                                                      partition_id consumer_offsets_partition);
    asio::awaitable<protocol::error_code> end_transaction(partition_id partition,
                                                          std::string transactional_id,
                                                          producer_id pid, producer_epoch epoch,
                                                          transaction_result result);
    asio::awaitable<transaction_description> describe(partition_id partition,
                                                      std::string transactional_id);
    // ListTransactions over the loaded partitions of this shard.
    transaction_listing list(const std::vector<std::string>& state_filters,
                             const std::vector<producer_id>& producer_id_filters,
                             std::optional<int64_t> min_duration_ms) const;

private:
    struct loaded_partition;

    // The loaded state of a hosted partition (loading it first), or NOT_COORDINATOR.
    asio::awaitable<result<std::shared_ptr<loaded_partition>, protocol::error_code>>
    partition_state(partition_id partition);
    asio::awaitable<void> load(std::shared_ptr<loaded_partition> state);
    // Appends the write's record durably and reports it to the manager; follows up on what
    // the completion asks (markers, a retried write). Returns the completion.
    asio::awaitable<write_completion> perform_write(std::shared_ptr<loaded_partition> state,
                                                    transaction_log_write write);
    // Writes markers until they are taken, then completes the transaction.
    asio::awaitable<void> complete_with_markers(std::shared_ptr<loaded_partition> state,
                                                transaction_markers markers);
    void follow_up(const std::shared_ptr<loaded_partition>& state,
                   const write_completion& completion);
    // The answer of AddPartitionsToTxn, AddOffsetsToTxn or EndTxn: at once, or once the
    // outcome's write completed.
    asio::awaitable<protocol::error_code> finish(std::shared_ptr<loaded_partition> state,
                                                 transaction_outcome outcome);
    asio::awaitable<void> tick_loop();
    void spawn(asio::awaitable<void> work, std::string_view what);

    asio::any_io_executor executor_;
    cluster::partition_manager& partitions_;
    transaction_marker_writer& markers_;
    transaction_coordinator_settings settings_;
    std::map<int32_t, std::shared_ptr<loaded_partition>> loaded_;
    asio::steady_timer timer_;
    bool stopped_ = false;
    int64_t next_abort_check_ms_ = 0;
    int64_t next_expiry_check_ms_ = 0;
};

}  // namespace samsa::coordinator
