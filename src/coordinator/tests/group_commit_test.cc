// Whether an OffsetCommit (or TxnOffsetCommit) is allowed, as Kafka's
// validateOffsetCommit and doCommitOffsets decide.

#include <gtest/gtest.h>

#include "coordinator/group.h"
#include "coordinator/tests/group_test_fixture.h"

namespace samsa::coordinator::testing {
namespace {

using group_commit_test = group_fixture;

TEST_F(group_commit_test, EmptyGroupTakesCommitsWithoutMemberFields) {
    group g = make_group();
    EXPECT_EQ(g.validate_offset_commit({"", std::nullopt, -1}, commit_kind::plain, now_ms),
              error_code::none);
}

TEST_F(group_commit_test, GroupWithMembersTakesCommitsOnlyFromThem) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a")});
    EXPECT_EQ(g.validate_offset_commit({"", std::nullopt, -1}, commit_kind::plain, now_ms),
              error_code::unknown_member_id);
    EXPECT_EQ(g.validate_offset_commit({"ghost", std::nullopt, 1}, commit_kind::plain, now_ms),
              error_code::unknown_member_id);
    EXPECT_EQ(g.validate_offset_commit({ids[0], std::nullopt, 1}, commit_kind::plain, now_ms),
              error_code::none);
}

TEST_F(group_commit_test, CommitFromAnOldGenerationIsIllegal) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a")});
    EXPECT_EQ(g.validate_offset_commit({ids[0], std::nullopt, 0}, commit_kind::plain, now_ms),
              error_code::illegal_generation);
    EXPECT_EQ(g.validate_offset_commit({ids[0], std::nullopt, -1}, commit_kind::plain, now_ms),
              error_code::illegal_generation);
}

TEST_F(group_commit_test, CommitWhileAwaitingTheAssignmentIsRebalanceInProgress) {
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_v3("a"), now_ms).has_value());
    finish_rebalance(g);
    ASSERT_EQ(g.state(), group_state::completing_rebalance);
    EXPECT_EQ(g.validate_offset_commit({"a-1", std::nullopt, 1}, commit_kind::plain, now_ms),
              error_code::rebalance_in_progress);
}

TEST_F(group_commit_test, CommitOfThePreviousGenerationIsAllowedWhilePreparingRebalance) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    EXPECT_FALSE(g.join(token(), join_as(ids[0], "a"), now_ms).has_value());
    ASSERT_EQ(g.state(), group_state::preparing_rebalance);
    EXPECT_EQ(g.validate_offset_commit({ids[1], std::nullopt, 1}, commit_kind::plain, now_ms),
              error_code::none);
}

TEST_F(group_commit_test, CommitCountsAsAHeartbeat) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a")});
    advance(g, session_timeout_ms - 1);
    EXPECT_EQ(g.validate_offset_commit({ids[0], std::nullopt, 1}, commit_kind::plain, now_ms),
              error_code::none);
    advance(g, session_timeout_ms - 1);
    EXPECT_TRUE(g.has_member(ids[0]));
}

TEST_F(group_commit_test, TransactionalCommitWithoutMemberFieldsIsAllowed) {
    group g = make_group();
    make_stable(g, {join_v3("a")});
    EXPECT_EQ(g.validate_offset_commit({"", std::nullopt, -1}, commit_kind::transactional, now_ms),
              error_code::none);
}

TEST_F(group_commit_test, StaticMemberCommittingUnderAnotherIdIsFenced) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_static("", "one")});
    EXPECT_EQ(g.validate_offset_commit({"one-0", "one", 1}, commit_kind::plain, now_ms),
              error_code::fenced_instance_id);
    EXPECT_EQ(g.validate_offset_commit({ids[0], "one", 1}, commit_kind::plain, now_ms),
              error_code::none);
}

TEST_F(group_commit_test, DeadGroupTakesNoCommits) {
    group g = make_group();
    g.unload(now_ms);
    EXPECT_EQ(g.validate_offset_commit({"", std::nullopt, -1}, commit_kind::plain, now_ms),
              error_code::coordinator_not_available);
}

}  // namespace
}  // namespace samsa::coordinator::testing
