// The group's deadlines on the fake clock: the initial rebalance delay, the rebalance
// timeout, member and pending member sessions, and the wait for SyncGroups.

#include <gtest/gtest.h>

#include "coordinator/group.h"
#include "coordinator/tests/group_test_fixture.h"

namespace samsa::coordinator::testing {
namespace {

using group_timeout_test = group_fixture;

TEST_F(group_timeout_test, FirstJoinIntoEmptyGroupWaitsForTheInitialDelay) {
    group g = make_group();
    const int64_t joined_ms = now_ms;
    request_token waiting = token();
    EXPECT_FALSE(g.join(waiting, join_v3("app"), now_ms).has_value());
    EXPECT_EQ(g.next_deadline_ms(), joined_ms + config.initial_rebalance_delay_ms);

    advance(g, config.initial_rebalance_delay_ms - 1);
    EXPECT_TRUE(g.take_effects().joins.empty());

    advance(g, 1);
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    const join_response& response = effects.joins[0].response;
    EXPECT_EQ(response.error, error_code::none);
    EXPECT_EQ(response.generation_id, 1);
    EXPECT_EQ(response.protocol_type, "consumer");
    EXPECT_EQ(response.protocol_name, "range");
    EXPECT_EQ(response.leader_id, "app-1");
    EXPECT_EQ(g.state(), group_state::completing_rebalance);
}

TEST_F(group_timeout_test, SecondMemberJoiningDuringTheInitialDelayExtendsIt) {
    group g = make_group();
    const int64_t first_ms = now_ms;
    request_token first = token();
    request_token second = token();
    EXPECT_FALSE(g.join(first, join_v3("app"), now_ms).has_value());
    now_ms += 1000;
    EXPECT_FALSE(g.join(second, join_v3("app"), now_ms).has_value());

    now_ms = first_ms + config.initial_rebalance_delay_ms;
    g.expire(now_ms);
    EXPECT_TRUE(g.take_effects().joins.empty());
    EXPECT_EQ(g.next_deadline_ms(), first_ms + 2 * config.initial_rebalance_delay_ms);

    now_ms = first_ms + 2 * config.initial_rebalance_delay_ms;
    g.expire(now_ms);
    group_effects effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);
    ASSERT_EQ(answered.size(), 2u);
    EXPECT_EQ(answered[first].generation_id, 1);
    EXPECT_EQ(answered[second].generation_id, 1);
}

TEST_F(group_timeout_test, InitialDelayNeverOutlastsTheRebalanceTimeout) {
    group g = make_group();
    const int64_t first_ms = now_ms;
    join_request first = join_v3("app");
    first.rebalance_timeout_ms = 5000;  // remaining after the first delay: 2000
    EXPECT_FALSE(g.join(token(), std::move(first), now_ms).has_value());
    advance(g, 1000);
    EXPECT_FALSE(g.join(token(), join_v3("app"), now_ms).has_value());
    now_ms = first_ms + 3000;
    g.expire(now_ms);
    EXPECT_EQ(g.next_deadline_ms(), first_ms + 5000);
    advance(g, 1000);
    EXPECT_FALSE(g.join(token(), join_v3("app"), now_ms).has_value());

    now_ms = first_ms + 5000;
    g.expire(now_ms);
    EXPECT_EQ(g.state(), group_state::completing_rebalance);
    EXPECT_EQ(g.take_effects().joins.size(), 3u);
}

TEST_F(group_timeout_test, MemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsRemoved) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    request_token a = token();
    EXPECT_FALSE(g.join(a, join_as(ids[0], "a"), now_ms).has_value());
    // b keeps heartbeating but never rejoins.
    for (int beat = 0; beat < 3; ++beat) {
        advance(g, 9000);
        EXPECT_EQ(g.heartbeat(heartbeat_of(g, ids[1]), now_ms), error_code::rebalance_in_progress);
    }
    EXPECT_TRUE(g.take_effects().joins.empty());
    advance(g, rebalance_timeout_ms - 3 * 9000);

    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    EXPECT_EQ(effects.joins[0].response.generation_id, 2);
    EXPECT_EQ(effects.joins[0].response.members.size(), 1u);
    EXPECT_FALSE(g.has_member(ids[1]));
    EXPECT_EQ(g.heartbeat(heartbeat_of(g, ids[1]), now_ms), error_code::unknown_member_id);
}

TEST_F(group_timeout_test, HeartbeatsKeepTheSessionAlive) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a")});
    for (int beat = 0; beat < 5; ++beat) {
        advance(g, session_timeout_ms - 1);
        EXPECT_EQ(g.heartbeat(heartbeat_of(g, ids[0]), now_ms), error_code::none);
    }
    EXPECT_EQ(g.next_deadline_ms(), now_ms + session_timeout_ms);
    advance(g, session_timeout_ms);
    EXPECT_FALSE(g.has_member(ids[0]));
}

TEST_F(group_timeout_test, SessionExpiryRemovesTheMemberAndRebalances) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    advance(g, session_timeout_ms - 1);
    EXPECT_EQ(g.heartbeat(heartbeat_of(g, ids[1]), now_ms), error_code::none);
    advance(g, 1);

    EXPECT_FALSE(g.has_member(ids[0]));
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    EXPECT_EQ(g.leader_id(), ids[1]);
    EXPECT_EQ(g.heartbeat(heartbeat_of(g, ids[1]), now_ms), error_code::rebalance_in_progress);

    request_token b = token();
    EXPECT_FALSE(g.join(b, join_as(ids[1], "b"), now_ms).has_value());
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    EXPECT_EQ(effects.joins[0].response.generation_id, 2);
    EXPECT_EQ(effects.joins[0].response.leader_id, ids[1]);
}

TEST_F(group_timeout_test, PendingMemberExpiresAfterItsSessionTimeout) {
    group g = make_group();
    std::optional<join_response> fetched = g.join(token(), join_as("", "b"), now_ms);
    ASSERT_EQ(fetched->error, error_code::member_id_required);
    EXPECT_EQ(g.next_deadline_ms(), now_ms + session_timeout_ms);
    advance(g, session_timeout_ms);
    EXPECT_FALSE(g.next_deadline_ms().has_value());
    std::optional<join_response> late = g.join(token(), join_as(fetched->member_id, "b"), now_ms);
    ASSERT_TRUE(late.has_value());
    EXPECT_EQ(late->error, error_code::unknown_member_id);
}

TEST_F(group_timeout_test, MembersThatNeverSyncAreRemovedAfterTheRebalanceTimeout) {
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_v3("a"), now_ms).has_value());
    EXPECT_FALSE(g.join(token(), join_v3("b"), now_ms).has_value());
    finish_rebalance(g);
    g.take_effects();
    request_token leader = token();
    EXPECT_FALSE(g.sync(leader, {"a-1", std::nullopt, 1, {}, {}, {}}, now_ms).has_value());
    // The write is still in flight when the SyncGroup timeout passes; b heartbeats but
    // never syncs.
    for (int beat = 0; beat < 3; ++beat) {
        advance(g, 9000);
        EXPECT_EQ(g.heartbeat({"b-2", std::nullopt, 1}, now_ms), error_code::none);
    }
    EXPECT_TRUE(g.has_member("b-2"));
    advance(g, rebalance_timeout_ms - 3 * 9000);
    EXPECT_FALSE(g.has_member("b-2"));
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    group_effects effects = g.take_effects();
    std::map<request_token, sync_response> answered = syncs_by_token(effects);
    EXPECT_EQ(answered[leader].error, error_code::rebalance_in_progress);
}

TEST_F(group_timeout_test, NewMemberThatNeverCompletesAJoinIsDroppedAfterFiveMinutes) {
    group g = make_group();
    join_request patient = join_v3("a");
    patient.rebalance_timeout_ms = 600'000;
    std::vector<std::string> ids = make_stable(g, {std::move(patient), join_v3("b")});
    request_token newcomer = token();
    EXPECT_FALSE(g.join(newcomer, join_v3("c"), now_ms).has_value());
    EXPECT_FALSE(g.join(token(), join_as(ids[0], "a"), now_ms).has_value());
    // b heartbeats but does not rejoin, so the rebalance waits for a's long timeout.
    const int64_t joined_ms = now_ms;
    while (now_ms + 9000 < joined_ms + new_member_join_timeout_ms) {
        advance(g, 9000);
        EXPECT_EQ(g.heartbeat(heartbeat_of(g, ids[1]), now_ms), error_code::rebalance_in_progress);
    }
    EXPECT_TRUE(g.has_member("c-3"));
    now_ms = joined_ms + new_member_join_timeout_ms;
    g.expire(now_ms);

    EXPECT_FALSE(g.has_member("c-3"));
    group_effects effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);
    EXPECT_EQ(answered[newcomer].error, error_code::unknown_member_id);
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
}

TEST_F(group_timeout_test, ZeroRebalanceTimeoutDoesNotSpinForever) {
    group g = make_group();
    join_request hasty = join_static("", "one");
    hasty.rebalance_timeout_ms = 0;
    std::vector<std::string> ids = make_stable(g, {std::move(hasty), join_v3("a")});
    g.leave({{{ids[1], std::nullopt}}}, now_ms);
    // The static member does not rejoin, so every rebalance deadline (now + 0) finds nobody
    // rejoined and sets the next one; expire() stops after a bounded number of rounds.
    advance(g, 1);
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    EXPECT_TRUE(g.has_member(ids[0]));
    EXPECT_EQ(g.next_deadline_ms(), now_ms);
}

}  // namespace
}  // namespace samsa::coordinator::testing
