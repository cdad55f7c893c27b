#include "coordinator/transaction_manager.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "coordinator/tests/transaction_manager_fixture.h"

namespace samsa::coordinator {
namespace {

using namespace samsa::coordinator::testing;
using protocol::error_code;

TEST_F(transaction_manager_test, ANewTransactionalIdGetsAFreshProducerIdAtEpochZero) {
    init_producer_id_outcome outcome = init_outcome("tx");
    EXPECT_TRUE(outcome.used_fresh_producer_id);
    ASSERT_TRUE(outcome.write.has_value());
    // Nothing is answered before the record is durable.
    EXPECT_EQ(
        manager.init_producer_id("tx", timeout_ms, std::nullopt, now_ms, producer_id(99)).error,
        error_code::concurrent_transactions);
    write_completion done = complete(*outcome.write);
    EXPECT_EQ(done.error, error_code::none);
    EXPECT_EQ(done.pid, producer_id(1000));
    EXPECT_EQ(done.epoch, producer_epoch(0));
    EXPECT_EQ(state_of("tx"), transaction_state::empty);
}

TEST_F(transaction_manager_test, InitAgainBumpsTheEpochOfTheSameProducerId) {
    producer_id_and_epoch first = init("tx");
    init_producer_id_outcome outcome = init_outcome("tx");
    EXPECT_FALSE(outcome.used_fresh_producer_id);
    ASSERT_TRUE(outcome.write.has_value());
    write_completion done = complete(*outcome.write);
    EXPECT_EQ(done.pid, first.pid);
    EXPECT_EQ(done.epoch, producer_epoch(1));
}

TEST_F(transaction_manager_test, TheOldEpochIsFencedOnceANewProducerInitialized) {
    producer_id_and_epoch old_producer = init("tx");
    producer_id_and_epoch new_producer = init("tx");
    EXPECT_EQ(
        manager.add_partitions("tx", old_producer.pid, old_producer.epoch, {orders0}, now_ms).error,
        error_code::producer_fenced);
    add("tx", new_producer, {orders0});
    EXPECT_EQ(end_error("tx", old_producer, transaction_result::commit),
              error_code::producer_fenced);
    // Clients older than KIP-588 know the same refusal as INVALID_PRODUCER_EPOCH.
    EXPECT_EQ(
        error_for_request_version(error_code::producer_fenced, 1, end_txn_producer_fenced_version),
        error_code::invalid_producer_epoch);
    EXPECT_EQ(error_for_request_version(error_code::producer_fenced, 4,
                                        init_producer_id_producer_fenced_version),
              error_code::producer_fenced);
}

TEST_F(transaction_manager_test, Kip360ExpectedEpochBumpsAndARetryGetsTheSameEpoch) {
    producer_id_and_epoch first = init("tx");
    producer_id_and_epoch bumped = init("tx", first);
    EXPECT_EQ(bumped.pid, first.pid);
    EXPECT_EQ(bumped.epoch, producer_epoch(1));
    // The response was lost; the producer asks again with the epoch it had.
    producer_id_and_epoch retried = init("tx", first);
    EXPECT_EQ(retried.epoch, producer_epoch(1));

    EXPECT_EQ(init_outcome("tx", producer_id_and_epoch{first.pid, producer_epoch(7)}).error,
              error_code::producer_fenced);
    EXPECT_EQ(init_outcome("tx", producer_id_and_epoch{producer_id(4242), first.epoch}).error,
              error_code::producer_fenced);
}

TEST_F(transaction_manager_test, RequestsAreValidated) {
    EXPECT_EQ(manager.init_producer_id("tx", 0, std::nullopt, now_ms, producer_id(1)).error,
              error_code::invalid_transaction_timeout);
    EXPECT_EQ(manager.init_producer_id("tx", 900'001, std::nullopt, now_ms, producer_id(1)).error,
              error_code::invalid_transaction_timeout);
    EXPECT_EQ(manager.init_producer_id("", timeout_ms, std::nullopt, now_ms, producer_id(1)).error,
              error_code::invalid_request);
    EXPECT_EQ(manager
                  .init_producer_id(std::string(40000, 'x'), timeout_ms, std::nullopt, now_ms,
                                    producer_id(1))
                  .error,
              error_code::invalid_request);
    EXPECT_EQ(manager.size(), 0u);

    producer_id_and_epoch producer = init("tx");
    EXPECT_EQ(
        manager.add_partitions("nobody", producer.pid, producer.epoch, {orders0}, now_ms).error,
        error_code::invalid_producer_id_mapping);
    EXPECT_EQ(
        manager.add_partitions("tx", producer_id(4242), producer.epoch, {orders0}, now_ms).error,
        error_code::invalid_producer_id_mapping);
    EXPECT_EQ(manager
                  .add_partitions("tx", producer.pid, producer.epoch,
                                  {{std::string(40000, 't'), partition_id(0)}}, now_ms)
                  .error,
              error_code::invalid_request);
    EXPECT_EQ(end_error("nobody", producer, transaction_result::commit),
              error_code::invalid_producer_id_mapping);
    EXPECT_EQ(end_error("tx", producer, transaction_result::commit), error_code::invalid_txn_state);
}

TEST_F(transaction_manager_test, EpochExhaustionRotatesToTheFreshProducerId) {
    producer_id_and_epoch producer = init("tx");
    // Walk the epoch to the last usable one through the log, as a long-lived id would.
    transaction_transit exhausted{.current_producer_id = producer.pid,
                                  .last_producer_id = no_producer_id,
                                  .epoch = producer_epoch(32766),
                                  .last_epoch = no_producer_epoch,
                                  .timeout_ms = timeout_ms,
                                  .state = transaction_state::complete_commit,
                                  .partitions = {},
                                  .start_ms = now_ms,
                                  .last_update_ms = now_ms};
    manager = transaction_manager(config(leader_epoch(5)));
    manager.replay(transaction_log_record{.transactional_id = "tx", .value = exhausted});

    producer_id_and_epoch old{producer.pid, producer_epoch(32766)};
    init_producer_id_outcome outcome = init_outcome("tx", old);
    EXPECT_TRUE(outcome.used_fresh_producer_id);
    ASSERT_TRUE(outcome.write.has_value());
    write_completion done = complete(*outcome.write);
    EXPECT_NE(done.pid, producer.pid);
    EXPECT_EQ(done.epoch, producer_epoch(0));
    // A retry with the old producer id and its exhausted epoch gets the same answer.
    producer_id_and_epoch retried = init("tx", old);
    EXPECT_EQ(retried.pid, done.pid);
    EXPECT_EQ(retried.epoch, producer_epoch(0));
}

TEST_F(transaction_manager_test, AddingPartitionsStartsATransactionAndKnownOnesNeedNoWrite) {
    producer_id_and_epoch producer = init("tx");
    int64_t started_ms = now_ms;
    add("tx", producer, {orders0});
    EXPECT_EQ(state_of("tx"), transaction_state::ongoing);
    EXPECT_EQ(manager.find("tx")->start_ms(), started_ms);

    now_ms += 100;
    transaction_outcome again =
        manager.add_partitions("tx", producer.pid, producer.epoch, {orders0}, now_ms);
    EXPECT_EQ(again.error, error_code::none);
    EXPECT_FALSE(again.write.has_value());

    transaction_outcome offsets =
        manager.add_offsets("tx", producer.pid, producer.epoch, partition_id(7), now_ms);
    ASSERT_TRUE(offsets.write.has_value());
    // A second add while the first is being written must wait.
    EXPECT_EQ(manager.add_partitions("tx", producer.pid, producer.epoch, {orders1}, now_ms).error,
              error_code::concurrent_transactions);
    complete(*offsets.write);
    EXPECT_EQ(manager.find("tx")->partitions(),
              (transaction_partitions{orders0, {"__consumer_offsets", partition_id(7)}}));
    EXPECT_EQ(manager.find("tx")->start_ms(), started_ms);
}

TEST_F(transaction_manager_test, ACommitIsPreparedThenMarkedThenCompleted) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0, payments0});
    transaction_outcome ending = manager.end_transaction("tx", producer.pid, producer.epoch,
                                                         transaction_result::commit, now_ms);
    ASSERT_TRUE(ending.write.has_value());
    // While PrepareCommit is being written, everything else about the id waits.
    EXPECT_EQ(manager.add_partitions("tx", producer.pid, producer.epoch, {orders1}, now_ms).error,
              error_code::concurrent_transactions);
    EXPECT_EQ(init_outcome("tx").error, error_code::concurrent_transactions);
    EXPECT_EQ(end_error("tx", producer, transaction_result::commit),
              error_code::concurrent_transactions);

    write_completion prepared = complete(*ending.write);
    EXPECT_EQ(prepared.error, error_code::none);
    ASSERT_TRUE(prepared.markers.has_value());
    EXPECT_EQ(*prepared.markers, (transaction_markers{.transactional_id = "tx",
                                                      .pid = producer.pid,
                                                      .epoch = producer.epoch,
                                                      .coordinator_epoch = leader_epoch(5),
                                                      .result = transaction_result::commit,
                                                      .partitions = {orders0, payments0}}));
    EXPECT_EQ(state_of("tx"), transaction_state::prepare_commit);

    // While the markers are written the Complete* transition is pending: every request
    // waits, as in Kafka, whichever outcome it asks for.
    EXPECT_EQ(end_error("tx", producer, transaction_result::commit),
              error_code::concurrent_transactions);
    EXPECT_EQ(end_error("tx", producer, transaction_result::abort),
              error_code::concurrent_transactions);
    EXPECT_EQ(manager.add_partitions("tx", producer.pid, producer.epoch, {orders1}, now_ms).error,
              error_code::concurrent_transactions);

    finish_markers("tx");
    EXPECT_EQ(state_of("tx"), transaction_state::complete_commit);
    EXPECT_TRUE(manager.find("tx")->partitions().empty());
    EXPECT_FALSE(manager.markers_written("tx").has_value());
    EXPECT_EQ(end_error("tx", producer, transaction_result::commit), error_code::none);
    EXPECT_EQ(end_error("tx", producer, transaction_result::abort), error_code::invalid_txn_state);

    // The next transaction starts from CompleteCommit.
    now_ms += 10;
    add("tx", producer, {orders1});
    EXPECT_EQ(manager.find("tx")->partitions(), (transaction_partitions{orders1}));
    EXPECT_EQ(manager.find("tx")->start_ms(), now_ms);
}

TEST_F(transaction_manager_test, AnAbortWritesAbortMarkers) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0});
    write_completion prepared = end("tx", producer, transaction_result::abort);
    ASSERT_TRUE(prepared.markers.has_value());
    EXPECT_EQ(prepared.markers->result, transaction_result::abort);
    EXPECT_EQ(state_of("tx"), transaction_state::prepare_abort);
    finish_markers("tx");
    EXPECT_EQ(state_of("tx"), transaction_state::complete_abort);
    EXPECT_EQ(end_error("tx", producer, transaction_result::abort), error_code::none);
    EXPECT_EQ(end_error("tx", producer, transaction_result::commit), error_code::invalid_txn_state);
}

TEST_F(transaction_manager_test, AFailedPrepareWriteLeavesTheTransactionOngoing) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0});
    transaction_outcome ending = manager.end_transaction("tx", producer.pid, producer.epoch,
                                                         transaction_result::commit, now_ms);
    ASSERT_TRUE(ending.write.has_value());
    write_completion failed = complete(*ending.write, error_code::not_enough_replicas);
    EXPECT_EQ(failed.error, error_code::coordinator_not_available);
    EXPECT_FALSE(failed.markers.has_value());
    EXPECT_EQ(state_of("tx"), transaction_state::ongoing);
    EXPECT_TRUE(end("tx", producer, transaction_result::commit).markers.has_value());
}

TEST_F(transaction_manager_test, AFailedCompleteWriteIsRetriedWhenRetriable) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0});
    end("tx", producer, transaction_result::commit);
    auto complete_write = manager.markers_written("tx");
    ASSERT_TRUE(complete_write.has_value());
    write_completion failed = complete(*complete_write, error_code::request_timed_out);
    ASSERT_TRUE(failed.retry.has_value());
    EXPECT_EQ(failed.retry->record, complete_write->record);
    EXPECT_EQ(state_of("tx"), transaction_state::prepare_commit);
    EXPECT_EQ(complete(*failed.retry).error, error_code::none);
    EXPECT_EQ(state_of("tx"), transaction_state::complete_commit);
}

TEST_F(transaction_manager_test, InitDuringAnOngoingTransactionFencesAndAbortsItFirst) {
    producer_id_and_epoch old_producer = init("tx");
    add("tx", old_producer, {orders0});

    init_producer_id_outcome fencing = init_outcome("tx");
    ASSERT_TRUE(fencing.write.has_value());
    // The old producer is refused at once, before anything is written.
    EXPECT_EQ(
        manager.add_partitions("tx", old_producer.pid, old_producer.epoch, {orders1}, now_ms).error,
        error_code::producer_fenced);
    write_completion aborted = complete(*fencing.write);
    EXPECT_EQ(aborted.error, error_code::concurrent_transactions);
    ASSERT_TRUE(aborted.markers.has_value());
    EXPECT_EQ(aborted.markers->result, transaction_result::abort);
    EXPECT_EQ(aborted.markers->epoch, producer_epoch(1));
    EXPECT_EQ(aborted.markers->partitions, std::vector<topic_partition>{orders0});
    EXPECT_EQ(state_of("tx"), transaction_state::prepare_abort);

    EXPECT_EQ(init_outcome("tx").error, error_code::concurrent_transactions);
    finish_markers("tx");
    EXPECT_EQ(state_of("tx"), transaction_state::complete_abort);

    // The client's retry: the fenced epoch was never handed out, so it bumps again.
    producer_id_and_epoch new_producer = init("tx");
    EXPECT_EQ(new_producer.pid, old_producer.pid);
    EXPECT_EQ(new_producer.epoch, producer_epoch(2));
}

TEST_F(transaction_manager_test, DescribeAndListShowKafkasFields) {
    producer_id_and_epoch producer = init("tx");
    int64_t started_ms = now_ms;
    add("tx", producer, {orders1, orders0, payments0});
    producer_id_and_epoch other = init("other");

    std::vector<std::string> ids{"tx", "missing", ""};
    std::vector<transaction_description> described = manager.describe(ids);
    ASSERT_EQ(described.size(), 3u);
    EXPECT_EQ(described[0].error, error_code::none);
    EXPECT_EQ(described[0].state, "Ongoing");
    EXPECT_EQ(described[0].timeout_ms, timeout_ms);
    EXPECT_EQ(described[0].start_ms, started_ms);
    EXPECT_EQ(described[0].pid, producer.pid);
    EXPECT_EQ(described[0].epoch, producer.epoch);
    EXPECT_EQ(described[0].topics,
              (std::vector<described_topic>{{"orders", {partition_id(0), partition_id(1)}},
                                            {"payments", {partition_id(0)}}}));
    EXPECT_EQ(described[1].error, error_code::transactional_id_not_found);
    EXPECT_EQ(described[2].error, error_code::invalid_request);

    std::vector<std::string> ongoing{"Ongoing"};
    transaction_listing listed = manager.list(ongoing, {}, std::nullopt, now_ms);
    ASSERT_EQ(listed.transactions.size(), 1u);
    EXPECT_EQ(listed.transactions[0].transactional_id, "tx");
    EXPECT_EQ(listed.transactions[0].state, "Ongoing");

    std::vector<std::string> bogus{"Bogus"};
    transaction_listing unknown = manager.list(bogus, {}, std::nullopt, now_ms);
    EXPECT_EQ(unknown.unknown_state_filters, bogus);
    EXPECT_TRUE(unknown.transactions.empty());

    std::vector<producer_id> pids{other.pid};
    transaction_listing by_pid = manager.list({}, pids, std::nullopt, now_ms);
    ASSERT_EQ(by_pid.transactions.size(), 1u);
    EXPECT_EQ(by_pid.transactions[0].transactional_id, "other");

    EXPECT_EQ(manager.list({}, {}, std::nullopt, now_ms).transactions.size(), 2u);
    // Running longer than 10 s: "tx" has run 0 ms; "other" never started (-1), which
    // Kafka's comparison lets through.
    transaction_listing long_running = manager.list(ongoing, {}, 10'000, now_ms);
    EXPECT_TRUE(long_running.transactions.empty());
    EXPECT_EQ(manager.list(ongoing, {}, 10'000, now_ms + 10'001).transactions.size(), 1u);
}

TEST_F(transaction_manager_test, VerifyingPartitionsAnswersPerPartition) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0});
    auto verified =
        manager.verify_partitions("tx", producer.pid, producer.epoch, {orders0, orders1});
    EXPECT_EQ(verified.at(orders0), error_code::none);
    EXPECT_EQ(verified.at(orders1), error_code::invalid_txn_state);
    auto fenced = manager.verify_partitions("tx", producer.pid, producer_epoch(9), {orders0});
    EXPECT_EQ(fenced.at(orders0), error_code::producer_fenced);
    auto unknown = manager.verify_partitions("nobody", producer.pid, producer.epoch, {orders0});
    EXPECT_EQ(unknown.at(orders0), error_code::invalid_producer_id_mapping);
}

TEST_F(transaction_manager_test, AnUnknownOrRepeatedCompletionIsNotCoordinator) {
    init_producer_id_outcome outcome = init_outcome("tx");
    ASSERT_TRUE(outcome.write.has_value());
    EXPECT_EQ(complete(*outcome.write).error, error_code::none);
    EXPECT_EQ(manager.write_completed(outcome.write->write_id, error_code::none, now_ms).error,
              error_code::not_coordinator);
    EXPECT_EQ(manager.write_completed(12345, error_code::none, now_ms).error,
              error_code::not_coordinator);
    EXPECT_EQ(manager.writes_in_flight(), 0u);
}

TEST(TransactionCoordinatorErrors, AppendErrorsAreMappedAsKafkaMapsThem) {
    EXPECT_EQ(coordinator_error_for_append_error(error_code::none), error_code::none);
    EXPECT_EQ(coordinator_error_for_append_error(error_code::not_enough_replicas_after_append),
              error_code::coordinator_not_available);
    EXPECT_EQ(coordinator_error_for_append_error(error_code::kafka_storage_error),
              error_code::not_coordinator);
    EXPECT_EQ(coordinator_error_for_append_error(error_code::record_list_too_large),
              error_code::unknown_server_error);
    EXPECT_EQ(coordinator_error_for_append_error(error_code::invalid_request),
              error_code::invalid_request);
}

}  // namespace
}  // namespace samsa::coordinator
