// The group as persisted in __consumer_offsets (GroupMetadataValue) and as described to
// DescribeGroups.

#include <gtest/gtest.h>

#include "coordinator/group.h"
#include "coordinator/tests/group_test_fixture.h"

namespace samsa::coordinator::testing {
namespace {

using group_persistence_test = group_fixture;

TEST_F(group_persistence_test, StableGroupRoundTripsThroughGroupMetadataValue) {
    group original = make_group();
    std::vector<std::string> ids =
        make_stable(original, {join_v3("a"), join_static("", "two"), join_v3("c")});
    protocol::group_metadata_value value = original.to_metadata_value();
    EXPECT_EQ(value.protocol_type, "consumer");
    EXPECT_EQ(value.generation, 1);
    EXPECT_EQ(value.protocol, "range");
    EXPECT_EQ(value.leader, ids[0]);
    ASSERT_EQ(value.members.size(), 3u);
    EXPECT_EQ(value.members[1].group_instance_id, "two");
    EXPECT_EQ(value.members[1].session_timeout, session_timeout_ms);
    EXPECT_EQ(value.members[1].rebalance_timeout, rebalance_timeout_ms);
    EXPECT_EQ(value.members[1].subscription, bytes("range:v1"));
    EXPECT_EQ(value.members[1].assignment, bytes(assignment_of(ids[1])));

    now_ms += 60'000;
    auto loaded = group::load(
        "billing", value, config, [] { return std::string("x"); }, now_ms);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->state(), group_state::stable);
    EXPECT_EQ(loaded->generation_id(), 1);
    EXPECT_EQ(loaded->leader_id(), ids[0]);
    EXPECT_EQ(loaded->to_metadata_value(), value);
    EXPECT_EQ(loaded->heartbeat({ids[1], "two", 1}, now_ms), error_code::none);
    std::optional<sync_response> synced =
        loaded->sync(token(), {ids[2], {}, 1, {}, {}, {}}, now_ms);
    ASSERT_TRUE(synced.has_value());
    EXPECT_EQ(synced->assignment, bytes(assignment_of(ids[2])));
}

TEST_F(group_persistence_test, LoadedMembersGetAFreshSession) {
    group original = make_group();
    std::vector<std::string> ids = make_stable(original, {join_v3("a")});
    now_ms += 3'600'000;
    auto loaded = group::load(
        "billing", original.to_metadata_value(), config, [] { return std::string("x"); }, now_ms);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->next_deadline_ms(), now_ms + session_timeout_ms);
    advance(*loaded, session_timeout_ms);
    EXPECT_FALSE(loaded->has_member(ids[0]));
}

TEST_F(group_persistence_test, EmptyGroupLoadsEmpty) {
    protocol::group_metadata_value value;
    value.protocol_type = "consumer";
    value.generation = 7;
    value.protocol = std::nullopt;
    value.leader = std::nullopt;
    auto loaded = group::load(
        "billing", value, config, [] { return std::string("x"); }, now_ms);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->state(), group_state::empty);
    EXPECT_EQ(loaded->generation_id(), 7);
    EXPECT_FALSE(loaded->next_deadline_ms().has_value());
}

TEST_F(group_persistence_test, VersionZeroMembersTakeTheSessionTimeoutAsRebalanceTimeout) {
    protocol::group_metadata_value value;
    value.protocol_type = "consumer";
    value.generation = 3;
    value.protocol = "range";
    value.leader = "a-1";
    value.members.push_back(
        {"a-1", std::nullopt, "a", "/h", -1, 20'000, bytes("s"), bytes("x"), {}});
    auto loaded = group::load(
        "billing", value, config, [] { return std::string("x"); }, now_ms);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->to_metadata_value().members[0].rebalance_timeout, 20'000);
}

TEST_F(group_persistence_test, MalformedValuesDoNotLoad) {
    protocol::group_metadata_value value;
    value.protocol_type = "consumer";
    value.protocol = "range";
    value.members.push_back({"a-1", "one", "a", "/h", 1, 10'000, {}, {}, {}});
    value.members.push_back({"a-1", std::nullopt, "a", "/h", 1, 10'000, {}, {}, {}});
    auto source = [] { return std::string("x"); };
    EXPECT_EQ(group::load("g", value, config, source, now_ms).error(),
              group_load_error::duplicate_member_id);
    value.members[1].member_id = "b-1";
    value.members[1].group_instance_id = "one";
    EXPECT_EQ(group::load("g", value, config, source, now_ms).error(),
              group_load_error::duplicate_group_instance_id);
    value.members.pop_back();
    value.protocol = std::nullopt;
    EXPECT_EQ(group::load("g", value, config, source, now_ms).error(),
              group_load_error::missing_protocol);
}

TEST_F(group_persistence_test, LoadedGroupOverTheMaxSizeRebalances) {
    group original = make_group();
    make_stable(original, {join_v3("a"), join_v3("b"), join_v3("c")});
    config.max_size = 2;
    auto loaded = group::load(
        "billing", original.to_metadata_value(), config, [] { return std::string("x"); }, now_ms);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->state(), group_state::preparing_rebalance);
}

TEST_F(group_persistence_test, DescribeShowsMetadataAndAssignmentsOnlyWhenStable) {
    group g = make_group();
    std::vector<std::string> ids = make_stable(g, {join_v3("a"), join_static("", "two")});
    group_description stable = g.describe();
    EXPECT_EQ(stable.state, "Stable");
    EXPECT_EQ(stable.protocol_type, "consumer");
    EXPECT_EQ(stable.protocol, "range");
    ASSERT_EQ(stable.members.size(), 2u);
    EXPECT_EQ(stable.members[0].client_id, "a");
    EXPECT_EQ(stable.members[0].client_host, "/10.0.0.1");
    EXPECT_EQ(stable.members[1].group_instance_id, "two");
    EXPECT_EQ(stable.members[1].metadata, bytes("range:v1"));
    EXPECT_EQ(stable.members[1].assignment, bytes(assignment_of(ids[1])));

    EXPECT_FALSE(g.join(token(), join_v3("c"), now_ms).has_value());
    group_description rebalancing = g.describe();
    EXPECT_EQ(rebalancing.state, "PreparingRebalance");
    EXPECT_EQ(rebalancing.protocol, "");
    EXPECT_EQ(rebalancing.members.size(), 3u);
    EXPECT_TRUE(rebalancing.members[0].metadata.empty());
    EXPECT_TRUE(rebalancing.members[0].assignment.empty());
}

TEST_F(group_persistence_test, StateNamesAreKafkas) {
    EXPECT_EQ(group_state_name(group_state::empty), "Empty");
    EXPECT_EQ(group_state_name(group_state::preparing_rebalance), "PreparingRebalance");
    EXPECT_EQ(group_state_name(group_state::completing_rebalance), "CompletingRebalance");
    EXPECT_EQ(group_state_name(group_state::stable), "Stable");
    EXPECT_EQ(group_state_name(group_state::dead), "Dead");
}

}  // namespace
}  // namespace samsa::coordinator::testing
