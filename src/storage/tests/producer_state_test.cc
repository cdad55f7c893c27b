// The producer state of one partition (storage/producer_state.h): Kafka's idempotence and
// transaction rules, driven by batches and markers with explicit offsets and a plain clock.

#include "storage/producer_state.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "protocol/control_record.h"
#include "protocol/record_batch_builder.h"
#include "storage/tests/producer_batch_maker.h"

namespace samsa::storage {
namespace {

using protocol::error_code;

constexpr int32_t int32_max = std::numeric_limits<int32_t>::max();

protocol::transaction_marker commit(int32_t coordinator_epoch = 0) {
    return {protocol::control_type::commit, coordinator_epoch};
}
protocol::transaction_marker abort_marker(int32_t coordinator_epoch = 0) {
    return {protocol::control_type::abort, coordinator_epoch};
}

class ProducerState : public ::testing::Test {
protected:
    // Checks the batch as a client's, appends it at the map end offset and records it.
    void append(const producer_batch& batch) {
        auto checked = table.check_client_batch(batch);
        ASSERT_TRUE(checked) << checked.error().message;
        ASSERT_FALSE(checked.value()) << "unexpected duplicate";
        offset first = table.map_end_offset();
        offset last(first.value() + batch_records(batch) - 1);
        table.record_batch(batch, first, last);
    }
    static int64_t batch_records(const producer_batch& batch) {
        int64_t span = static_cast<int64_t>(batch.last_sequence) - batch.base_sequence;
        return (span < 0 ? span + int64_t{int32_max} + 1 : span) + 1;
    }
    error_code refusal(const producer_batch& batch) {
        auto checked = table.check_client_batch(batch);
        EXPECT_FALSE(checked) << "accepted";
        return checked ? error_code::none : checked.error().code;
    }
    std::optional<completed_transaction> end_transaction(int64_t id, int16_t epoch,
                                                         protocol::transaction_marker marker) {
        auto checked =
            table.check_marker(producer_id(id), producer_epoch(epoch), marker.coordinator_epoch);
        EXPECT_TRUE(checked) << checked.error().message;
        return table.record_marker(producer_id(id), producer_epoch(epoch), marker,
                                   table.map_end_offset(), 2000);
    }

    producer_state_table table{"orders-0"};
};

TEST(producer_batch_of, ReadsTheHeaderAndWrapsTheLastSequence) {
    protocol::record_batch_settings settings;
    settings.producer_id = producer_id(77);
    settings.producer_epoch = producer_epoch(3);
    settings.base_sequence = int32_max - 1;
    settings.transactional = protocol::transaction_mode::transactional;
    protocol::record_batch_builder builder(settings);
    for (int64_t timestamp : {10, 30, 20}) {
        protocol::record_fields fields;
        fields.timestamp_ms = timestamp;
        builder.append(fields);
    }
    auto bytes = std::move(builder).build().value();
    auto batch = producer_batch_of(protocol::record_batch_view::parse(bytes).value());
    EXPECT_EQ(batch.id, producer_id(77));
    EXPECT_EQ(batch.epoch, producer_epoch(3));
    EXPECT_EQ(batch.base_sequence, int32_max - 1);
    EXPECT_EQ(batch.last_sequence, 0);
    EXPECT_TRUE(batch.transactional);
    EXPECT_EQ(batch.max_timestamp_ms, 30);
}

TEST(producer_batch_of, NoSequenceStaysNoSequence) {
    protocol::record_batch_builder builder(protocol::record_batch_settings{});
    builder.append(protocol::record_fields{});
    builder.append(protocol::record_fields{});
    auto bytes = std::move(builder).build().value();
    auto batch = producer_batch_of(protocol::record_batch_view::parse(bytes).value());
    EXPECT_EQ(batch.id, producer_id(-1));
    EXPECT_EQ(batch.last_sequence, -1);
}

TEST(sequence_arithmetic, WrapsLikeKafka) {
    EXPECT_EQ(increment_sequence(5, 3), 8);
    EXPECT_EQ(increment_sequence(int32_max, 1), 0);
    EXPECT_EQ(increment_sequence(int32_max - 2, 5), 2);
    EXPECT_EQ(decrement_sequence(8, 3), 5);
    EXPECT_EQ(decrement_sequence(0, 1), int32_max);
    EXPECT_EQ(decrement_sequence(2, 5), int32_max - 2);
}

TEST_F(ProducerState, UnknownProducerMayStartAtAnySequence) {
    append(batch_of(1, 0, 42, 3));
    const producer_entry* entry = table.find(producer_id(1));
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->last_sequence(), 44);
    EXPECT_EQ(entry->last_data_offset(), offset(2));
    EXPECT_EQ(table.map_end_offset(), offset(3));
}

TEST_F(ProducerState, InSequenceBatchesAreAccepted) {
    append(batch_of(1, 0, 0, 2));
    append(batch_of(1, 0, 2, 1));
    append(batch_of(1, 0, 3, 4));
    EXPECT_EQ(table.find(producer_id(1))->last_sequence(), 6);
    EXPECT_EQ(table.map_end_offset(), offset(7));
}

TEST_F(ProducerState, EachOfTheLastFiveBatchesIsADuplicateWithItsOriginalOffsets) {
    for (int i = 0; i < 7; ++i) {
        append(batch_of(1, 0, i * 2, 2));
    }
    // Batches 2..6 are kept: offsets 4..13.
    for (int i = 2; i < 7; ++i) {
        auto checked = table.check_client_batch(batch_of(1, 0, i * 2, 2));
        ASSERT_TRUE(checked) << checked.error().message;
        ASSERT_TRUE(checked.value()) << "batch " << i << " not a duplicate";
        EXPECT_EQ(checked.value()->first_offset, offset(i * 2));
        EXPECT_EQ(checked.value()->last_offset, offset(i * 2 + 1));
    }
}

TEST_F(ProducerState, SixthOldestBatchIsNoLongerADuplicateButOutOfOrder) {
    for (int i = 0; i < 6; ++i) {
        append(batch_of(1, 0, i, 1));
    }
    EXPECT_EQ(table.find(producer_id(1))->batches.size(), producer_batches_to_retain);
    EXPECT_EQ(refusal(batch_of(1, 0, 0, 1)), error_code::out_of_order_sequence_number);
    auto oldest_kept = table.check_client_batch(batch_of(1, 0, 1, 1));
    ASSERT_TRUE(oldest_kept);
    EXPECT_TRUE(oldest_kept.value());
}

TEST_F(ProducerState, ADifferentSequenceRangeIsNotADuplicate) {
    append(batch_of(1, 0, 0, 3));
    EXPECT_EQ(refusal(batch_of(1, 0, 0, 2)), error_code::out_of_order_sequence_number);
}

TEST_F(ProducerState, GapIsOutOfOrderWithKafkasMessage) {
    append(batch_of(1, 0, 0, 1));
    auto checked = table.check_client_batch(batch_of(1, 0, 5, 1));
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, error_code::out_of_order_sequence_number);
    EXPECT_EQ(checked.error().message,
              "Out of order sequence number for producer 1 at offset 1 in partition orders-0: 5 "
              "(incoming seq. number), 0 (current end sequence number)");
}

TEST_F(ProducerState, SequenceWrapsAfterInt32Max) {
    append(batch_of(1, 0, int32_max - 1, 2));
    EXPECT_EQ(table.find(producer_id(1))->last_sequence(), int32_max);
    append(batch_of(1, 0, 0, 1));
    EXPECT_EQ(table.find(producer_id(1))->last_sequence(), 0);
    // A batch that itself wraps.
    append(batch_of(1, 0, 1, 1));
    producer_state_table wrapping("orders-0");
    wrapping.record_batch(batch_of(2, 0, int32_max - 1, 4), offset(0), offset(3));
    // MAX-1, MAX, 0, 1.
    EXPECT_EQ(wrapping.find(producer_id(2))->last_sequence(), 1);
    EXPECT_TRUE(wrapping.check_client_batch(batch_of(2, 0, 2, 1)));
    auto duplicate = wrapping.check_client_batch(batch_of(2, 0, int32_max - 1, 4));
    ASSERT_TRUE(duplicate && duplicate.value());
}

TEST_F(ProducerState, NewEpochMustStartAtZeroAndResetsTheBatches) {
    append(batch_of(1, 0, 0, 5));
    auto checked = table.check_client_batch(batch_of(1, 1, 5, 1));
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, error_code::out_of_order_sequence_number);
    EXPECT_NE(checked.error().message.find("Invalid sequence number for new epoch of producer 1"),
              std::string::npos);
    append(batch_of(1, 1, 0, 1));
    const producer_entry* entry = table.find(producer_id(1));
    EXPECT_EQ(entry->epoch, producer_epoch(1));
    EXPECT_EQ(entry->batches.size(), 1u);
    // A retry of the old epoch's batch is fenced, not a duplicate.
    EXPECT_EQ(refusal(batch_of(1, 0, 0, 5)), error_code::invalid_producer_epoch);
}

TEST_F(ProducerState, OlderEpochIsFenced) {
    append(batch_of(1, 3, 0, 1));
    auto checked = table.check_client_batch(batch_of(1, 2, 1, 1));
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, error_code::invalid_producer_epoch);
    EXPECT_EQ(checked.error().message,
              "Epoch of producer 1 at offset 1 in orders-0 is 2, which is smaller than the last "
              "seen epoch 3");
}

TEST_F(ProducerState, ProducersAreIndependent) {
    append(batch_of(1, 0, 0, 1));
    append(batch_of(2, 0, 100, 1));
    append(batch_of(1, 0, 1, 1));
    append(batch_of(2, 0, 101, 1));
    EXPECT_EQ(table.size(), 2u);
}

TEST_F(ProducerState, BatchWithoutProducerIdPassesAndOnlyMovesTheMapEnd) {
    producer_batch plain;
    auto checked = table.check_client_batch(plain);
    ASSERT_TRUE(checked);
    EXPECT_FALSE(checked.value());
    table.record_batch(plain, offset(0), offset(9));
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.map_end_offset(), offset(10));
}

TEST_F(ProducerState, TransactionCommitMovesTheFirstUnstableOffset) {
    append(batch_of(1, 0, 0, 2));  // offsets 0-1, not transactional
    EXPECT_EQ(table.first_unstable_offset(), std::nullopt);
    append(batch_of(2, 0, 0, 3, true));  // 2-4 opens a transaction at 2
    append(batch_of(2, 0, 3, 1, true));  // 5, same transaction
    EXPECT_EQ(table.first_unstable_offset(), offset(2));
    EXPECT_EQ(table.find(producer_id(2))->current_txn_first_offset, offset(2));
    auto ongoing = table.ongoing_transactions();
    ASSERT_EQ(ongoing.size(), 1u);
    EXPECT_EQ(ongoing[0].id, producer_id(2));
    EXPECT_EQ(ongoing[0].first_offset, offset(2));

    auto completed = end_transaction(2, 0, commit());  // marker at 6
    ASSERT_TRUE(completed);
    EXPECT_EQ(completed->first_offset, offset(2));
    EXPECT_EQ(completed->last_offset, offset(6));
    EXPECT_FALSE(completed->aborted);
    EXPECT_EQ(completed->last_stable_offset, offset(7));
    EXPECT_EQ(table.first_undecided_offset(), std::nullopt);
    EXPECT_FALSE(table.find(producer_id(2))->current_txn_first_offset);
    EXPECT_EQ(table.map_end_offset(), offset(7));
    // Until the high watermark passes the marker, the transaction stays unstable.
    EXPECT_EQ(table.first_unstable_offset(), offset(2));
    table.on_high_watermark_updated(offset(6));
    EXPECT_EQ(table.first_unstable_offset(), offset(2));
    table.on_high_watermark_updated(offset(7));
    EXPECT_EQ(table.first_unstable_offset(), std::nullopt);
    // The epoch's batches survive a marker of the same epoch: the sequence continues.
    append(batch_of(2, 0, 4, 1, true));
    EXPECT_EQ(table.first_unstable_offset(), offset(7));
}

TEST_F(ProducerState, AbortReportsTheLastStableOffsetOfOtherOpenTransactions) {
    append(batch_of(1, 0, 0, 1, true));                      // 0
    append(batch_of(2, 0, 0, 1, true));                      // 1
    auto completed = end_transaction(2, 0, abort_marker());  // marker at 2
    ASSERT_TRUE(completed);
    EXPECT_TRUE(completed->aborted);
    EXPECT_EQ(completed->first_offset, offset(1));
    EXPECT_EQ(completed->last_stable_offset, offset(0));
    table.on_high_watermark_updated(offset(3));
    EXPECT_EQ(table.first_unstable_offset(), offset(0));
    EXPECT_EQ(table.first_undecided_offset(), offset(0));
}

TEST_F(ProducerState, NonTransactionalWriteDuringATransactionIsInvalidTxnState) {
    append(batch_of(1, 0, 0, 1, true));
    auto checked = table.check_client_batch(batch_of(1, 0, 1, 1, false));
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, error_code::invalid_txn_state);
    EXPECT_EQ(checked.error().message,
              "Expected transactional write from producer 1 at offset 1 in partition orders-0");
}

TEST_F(ProducerState, MarkerWithoutATransactionCompletesNothing) {
    append(batch_of(1, 0, 0, 1));
    EXPECT_FALSE(end_transaction(1, 0, commit(4)));
    EXPECT_EQ(table.find(producer_id(1))->coordinator_epoch, 4);
    EXPECT_EQ(table.first_unstable_offset(), std::nullopt);
}

TEST_F(ProducerState, MarkerWithABumpedEpochResetsTheSequence) {
    append(batch_of(1, 0, 0, 3, true));
    ASSERT_TRUE(end_transaction(1, 1, abort_marker()));
    const producer_entry* entry = table.find(producer_id(1));
    EXPECT_EQ(entry->epoch, producer_epoch(1));
    EXPECT_TRUE(entry->batches.empty());
    EXPECT_EQ(refusal(batch_of(1, 1, 3, 1, true)), error_code::out_of_order_sequence_number);
    append(batch_of(1, 1, 0, 1, true));
}

TEST_F(ProducerState, StaleMarkersAreRefused) {
    append(batch_of(1, 2, 0, 1, true));
    ASSERT_TRUE(end_transaction(1, 2, commit(5)));
    auto old_epoch = table.check_marker(producer_id(1), producer_epoch(1), 5);
    ASSERT_FALSE(old_epoch);
    EXPECT_EQ(old_epoch.error().code, error_code::invalid_producer_epoch);
    auto old_coordinator = table.check_marker(producer_id(1), producer_epoch(2), 4);
    ASSERT_FALSE(old_coordinator);
    EXPECT_EQ(old_coordinator.error().code, error_code::transaction_coordinator_fenced);
    EXPECT_EQ(old_coordinator.error().message,
              "Invalid coordinator epoch for producerId 1 at offset 2 in partition orders-0: 4 "
              "(zombie), 5 (current)");
    EXPECT_TRUE(table.check_marker(producer_id(1), producer_epoch(2), 5));
    EXPECT_TRUE(table.check_marker(producer_id(1), producer_epoch(3), 6));
    EXPECT_TRUE(table.check_marker(producer_id(9), producer_epoch(0), 0));
}

TEST_F(ProducerState, ExpiryDropsIdleProducersButNeverOneWithAnOpenTransaction) {
    append(batch_of(1, 0, 0, 1, false, 1000));
    append(batch_of(2, 0, 0, 1, true, 1000));
    append(batch_of(3, 0, 0, 1, false, 5000));
    table.expire(10999, 10000);
    EXPECT_EQ(table.size(), 3u);
    table.expire(11000, 10000);
    EXPECT_EQ(table.find(producer_id(1)), nullptr);
    EXPECT_NE(table.find(producer_id(2)), nullptr);
    EXPECT_NE(table.find(producer_id(3)), nullptr);
    table.expire(100000, 10000);
    EXPECT_EQ(table.find(producer_id(3)), nullptr);
    EXPECT_NE(table.find(producer_id(2)), nullptr);
    // An expired producer starts over at any sequence.
    append(batch_of(1, 0, 77, 1));
}

TEST_F(ProducerState, LogStartOffsetDropsOnlyCompletedTransactionsBelowIt) {
    append(batch_of(1, 0, 0, 1, true));            // 0
    ASSERT_TRUE(end_transaction(1, 0, commit()));  // 1
    EXPECT_EQ(table.first_unstable_offset(), offset(0));
    table.on_log_start_offset_incremented(offset(1));
    EXPECT_EQ(table.first_unstable_offset(), offset(0));
    table.on_log_start_offset_incremented(offset(2));
    EXPECT_EQ(table.first_unstable_offset(), std::nullopt);
    EXPECT_NE(table.find(producer_id(1)), nullptr);
    table.on_log_start_offset_incremented(offset(50));
    EXPECT_EQ(table.map_end_offset(), offset(50));
}

TEST_F(ProducerState, ResetForgetsEverything) {
    append(batch_of(1, 0, 0, 1, true));
    table.reset(offset(100));
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.first_unstable_offset(), std::nullopt);
    EXPECT_EQ(table.map_end_offset(), offset(100));
}

TEST_F(ProducerState, LoadedEntryBringsItsOpenTransaction) {
    producer_entry entry;
    entry.id = producer_id(4);
    entry.epoch = producer_epoch(1);
    entry.batches.push_back(batch_metadata{0, 2, offset(10), offset(12), 500});
    entry.current_txn_first_offset = offset(10);
    table.load_entry(entry);
    EXPECT_EQ(table.first_unstable_offset(), offset(10));
    auto duplicate = table.check_client_batch(batch_of(4, 1, 0, 3, true));
    ASSERT_TRUE(duplicate && duplicate.value());
    EXPECT_EQ(duplicate.value()->first_offset, offset(10));
    // Replacing it with an entry without a transaction closes it.
    entry.current_txn_first_offset.reset();
    table.load_entry(entry);
    EXPECT_EQ(table.first_unstable_offset(), std::nullopt);
}

}  // namespace
}  // namespace samsa::storage
