#include "cli/offset_reset.h"

#include <gtest/gtest.h>

namespace samsa::cli {
namespace {

TEST(TopicSelection, ATopicAloneMeansEveryPartition) {
    auto selection = parse_topic_selection("orders");
    ASSERT_TRUE(selection);
    EXPECT_EQ(selection->topic, "orders");
    EXPECT_TRUE(selection->partitions.empty());
}

TEST(TopicSelection, PartitionsAreSortedAndDeduplicated) {
    auto selection = parse_topic_selection("orders:2,0,2");
    ASSERT_TRUE(selection);
    EXPECT_EQ(selection->topic, "orders");
    EXPECT_EQ(selection->partitions, (std::vector<int32_t>{0, 2}));
}

TEST(TopicSelection, RefusesBadLists) {
    EXPECT_FALSE(parse_topic_selection(""));
    EXPECT_FALSE(parse_topic_selection(":1"));
    EXPECT_FALSE(parse_topic_selection("orders:"));
    EXPECT_FALSE(parse_topic_selection("orders:1,,2"));
    EXPECT_FALSE(parse_topic_selection("orders:-1"));
    EXPECT_FALSE(parse_topic_selection("orders:x"));
}

partition_state state_with(std::optional<int64_t> committed) {
    return {.topic = "orders",
            .partition = 0,
            .earliest = 10,
            .latest = 100,
            .committed = committed,
            .offset_for_time = std::nullopt};
}

TEST(NewOffset, EarliestAndLatest) {
    EXPECT_EQ(*new_offset({.kind = reset_kind::earliest, .value = 0}, state_with(50)), 10);
    EXPECT_EQ(*new_offset({.kind = reset_kind::latest, .value = 0}, state_with(50)), 100);
}

TEST(NewOffset, ToOffsetIsClampedIntoTheLog) {
    EXPECT_EQ(*new_offset({.kind = reset_kind::to_offset, .value = 42}, state_with({})), 42);
    EXPECT_EQ(*new_offset({.kind = reset_kind::to_offset, .value = 5}, state_with({})), 10);
    EXPECT_EQ(*new_offset({.kind = reset_kind::to_offset, .value = 500}, state_with({})), 100);
}

TEST(NewOffset, ShiftByMovesTheCommittedOffsetWithinTheLog) {
    EXPECT_EQ(*new_offset({.kind = reset_kind::shift_by, .value = -5}, state_with(50)), 45);
    EXPECT_EQ(*new_offset({.kind = reset_kind::shift_by, .value = -100}, state_with(50)), 10);
    EXPECT_EQ(*new_offset({.kind = reset_kind::shift_by, .value = 100}, state_with(50)), 100);
    auto without = new_offset({.kind = reset_kind::shift_by, .value = 1}, state_with({}));
    ASSERT_FALSE(without);
    EXPECT_NE(without.error().message.find("no committed offset"), std::string::npos);
}

TEST(NewOffset, ToTimestampFallsBackToTheLatestOffset) {
    auto state = state_with({});
    EXPECT_EQ(*new_offset({.kind = reset_kind::to_timestamp, .value = 0}, state), 100);
    state.offset_for_time = 30;
    EXPECT_EQ(*new_offset({.kind = reset_kind::to_timestamp, .value = 0}, state), 30);
}

}  // namespace
}  // namespace samsa::cli
