// The transaction manager without requests: timeouts, expiry, and coordinator restarts.

#include "coordinator/transaction_manager.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "coordinator/tests/transaction_manager_fixture.h"

namespace samsa::coordinator {
namespace {

using namespace samsa::coordinator::testing;
using protocol::error_code;

TEST_F(transaction_manager_test, ATimedOutTransactionIsAbortedWithAnEpochBump) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0});
    now_ms += timeout_ms;
    EXPECT_TRUE(manager.abort_timed_out_transactions(now_ms).empty());
    now_ms += 1;
    std::vector<transaction_log_write> aborts = manager.abort_timed_out_transactions(now_ms);
    ASSERT_EQ(aborts.size(), 1u);
    EXPECT_EQ(end_error("tx", producer, transaction_result::commit), error_code::producer_fenced);
    write_completion prepared = complete(aborts[0]);
    ASSERT_TRUE(prepared.markers.has_value());
    EXPECT_EQ(prepared.markers->result, transaction_result::abort);
    EXPECT_EQ(prepared.markers->epoch, producer_epoch(1));
    finish_markers("tx");
    EXPECT_EQ(state_of("tx"), transaction_state::complete_abort);
    EXPECT_TRUE(manager.abort_timed_out_transactions(now_ms + timeout_ms * 10).empty());
}

TEST_F(transaction_manager_test, AFenceWhoseWriteFailedDoesNotBumpTwice) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0});
    now_ms += timeout_ms + 1;
    std::vector<transaction_log_write> first = manager.abort_timed_out_transactions(now_ms);
    ASSERT_EQ(first.size(), 1u);
    complete(first[0], error_code::not_leader_or_follower);
    EXPECT_EQ(state_of("tx"), transaction_state::ongoing);
    EXPECT_EQ(manager.find("tx")->epoch(), producer_epoch(1));

    std::vector<transaction_log_write> second = manager.abort_timed_out_transactions(now_ms);
    ASSERT_EQ(second.size(), 1u);
    write_completion prepared = complete(second[0]);
    ASSERT_TRUE(prepared.markers.has_value());
    EXPECT_EQ(prepared.markers->epoch, producer_epoch(1));
}

TEST_F(transaction_manager_test, AnIdleTransactionalIdExpiresWithATombstone) {
    init("idle");
    producer_id_and_epoch busy = init("busy");
    add("busy", busy, {orders0});
    now_ms += 604'800'000 - 1;
    EXPECT_TRUE(manager.expire_transactional_ids(now_ms, 100).empty());
    now_ms += 1;
    std::vector<transaction_log_write> tombstones = manager.expire_transactional_ids(now_ms, 100);
    ASSERT_EQ(tombstones.size(), 1u);
    EXPECT_FALSE(tombstones[0].record.value.has_value());
    EXPECT_EQ(init_outcome("idle").error, error_code::concurrent_transactions);
    complete(tombstones[0]);
    EXPECT_EQ(manager.find("idle"), nullptr);
    EXPECT_EQ(manager.size(), 1u);
    // Replayed, the tombstone removes the id too.
    EXPECT_EQ(restart(leader_epoch(6)).find("idle"), nullptr);
}

TEST_F(transaction_manager_test, ATombstoneThatFailedLeavesTheIdInPlace) {
    init("idle");
    now_ms += 604'800'000;
    std::vector<transaction_log_write> tombstones = manager.expire_transactional_ids(now_ms, 1);
    ASSERT_EQ(tombstones.size(), 1u);
    complete(tombstones[0], error_code::not_enough_replicas);
    ASSERT_NE(manager.find("idle"), nullptr);
    EXPECT_EQ(state_of("idle"), transaction_state::empty);
    EXPECT_EQ(manager.expire_transactional_ids(now_ms, 1).size(), 1u);
}

TEST_F(transaction_manager_test, ACoordinatorRestartMidCommitWritesTheMarkersAgain) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0, payments0});
    write_completion prepared = end("tx", producer, transaction_result::commit);
    ASSERT_TRUE(prepared.markers.has_value());
    // The coordinator dies here: PrepareCommit is durable, the markers may not be.

    transaction_manager reloaded = restart(leader_epoch(6));
    ASSERT_NE(reloaded.find("tx"), nullptr);
    EXPECT_EQ(reloaded.find("tx")->state(), transaction_state::prepare_commit);
    std::vector<transaction_markers> markers = reloaded.after_load(now_ms);
    ASSERT_EQ(markers.size(), 1u);
    EXPECT_EQ(markers[0], (transaction_markers{.transactional_id = "tx",
                                               .pid = producer.pid,
                                               .epoch = producer.epoch,
                                               .coordinator_epoch = leader_epoch(6),
                                               .result = transaction_result::commit,
                                               .partitions = {orders0, payments0}}));
    // The client's retried EndTxn waits for the markers.
    EXPECT_EQ(
        reloaded
            .end_transaction("tx", producer.pid, producer.epoch, transaction_result::commit, now_ms)
            .error,
        error_code::concurrent_transactions);

    auto complete_write = reloaded.markers_written("tx");
    ASSERT_TRUE(complete_write.has_value());
    EXPECT_EQ(complete_on(reloaded, *complete_write).error, error_code::none);
    EXPECT_EQ(reloaded.find("tx")->state(), transaction_state::complete_commit);
    EXPECT_EQ(
        reloaded
            .end_transaction("tx", producer.pid, producer.epoch, transaction_result::commit, now_ms)
            .error,
        error_code::none);

    // A third coordinator sees a finished commit and has nothing to redo.
    transaction_manager again = restart(leader_epoch(7));
    EXPECT_EQ(again.find("tx")->state(), transaction_state::complete_commit);
    EXPECT_TRUE(again.after_load(now_ms).empty());
}

TEST_F(transaction_manager_test, AReloadedOngoingTransactionStillTimesOut) {
    producer_id_and_epoch producer = init("tx");
    add("tx", producer, {orders0});
    transaction_manager reloaded = restart(leader_epoch(6));
    EXPECT_TRUE(reloaded.after_load(now_ms).empty());
    EXPECT_EQ(reloaded.find("tx")->partitions(), (transaction_partitions{orders0}));
    EXPECT_EQ(reloaded.abort_timed_out_transactions(now_ms + timeout_ms + 1).size(), 1u);
}

// Seeded random clients, clock and append failures. Invariants: at most one write in flight
// per transactional id, and once everything is written, replaying the log rebuilds exactly
// the state the live manager holds.
TEST_F(transaction_manager_test, RandomRunsReplayToTheLiveState) {
    const std::vector<std::string> ids{"a", "b", "c"};
    const std::vector<error_code> append_errors{error_code::not_enough_replicas,
                                                error_code::request_timed_out,
                                                error_code::not_leader_or_follower};
    for (uint32_t seed = 1; seed <= 20; ++seed) {
        std::mt19937 random(seed);
        manager = transaction_manager(config(leader_epoch(5)));
        log.clear();
        std::map<std::string, producer_id_and_epoch> producers;
        std::vector<transaction_log_write> in_flight;
        std::set<std::string> awaiting_markers;
        auto settle = [&](write_completion done) {
            if (done.markers) {
                awaiting_markers.insert(done.markers->transactional_id);
            }
            if (done.retry) {
                in_flight.push_back(std::move(*done.retry));
            }
            return done;
        };
        for (int step = 0; step < 400; ++step) {
            const std::string& id = ids[random() % ids.size()];
            producer_id_and_epoch producer = producers[id];
            switch (random() % 8) {
                case 0: {
                    init_producer_id_outcome outcome = init_outcome(id);
                    if (outcome.write) {
                        in_flight.push_back(std::move(*outcome.write));
                    }
                    break;
                }
                case 1:
                case 2: {
                    transaction_partitions partitions{
                        {"t", partition_id(static_cast<int32_t>(random() % 4))}};
                    auto outcome = manager.add_partitions(id, producer.pid, producer.epoch,
                                                          partitions, now_ms);
                    if (outcome.write) {
                        in_flight.push_back(std::move(*outcome.write));
                    }
                    break;
                }
                case 3: {
                    auto result =
                        random() % 2 == 0 ? transaction_result::commit : transaction_result::abort;
                    auto outcome =
                        manager.end_transaction(id, producer.pid, producer.epoch, result, now_ms);
                    if (outcome.write) {
                        in_flight.push_back(std::move(*outcome.write));
                    }
                    break;
                }
                case 4:
                case 5: {
                    if (in_flight.empty()) {
                        break;
                    }
                    std::size_t index = random() % in_flight.size();
                    transaction_log_write write = std::move(in_flight[index]);
                    in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(index));
                    error_code error = random() % 5 == 0
                                           ? append_errors[random() % append_errors.size()]
                                           : error_code::none;
                    write_completion done = settle(complete(write, error));
                    if (done.error == error_code::none && done.pid != no_producer_id) {
                        for (const std::string& candidate : ids) {
                            const transaction_metadata* found = manager.find(candidate);
                            if (found != nullptr && found->current_producer_id() == done.pid) {
                                producers[candidate] = {done.pid, done.epoch};
                            }
                        }
                    }
                    break;
                }
                case 6: {
                    if (awaiting_markers.erase(id) != 0) {
                        auto write = manager.markers_written(id);
                        ASSERT_TRUE(write.has_value());
                        in_flight.push_back(std::move(*write));
                    }
                    break;
                }
                case 7: {
                    now_ms += random() % (2 * timeout_ms);
                    for (auto& write : manager.abort_timed_out_transactions(now_ms)) {
                        in_flight.push_back(std::move(write));
                    }
                    if (random() % 4 == 0) {
                        now_ms += 604'800'000;
                        for (auto& write : manager.expire_transactional_ids(now_ms, 2)) {
                            in_flight.push_back(std::move(write));
                        }
                    }
                    break;
                }
            }
            ASSERT_EQ(manager.writes_in_flight(), in_flight.size());
            ASSERT_LE(in_flight.size(), ids.size()) << "seed " << seed;
        }
        // Write everything still outstanding.
        while (!in_flight.empty() || !awaiting_markers.empty()) {
            if (!in_flight.empty()) {
                transaction_log_write write = std::move(in_flight.back());
                in_flight.pop_back();
                settle(complete(write));
            } else {
                std::string id = *awaiting_markers.begin();
                awaiting_markers.erase(awaiting_markers.begin());
                auto write = manager.markers_written(id);
                ASSERT_TRUE(write.has_value());
                in_flight.push_back(std::move(*write));
            }
        }
        transaction_manager reloaded = restart(leader_epoch(6));
        for (const std::string& id : ids) {
            const transaction_metadata* live = manager.find(id);
            const transaction_metadata* replayed = reloaded.find(id);
            // An id whose first InitProducerId never got written lives in memory only.
            if (live != nullptr && live->epoch() == no_producer_epoch) {
                EXPECT_EQ(replayed, nullptr);
                continue;
            }
            ASSERT_EQ(live == nullptr, replayed == nullptr) << "seed " << seed << " id " << id;
            if (live == nullptr) {
                continue;
            }
            EXPECT_FALSE(live->has_pending());
            EXPECT_EQ(replayed->state(), live->state()) << "seed " << seed << " id " << id;
            EXPECT_EQ(replayed->current_producer_id(), live->current_producer_id());
            EXPECT_EQ(replayed->epoch(), live->epoch());
            EXPECT_EQ(replayed->timeout_ms(), live->timeout_ms());
            EXPECT_EQ(replayed->partitions(), live->partitions());
            EXPECT_EQ(replayed->last_update_ms(), live->last_update_ms());
            if (live->state() != transaction_state::empty) {
                EXPECT_EQ(replayed->start_ms(), live->start_ms());
            }
        }
    }
}

}  // namespace
}  // namespace samsa::coordinator
