#include "coordinator/transaction_metadata.h"

#include <gtest/gtest.h>

#include "coordinator/transaction_state.h"

namespace samsa::coordinator {
namespace {

using protocol::error_code;

TEST(TransactionState, NamesAndIdsAreKafkas) {
    EXPECT_EQ(state_name(transaction_state::empty), "Empty");
    EXPECT_EQ(state_name(transaction_state::prepare_epoch_fence), "PrepareEpochFence");
    EXPECT_EQ(state_id(transaction_state::complete_abort), 5);
    for (int8_t id = 0; id < 8; ++id) {
        auto state = transaction_state_from_id(id);
        ASSERT_TRUE(state.has_value());
        EXPECT_EQ(transaction_state_from_name(state_name(*state)), state);
    }
    EXPECT_FALSE(transaction_state_from_id(8).has_value());
    EXPECT_FALSE(transaction_state_from_name("ongoing").has_value());
}

TEST(TransactionState, TransitionsFollowKafkasValidPreviousStates) {
    using enum transaction_state;
    EXPECT_TRUE(is_valid_transition(complete_commit, ongoing));
    EXPECT_TRUE(is_valid_transition(prepare_epoch_fence, prepare_abort));
    EXPECT_FALSE(is_valid_transition(prepare_epoch_fence, prepare_commit));
    EXPECT_FALSE(is_valid_transition(ongoing, empty));
    EXPECT_FALSE(is_valid_transition(prepare_commit, complete_abort));
    EXPECT_FALSE(is_valid_transition(ongoing, dead));
    EXPECT_TRUE(is_expiration_allowed(complete_abort));
    EXPECT_FALSE(is_expiration_allowed(ongoing));
}

TEST(TransactionMetadata, EpochsAreExhaustedOneBeforeShortMax) {
    EXPECT_FALSE(is_epoch_exhausted(producer_epoch(32765)));
    EXPECT_TRUE(is_epoch_exhausted(producer_epoch(32766)));
    EXPECT_TRUE(is_epoch_exhausted(producer_epoch(32767)));
}

TEST(TransactionMetadata, NothingChangesUntilTheTransitionCompletes) {
    transaction_metadata metadata("tx", producer_id(5), 1000, 10);
    auto transit = metadata.prepare_increment_producer_epoch(2000, std::nullopt, 20);
    ASSERT_TRUE(transit.has_value());
    EXPECT_EQ(transit->epoch, producer_epoch(0));
    EXPECT_EQ(metadata.epoch(), no_producer_epoch);
    EXPECT_EQ(metadata.pending_state(), transaction_state::empty);
    metadata.complete_transition(*transit);
    EXPECT_EQ(metadata.epoch(), producer_epoch(0));
    EXPECT_EQ(metadata.timeout_ms(), 2000);
    EXPECT_EQ(metadata.last_update_ms(), 20);
    EXPECT_FALSE(metadata.has_pending());
}

TEST(TransactionMetadata, AnAbandonedTransitionLeavesTheStateAsItWas) {
    transaction_metadata metadata("tx", producer_id(5), 1000, 10);
    metadata.complete_transition(
        *metadata.prepare_increment_producer_epoch(1000, std::nullopt, 10));
    metadata.prepare_add_partitions({{"t", partition_id(0)}}, 30);
    metadata.abandon_pending();
    EXPECT_EQ(metadata.state(), transaction_state::empty);
    EXPECT_TRUE(metadata.partitions().empty());
    EXPECT_EQ(metadata.start_ms(), -1);
}

TEST(TransactionMetadata, ExpectedEpochRetryReturnsTheSameEpoch) {
    transaction_metadata metadata("tx", producer_id(5), 1000, 10);
    metadata.complete_transition(
        *metadata.prepare_increment_producer_epoch(1000, std::nullopt, 10));
    auto bumped = metadata.prepare_increment_producer_epoch(1000, producer_epoch(0), 20);
    ASSERT_TRUE(bumped.has_value());
    metadata.complete_transition(*bumped);
    EXPECT_EQ(metadata.epoch(), producer_epoch(1));
    EXPECT_EQ(metadata.last_epoch(), producer_epoch(0));

    auto retried = metadata.prepare_increment_producer_epoch(1000, producer_epoch(0), 30);
    ASSERT_TRUE(retried.has_value());
    EXPECT_EQ(retried->epoch, producer_epoch(1));
    metadata.abandon_pending();

    auto fenced = metadata.prepare_increment_producer_epoch(1000, producer_epoch(7), 30);
    ASSERT_FALSE(fenced.has_value());
    EXPECT_EQ(fenced.error(), error_code::producer_fenced);
    EXPECT_FALSE(metadata.has_pending());
}

TEST(TransactionMetadata, AFailedFenceDoesNotBumpTheEpochAgain) {
    transaction_metadata metadata("tx", producer_id(5), 1000, 10);
    metadata.complete_transition(
        *metadata.prepare_increment_producer_epoch(1000, std::nullopt, 10));
    metadata.complete_transition(metadata.prepare_add_partitions({{"t", partition_id(0)}}, 20));

    transaction_transit fence = metadata.prepare_fence_producer_epoch();
    EXPECT_EQ(fence.epoch, producer_epoch(1));
    metadata.fence_epoch(fence.epoch);
    metadata.prepare_abort_or_commit(transaction_state::prepare_abort, 30);
    metadata.abandon_pending();
    metadata.set_failed_epoch_fence(true);
    EXPECT_EQ(metadata.epoch(), producer_epoch(1));
    EXPECT_EQ(metadata.state(), transaction_state::ongoing);

    EXPECT_EQ(metadata.prepare_fence_producer_epoch().epoch, producer_epoch(1));
}

TEST(TransactionMetadata, CompletingClearsThePartitionsAndKeepsTheStartTime) {
    transaction_metadata metadata("tx", producer_id(5), 1000, 10);
    metadata.complete_transition(
        *metadata.prepare_increment_producer_epoch(1000, std::nullopt, 10));
    metadata.complete_transition(metadata.prepare_add_partitions({{"t", partition_id(0)}}, 20));
    metadata.complete_transition(
        metadata.prepare_abort_or_commit(transaction_state::prepare_commit, 30));
    EXPECT_EQ(metadata.partitions().size(), 1u);
    metadata.complete_transition(metadata.prepare_complete(40));
    EXPECT_EQ(metadata.state(), transaction_state::complete_commit);
    EXPECT_TRUE(metadata.partitions().empty());
    EXPECT_EQ(metadata.start_ms(), 20);
    EXPECT_EQ(metadata.last_update_ms(), 40);
}

}  // namespace
}  // namespace samsa::coordinator
