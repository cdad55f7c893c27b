// Static membership (KIP-345): members with a group.instance.id that may restart without
// the group rebalancing.

#include <gtest/gtest.h>

#include "coordinator/group.h"
#include "coordinator/tests/group_test_fixture.h"

namespace samsa::coordinator::testing {
namespace {

class group_static_member_test : public group_fixture {
protected:
    // Two static members, "one-1" (the leader) and "two-2", Stable at generation 1.
    group stable_pair(std::vector<member_protocol> offered = protocols({"range"})) {
        group g = make_group();
        std::vector<std::string> ids =
            make_stable(g, {join_static("", "one", offered), join_static("", "two", offered)});
        EXPECT_EQ(ids, (std::vector<std::string>{"one-1", "two-2"}));
        EXPECT_EQ(g.leader_id(), "one-1");
        return g;
    }

    // The instance restarts and joins without a member id; the write of its new id succeeds.
    join_response restart(group& g, std::string instance_id,
                          skip_assignment_support skip = skip_assignment_support::unsupported) {
        join_request request = join_static("", std::move(instance_id));
        request.skip_assignment = skip;
        request_token waiting = token();
        EXPECT_FALSE(g.join(waiting, std::move(request), now_ms).has_value());
        group_effects effects = g.take_effects();
        EXPECT_EQ(effects.persists.size(), 1u);
        for (const persist_request& persist : effects.persists) {
            g.on_persisted(persist.persist_id, error_code::none, now_ms);
        }
        effects = g.take_effects();
        EXPECT_EQ(effects.joins.size(), 1u);
        EXPECT_EQ(effects.joins.at(0).token, waiting);
        return effects.joins.at(0).response;
    }
};

TEST_F(group_static_member_test, StaticMemberJoinsWithoutFetchingAnIdFirst) {
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_static("", "one"), now_ms).has_value());
    EXPECT_TRUE(g.has_member("one-1"));
}

TEST_F(group_static_member_test, RestartWithinTheSessionTimeoutKeepsTheAssignmentWithoutRebalance) {
    group g = stable_pair();
    join_response rejoined = restart(g, "two");
    EXPECT_EQ(rejoined.error, error_code::none);
    EXPECT_EQ(rejoined.member_id, "two-3");
    EXPECT_EQ(rejoined.generation_id, 1);
    EXPECT_EQ(rejoined.leader_id, "one-1");
    EXPECT_EQ(rejoined.protocol_name, "range");
    EXPECT_TRUE(rejoined.members.empty());
    EXPECT_FALSE(rejoined.skip_assignment);
    EXPECT_EQ(g.state(), group_state::stable);
    EXPECT_EQ(g.generation_id(), 1);

    std::optional<sync_response> synced = g.sync(token(), {"two-3", "two", 1, {}, {}, {}}, now_ms);
    ASSERT_TRUE(synced.has_value());
    EXPECT_EQ(synced->error, error_code::none);
    EXPECT_EQ(synced->assignment, bytes(assignment_of("two-2")));
}

TEST_F(group_static_member_test, RestartWritesTheNewMemberIdBeforeAnswering) {
    group g = stable_pair();
    request_token waiting = token();
    EXPECT_FALSE(g.join(waiting, join_static("", "two"), now_ms).has_value());
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.persists.size(), 1u);
    EXPECT_TRUE(effects.joins.empty());
    const protocol::group_metadata_value& value = effects.persists[0].value;
    ASSERT_EQ(value.members.size(), 2u);
    EXPECT_EQ(value.members[1].member_id, "two-3");
    EXPECT_EQ(value.members[1].group_instance_id, "two");
    EXPECT_EQ(value.members[1].assignment, bytes(assignment_of("two-2")));
}

TEST_F(group_static_member_test, OldMemberIdOfARestartedInstanceIsFenced) {
    group g = stable_pair();
    restart(g, "two");
    EXPECT_EQ(g.heartbeat({"two-2", "two", 1}, now_ms), error_code::fenced_instance_id);
    EXPECT_EQ(g.sync(token(), {"two-2", "two", 1, {}, {}, {}}, now_ms)->error,
              error_code::fenced_instance_id);
    EXPECT_EQ(g.validate_offset_commit({"two-2", "two", 1}, commit_kind::plain, now_ms),
              error_code::fenced_instance_id);
    EXPECT_EQ(g.join(token(), join_static("two-2", "two"), now_ms)->error,
              error_code::fenced_instance_id);
    EXPECT_EQ(g.heartbeat({"two-3", "two", 1}, now_ms), error_code::none);
}

TEST_F(group_static_member_test, UnknownInstanceIdWithAMemberIdIsUnknownMember) {
    group g = stable_pair();
    EXPECT_EQ(g.join(token(), join_static("three-9", "three"), now_ms)->error,
              error_code::unknown_member_id);
    EXPECT_EQ(g.heartbeat({"three-9", "three", 1}, now_ms), error_code::unknown_member_id);
}

TEST_F(group_static_member_test, RestartedLeaderIsToldToSkipTheAssignmentFromVersion9) {
    group g = stable_pair();
    join_response rejoined = restart(g, "one", skip_assignment_support::supported);
    EXPECT_EQ(rejoined.member_id, "one-3");
    EXPECT_EQ(rejoined.leader_id, "one-3");
    EXPECT_TRUE(rejoined.skip_assignment);
    ASSERT_EQ(rejoined.members.size(), 2u);
    EXPECT_EQ(rejoined.members[0].member_id, "one-3");
    EXPECT_EQ(rejoined.members[0].metadata, bytes("range:v1"));
    EXPECT_EQ(g.state(), group_state::stable);
}

TEST_F(group_static_member_test, RestartedLeaderBeforeVersion9IsToldTheOldLeaderId) {
    group g = stable_pair();
    join_response rejoined = restart(g, "one");
    EXPECT_EQ(rejoined.member_id, "one-3");
    EXPECT_EQ(rejoined.leader_id, "one-1");  // so the restarted leader does not assign
    EXPECT_FALSE(rejoined.skip_assignment);
    EXPECT_TRUE(rejoined.members.empty());
    EXPECT_EQ(g.leader_id(), "one-3");
}

TEST_F(group_static_member_test, FailedWriteOfTheNewIdRestoresTheOldOne) {
    group g = stable_pair();
    request_token waiting = token();
    EXPECT_FALSE(g.join(waiting, join_static("", "two"), now_ms).has_value());
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.persists.size(), 1u);
    g.on_persisted(effects.persists[0].persist_id, error_code::not_enough_replicas, now_ms);

    effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    EXPECT_EQ(effects.joins[0].response.error, error_code::coordinator_not_available);
    EXPECT_EQ(effects.joins[0].response.member_id, "");
    EXPECT_TRUE(g.has_member("two-2"));
    EXPECT_FALSE(g.has_member("two-3"));
    EXPECT_EQ(g.heartbeat({"two-2", "two", 1}, now_ms), error_code::none);
    EXPECT_EQ(g.state(), group_state::stable);
}

TEST_F(group_static_member_test, RestartThatChangesTheSelectedProtocolRebalances) {
    group g = stable_pair(protocols({"range", "sticky"}));
    request_token waiting = token();
    EXPECT_FALSE(g.join(waiting, join_static("", "two", protocols({"sticky"})), now_ms));
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    EXPECT_TRUE(g.take_effects().persists.empty());

    request_token leader = token();
    EXPECT_FALSE(
        g.join(leader, join_static("one-1", "one", protocols({"range", "sticky"})), now_ms));
    group_effects effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);
    ASSERT_EQ(answered.size(), 2u);
    EXPECT_EQ(answered[waiting].member_id, "two-3");
    EXPECT_EQ(answered[waiting].generation_id, 2);
    EXPECT_EQ(answered[waiting].protocol_name, "sticky");
}

TEST_F(group_static_member_test, RestartWhileAwaitingTheAssignmentFencesTheOldSyncAndRebalances) {
    group g = make_group();
    request_token one = token();
    request_token two = token();
    EXPECT_FALSE(g.join(one, join_static("", "one"), now_ms).has_value());
    EXPECT_FALSE(g.join(two, join_static("", "two"), now_ms).has_value());
    finish_rebalance(g);
    g.take_effects();
    request_token old_sync = token();
    EXPECT_FALSE(g.sync(old_sync, {"two-2", "two", 1, {}, {}, {}}, now_ms).has_value());

    EXPECT_FALSE(g.join(token(), join_static("", "two"), now_ms).has_value());
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    group_effects effects = g.take_effects();
    std::map<request_token, sync_response> answered = syncs_by_token(effects);
    EXPECT_EQ(answered[old_sync].error, error_code::fenced_instance_id);
}

TEST_F(group_static_member_test, SessionExpiryOfAStaticMemberRebalances) {
    group g = stable_pair();
    advance(g, session_timeout_ms - 1);
    EXPECT_EQ(g.heartbeat({"one-1", "one", 1}, now_ms), error_code::none);
    advance(g, 1);
    EXPECT_FALSE(g.has_member("two-2"));
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    EXPECT_EQ(g.join(token(), join_static("two-2", "two"), now_ms)->error,
              error_code::unknown_member_id);
}

TEST_F(group_static_member_test, StaticMemberThatDoesNotRejoinKeepsItsPlace) {
    group g = stable_pair();
    request_token leader = token();
    EXPECT_FALSE(g.join(leader, join_static("one-1", "one"), now_ms).has_value());
    for (int beat = 0; beat < 3; ++beat) {
        advance(g, 9000);
        EXPECT_EQ(g.heartbeat({"two-2", "two", 1}, now_ms), error_code::rebalance_in_progress);
    }
    advance(g, rebalance_timeout_ms - 3 * 9000);

    EXPECT_TRUE(g.has_member("two-2"));
    EXPECT_EQ(g.state(), group_state::completing_rebalance);
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    EXPECT_EQ(effects.joins[0].response.generation_id, 2);
    EXPECT_EQ(effects.joins[0].response.members.size(), 2u);
}

}  // namespace
}  // namespace samsa::coordinator::testing
