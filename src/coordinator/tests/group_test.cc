// The classic group protocol for dynamic members: JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, and the timeouts between them.

#include "coordinator/group.h"

#include <gtest/gtest.h>

#include "coordinator/tests/group_test_fixture.h"

namespace samsa::coordinator::testing {
namespace {

using group_test = group_fixture;

TEST_F(group_test, NewDynamicMemberIsAskedToRejoinWithAnAssignedId) {
    group g = make_group();
    std::optional<join_response> first = g.join(token(), join_as("", "app"), now_ms);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->error, error_code::member_id_required);
    EXPECT_EQ(first->member_id, "app-1");
    EXPECT_EQ(g.state(), group_state::empty);
    EXPECT_EQ(g.member_count(), 0);

    EXPECT_FALSE(g.join(token(), join_as("app-1", "app"), now_ms).has_value());
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    EXPECT_TRUE(g.has_member("app-1"));
}

TEST_F(group_test, JoinBeforeVersion4GetsItsIdInTheJoinResponse) {
    group g = make_group();
    request_token waiting = token();
    EXPECT_FALSE(g.join(waiting, join_v3("app"), now_ms).has_value());
    finish_rebalance(g);
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    EXPECT_EQ(effects.joins[0].token, waiting);
    EXPECT_EQ(effects.joins[0].response.member_id, "app-1");
}

TEST_F(group_test, UnknownMemberIdIsRejected) {
    group g = make_group();
    std::optional<join_response> answer = g.join(token(), join_as("ghost-1", "ghost"), now_ms);
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->error, error_code::unknown_member_id);
}

TEST_F(group_test, ProtocolIsChosenByVoteAmongThoseEveryMemberSupports) {
    group g = make_group();
    make_stable(g, {join_v3("a", protocols({"sticky", "range"})),
                    join_v3("b", protocols({"range", "sticky"})),
                    join_v3("c", protocols({"range", "sticky"}))});
    EXPECT_EQ(g.protocol_name(), "range");
}

TEST_F(group_test, ProtocolSupportedByOnlySomeMembersCannotWin) {
    group g = make_group();
    make_stable(g,
                {join_v3("a", protocols({"sticky", "range"})),
                 join_v3("b", protocols({"sticky", "range"})), join_v3("c", protocols({"range"}))});
    EXPECT_EQ(g.protocol_name(), "range");
}

TEST_F(group_test, JoinWithNoProtocolInCommonIsInconsistent) {
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_v3("a", protocols({"range"})), now_ms).has_value());
    std::optional<join_response> answer =
        g.join(token(), join_v3("b", protocols({"roundrobin"})), now_ms);
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->error, error_code::inconsistent_group_protocol);
    EXPECT_EQ(answer->member_id, "");
}

TEST_F(group_test, JoinWithAnotherProtocolTypeIsInconsistent) {
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_v3("a"), now_ms).has_value());
    join_request connect = join_v3("b");
    connect.protocol_type = "connect";
    std::optional<join_response> answer = g.join(token(), std::move(connect), now_ms);
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->error, error_code::inconsistent_group_protocol);
}

TEST_F(group_test, JoinIntoEmptyGroupNeedsAProtocolTypeAndProtocols) {
    group g = make_group();
    join_request untyped = join_v3("a");
    untyped.protocol_type.clear();
    EXPECT_EQ(g.join(token(), std::move(untyped), now_ms)->error,
              error_code::inconsistent_group_protocol);
    EXPECT_EQ(g.join(token(), join_v3("a", {}), now_ms)->error,
              error_code::inconsistent_group_protocol);
}

TEST_F(group_test, LeaderGetsEveryMembersMetadataAndFollowersNone) {
    group g = make_group();
    request_token leader = token();
    request_token follower = token();
    EXPECT_FALSE(g.join(leader, join_v3("a", protocols({"range"}, "a")), now_ms).has_value());
    EXPECT_FALSE(g.join(follower, join_v3("b", protocols({"range"}, "b")), now_ms).has_value());
    finish_rebalance(g);
    group_effects effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);

    EXPECT_EQ(answered[leader].leader_id, "a-1");
    ASSERT_EQ(answered[leader].members.size(), 2u);
    EXPECT_EQ(answered[leader].members[0].member_id, "a-1");
    EXPECT_EQ(answered[leader].members[0].metadata, bytes("range:a"));
    EXPECT_EQ(answered[leader].members[1].member_id, "b-2");
    EXPECT_EQ(answered[leader].members[1].metadata, bytes("range:b"));
    EXPECT_EQ(answered[follower].leader_id, "a-1");
    EXPECT_TRUE(answered[follower].members.empty());
}

TEST_F(group_test, JoinDuringRebalanceCompletesOnceEveryMemberRejoined) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    request_token newcomer = token();
    EXPECT_FALSE(g.join(newcomer, join_v3("c"), now_ms).has_value());
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
    EXPECT_EQ(g.heartbeat(heartbeat_of(g, ids[0]), now_ms), error_code::rebalance_in_progress);

    request_token a = token();
    request_token b = token();
    EXPECT_FALSE(g.join(a, join_as(ids[0], "a"), now_ms).has_value());
    EXPECT_TRUE(g.take_effects().joins.empty());
    EXPECT_FALSE(g.join(b, join_as(ids[1], "b"), now_ms).has_value());

    group_effects effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);
    ASSERT_EQ(answered.size(), 3u);
    for (request_token each : {newcomer, a, b}) {
        EXPECT_EQ(answered[each].error, error_code::none);
        EXPECT_EQ(answered[each].generation_id, 2);
    }
    EXPECT_EQ(answered[a].members.size(), 3u);
}

TEST_F(group_test, FollowerRejoiningStableGroupUnchangedGetsTheCurrentGeneration) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    std::optional<join_response> answer = g.join(token(), join_as(ids[1], "b"), now_ms);
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->generation_id, 1);
    EXPECT_EQ(answer->leader_id, ids[0]);
    EXPECT_EQ(g.state(), group_state::stable);
}

TEST_F(group_test, MemberRejoiningWithNewMetadataTriggersARebalance) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    EXPECT_FALSE(g.join(token(), join_as(ids[1], "b", protocols({"range"}, "v2")), now_ms));
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
}

TEST_F(group_test, SyncGroupFollowersWaitForTheLeadersAssignment) {
    group g = make_group();
    request_token a_join = token();
    request_token b_join = token();
    EXPECT_FALSE(g.join(a_join, join_v3("a"), now_ms).has_value());
    EXPECT_FALSE(g.join(b_join, join_v3("b"), now_ms).has_value());
    finish_rebalance(g);
    g.take_effects();

    request_token follower = token();
    EXPECT_FALSE(g.sync(follower, {"b-2", std::nullopt, 1, "consumer", "range", {}}, now_ms));
    EXPECT_TRUE(g.take_effects().empty());

    request_token leader = token();
    sync_request assignment{
        "a-1",        std::nullopt, 1,
        std::nullopt, std::nullopt, {{"a-1", bytes("p0")}, {"b-2", bytes("p1")}}};
    EXPECT_FALSE(g.sync(leader, std::move(assignment), now_ms).has_value());
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.persists.size(), 1u);
    EXPECT_TRUE(effects.syncs.empty());
    const protocol::group_metadata_value& value = effects.persists[0].value;
    EXPECT_EQ(value.generation, 1);
    EXPECT_EQ(value.protocol, "range");
    EXPECT_EQ(value.leader, "a-1");
    ASSERT_EQ(value.members.size(), 2u);
    EXPECT_EQ(value.members[1].assignment, bytes("p1"));
    EXPECT_EQ(value.members[1].subscription, bytes("range:v1"));

    g.on_persisted(effects.persists[0].persist_id, error_code::none, now_ms);
    effects = g.take_effects();
    std::map<request_token, sync_response> answered = syncs_by_token(effects);
    ASSERT_EQ(answered.size(), 2u);
    EXPECT_EQ(answered[leader].assignment, bytes("p0"));
    EXPECT_EQ(answered[follower].assignment, bytes("p1"));
    EXPECT_EQ(answered[follower].protocol_name, "range");
    EXPECT_EQ(g.state(), group_state::stable);
}

TEST_F(group_test, MembersTheLeaderLeavesOutGetAnEmptyAssignment) {
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_v3("a"), now_ms).has_value());
    EXPECT_FALSE(g.join(token(), join_v3("b"), now_ms).has_value());
    finish_rebalance(g);
    g.take_effects();
    sync_request leader{
        "a-1",        std::nullopt, 1,
        std::nullopt, std::nullopt, {{"a-1", bytes("p0")}, {"stranger", bytes("p9")}}};
    EXPECT_FALSE(g.sync(token(), std::move(leader), now_ms).has_value());
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.persists.size(), 1u);
    ASSERT_EQ(effects.persists[0].value.members.size(), 2u);
    EXPECT_TRUE(effects.persists[0].value.members[1].assignment.empty());
    g.on_persisted(effects.persists[0].persist_id, error_code::none, now_ms);

    std::optional<sync_response> late =
        g.sync(token(), {"b-2", std::nullopt, 1, {}, {}, {}}, now_ms);
    ASSERT_TRUE(late.has_value());
    EXPECT_EQ(late->error, error_code::none);
    EXPECT_TRUE(late->assignment.empty());
}

TEST_F(group_test, FailedWriteOfTheAssignmentFailsTheSyncsAndRebalances) {
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_v3("a"), now_ms).has_value());
    EXPECT_FALSE(g.join(token(), join_v3("b"), now_ms).has_value());
    finish_rebalance(g);
    g.take_effects();
    request_token follower = token();
    request_token leader = token();
    EXPECT_FALSE(g.sync(follower, {"b-2", std::nullopt, 1, {}, {}, {}}, now_ms).has_value());
    EXPECT_FALSE(g.sync(leader, {"a-1", std::nullopt, 1, {}, {}, {{"b-2", bytes("p")}}}, now_ms));
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.persists.size(), 1u);

    g.on_persisted(effects.persists[0].persist_id, error_code::not_leader_or_follower, now_ms);
    effects = g.take_effects();
    std::map<request_token, sync_response> answered = syncs_by_token(effects);
    ASSERT_EQ(answered.size(), 2u);
    EXPECT_EQ(answered[leader].error, error_code::not_coordinator);
    EXPECT_EQ(answered[follower].error, error_code::not_coordinator);
    EXPECT_TRUE(answered[follower].assignment.empty());
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);
}

TEST_F(group_test, SyncGroupChecksMemberGenerationStateAndProtocol) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    auto sync_error = [&](sync_request request) {
        std::optional<sync_response> answer = g.sync(token(), std::move(request), now_ms);
        return answer ? answer->error : error_code::unknown_server_error;
    };
    EXPECT_EQ(sync_error({"ghost", std::nullopt, 1, {}, {}, {}}), error_code::unknown_member_id);
    EXPECT_EQ(sync_error({ids[1], std::nullopt, 0, {}, {}, {}}), error_code::illegal_generation);
    EXPECT_EQ(sync_error({ids[1], std::nullopt, 1, "connect", {}, {}}),
              error_code::inconsistent_group_protocol);
    EXPECT_EQ(sync_error({ids[1], std::nullopt, 1, "consumer", "sticky", {}}),
              error_code::inconsistent_group_protocol);
    EXPECT_EQ(sync_error({ids[1], std::nullopt, 1, "consumer", "range", {}}), error_code::none);

    EXPECT_FALSE(g.join(token(), join_v3("c"), now_ms).has_value());
    EXPECT_EQ(sync_error({ids[1], std::nullopt, 1, {}, {}, {}}), error_code::rebalance_in_progress);
}

TEST_F(group_test, HeartbeatAnswerDependsOnTheGroupState) {
    group g = make_group();
    EXPECT_EQ(g.heartbeat({"a-1", std::nullopt, 0}, now_ms), error_code::unknown_member_id);

    request_token a = token();
    EXPECT_FALSE(g.join(a, join_v3("a"), now_ms).has_value());
    EXPECT_EQ(g.heartbeat({"a-1", std::nullopt, 0}, now_ms), error_code::rebalance_in_progress);

    finish_rebalance(g);
    EXPECT_EQ(g.state(), group_state::completing_rebalance);
    EXPECT_EQ(g.heartbeat({"a-1", std::nullopt, 1}, now_ms), error_code::none);
    EXPECT_EQ(g.heartbeat({"a-1", std::nullopt, 0}, now_ms), error_code::illegal_generation);

    sync_everyone(g, {"a-1"}, {std::nullopt});
    EXPECT_EQ(g.heartbeat({"a-1", std::nullopt, 1}, now_ms), error_code::none);

    g.unload(now_ms);
    EXPECT_EQ(g.heartbeat({"a-1", std::nullopt, 1}, now_ms), error_code::coordinator_not_available);
}

TEST_F(group_test, LeavingLeaderHandsLeadershipToTheNextMember) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b"), join_v3("c")});
    leave_response left = g.leave({{{ids[0], std::nullopt}}}, now_ms);
    ASSERT_EQ(left.members.size(), 1u);
    EXPECT_EQ(left.members[0].error, error_code::none);
    EXPECT_EQ(g.leader_id(), ids[1]);
    EXPECT_EQ(g.state(), group_state::preparing_rebalance);

    request_token b = token();
    request_token c = token();
    EXPECT_FALSE(g.join(b, join_as(ids[1], "b"), now_ms).has_value());
    EXPECT_FALSE(g.join(c, join_as(ids[2], "c"), now_ms).has_value());
    group_effects effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);
    EXPECT_EQ(answered[b].leader_id, ids[1]);
    EXPECT_EQ(answered[b].members.size(), 2u);
    EXPECT_TRUE(answered[c].members.empty());
}

TEST_F(group_test, LeaveGroupAnswersEachMemberOfTheBatch) {
    group g = make_group();
    std::vector<std::string> ids =
        make_stable(g, {join_v3("a"), join_v3("b"), join_static("", "instance-c")});
    leave_response left = g.leave({{{ids[1], std::nullopt},
                                    {"ghost-9", std::nullopt},
                                    {"impostor", "instance-c"},
                                    {"", "instance-unknown"}}},
                                  now_ms);
    EXPECT_EQ(left.error, error_code::none);
    ASSERT_EQ(left.members.size(), 4u);
    EXPECT_EQ(left.members[0].error, error_code::none);
    EXPECT_EQ(left.members[1].error, error_code::unknown_member_id);
    EXPECT_EQ(left.members[2].error, error_code::fenced_instance_id);
    EXPECT_EQ(left.members[2].group_instance_id, "instance-c");
    EXPECT_EQ(left.members[3].error, error_code::unknown_member_id);
    EXPECT_FALSE(g.has_member(ids[1]));
    EXPECT_TRUE(g.has_member(ids[2]));

    // An administrator removes a static member by its instance id alone.
    left = g.leave({{{"", "instance-c"}}}, now_ms);
    EXPECT_EQ(left.members[0].error, error_code::none);
    EXPECT_FALSE(g.has_member(ids[2]));
}

TEST_F(group_test, LastMemberLeavingEmptiesTheGroupAndPersistsIt) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a")});
    g.leave({{{ids[0], std::nullopt}}}, now_ms);
    EXPECT_EQ(g.state(), group_state::empty);
    EXPECT_EQ(g.generation_id(), 2);
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.persists.size(), 1u);
    EXPECT_TRUE(effects.persists[0].value.members.empty());
    EXPECT_EQ(effects.persists[0].value.generation, 2);
    EXPECT_FALSE(effects.persists[0].value.protocol.has_value());
    EXPECT_FALSE(effects.persists[0].value.leader.has_value());
}

TEST_F(group_test, MemberWaitingToJoinIsAnsweredWhenItLeaves) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    request_token a = token();
    EXPECT_FALSE(g.join(a, join_as(ids[0], "a"), now_ms).has_value());
    g.leave({{{ids[0], std::nullopt}}}, now_ms);
    group_effects effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);
    EXPECT_EQ(answered[a].error, error_code::unknown_member_id);
}

TEST_F(group_test, PendingMemberIsWaitedForUntilItJoins) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a")});
    std::optional<join_response> fetched = g.join(token(), join_as("", "b"), now_ms);
    ASSERT_EQ(fetched->error, error_code::member_id_required);

    request_token a = token();
    EXPECT_FALSE(g.join(a, join_as(ids[0], "a"), now_ms).has_value());
    EXPECT_TRUE(g.take_effects().joins.empty());  // still waiting for b

    request_token b = token();
    EXPECT_FALSE(g.join(b, join_as(fetched->member_id, "b"), now_ms).has_value());
    group_effects effects = g.take_effects();
    EXPECT_EQ(effects.joins.size(), 2u);
    EXPECT_EQ(g.member_count(), 2);
}

TEST_F(group_test, GroupMaxSizeTurnsAwayNewMembers) {
    config.max_size = 2;
    group g = make_group();
    EXPECT_FALSE(g.join(token(), join_v3("a"), now_ms).has_value());
    EXPECT_FALSE(g.join(token(), join_v3("b"), now_ms).has_value());
    std::optional<join_response> third = g.join(token(), join_v3("c"), now_ms);
    ASSERT_TRUE(third.has_value());
    EXPECT_EQ(third->error, error_code::group_max_size_reached);

    finish_rebalance(g);
    sync_everyone(g, {"a-1", "b-2"}, {std::nullopt, std::nullopt});
    third = g.join(token(), join_as("", "c"), now_ms);
    ASSERT_TRUE(third.has_value());
    EXPECT_EQ(third->error, error_code::group_max_size_reached);
    EXPECT_EQ(g.state(), group_state::stable);
}

TEST_F(group_test, SessionTimeoutOutsideTheBrokersBoundsIsInvalid) {
    group g = make_group();
    join_request too_short = join_v3("a");
    too_short.session_timeout_ms = config.min_session_timeout_ms - 1;
    EXPECT_EQ(g.join(token(), std::move(too_short), now_ms)->error,
              error_code::invalid_session_timeout);
    join_request too_long = join_v3("a");
    too_long.session_timeout_ms = config.max_session_timeout_ms + 1;
    EXPECT_EQ(g.join(token(), std::move(too_long), now_ms)->error,
              error_code::invalid_session_timeout);
    EXPECT_EQ(g.state(), group_state::empty);
}

TEST_F(group_test, UnloadAnswersEveryWaitingRequestNotCoordinator) {
    group g = make_group();
    request_token a = token();
    EXPECT_FALSE(g.join(a, join_v3("a"), now_ms).has_value());
    g.unload(now_ms);
    EXPECT_EQ(g.state(), group_state::dead);
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    EXPECT_EQ(effects.joins[0].response.error, error_code::not_coordinator);
    EXPECT_FALSE(g.next_deadline_ms().has_value());
    EXPECT_EQ(g.join(token(), join_v3("b"), now_ms)->error, error_code::coordinator_not_available);
}

TEST_F(group_test, OnlyAnEmptyGroupCanBeDeleted) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a")});
    EXPECT_EQ(g.delete_group(now_ms), error_code::non_empty_group);
    g.leave({{{ids[0], std::nullopt}}}, now_ms);
    EXPECT_EQ(g.delete_group(now_ms), error_code::none);
    EXPECT_EQ(g.state(), group_state::dead);
    EXPECT_EQ(g.delete_group(now_ms), error_code::group_id_not_found);
}

TEST_F(group_test, NewerJoinFromTheSameMemberAnswersTheOlderOne) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_v3("b")});
    request_token older = token();
    request_token newer = token();
    EXPECT_FALSE(g.join(older, join_as(ids[0], "a"), now_ms).has_value());
    EXPECT_FALSE(g.join(newer, join_as(ids[0], "a"), now_ms).has_value());
    group_effects effects = g.take_effects();
    ASSERT_EQ(effects.joins.size(), 1u);
    EXPECT_EQ(effects.joins[0].token, older);
    EXPECT_EQ(effects.joins[0].response.error, error_code::rebalance_in_progress);

    EXPECT_FALSE(g.join(token(), join_as(ids[1], "b"), now_ms).has_value());
    effects = g.take_effects();
    std::map<request_token, join_response> answered = joins_by_token(effects);
    EXPECT_EQ(answered[newer].generation_id, 2);
}

}  // namespace
}  // namespace samsa::coordinator::testing
