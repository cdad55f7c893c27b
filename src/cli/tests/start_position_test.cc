#include "cli/start_position.h"

#include <gtest/gtest.h>

namespace samsa::cli {
namespace {

TEST(ParseStartPosition, NamedPositions) {
    EXPECT_EQ(parse_start_position("beginning")->kind, start_kind::beginning);
    EXPECT_EQ(parse_start_position("end")->kind, start_kind::end);
    EXPECT_EQ(parse_start_position("stored")->kind, start_kind::stored);
}

TEST(ParseStartPosition, AbsoluteAndRelativeToEnd) {
    auto absolute = parse_start_position("42");
    ASSERT_TRUE(absolute);
    EXPECT_EQ(absolute->kind, start_kind::absolute);
    EXPECT_EQ(absolute->value, 42);
    auto relative = parse_start_position("-10");
    ASSERT_TRUE(relative);
    EXPECT_EQ(relative->kind, start_kind::from_end);
    EXPECT_EQ(relative->value, 10);
    EXPECT_EQ(parse_start_position("0")->value, 0);
}

TEST(ParseStartPosition, RejectsEverythingElse) {
    for (const char* bad :
         {"", "-", "-0", "+5", "5x", "begin", "--3", "1.5", "99999999999999999999"}) {
        EXPECT_FALSE(parse_start_position(bad)) << bad;
    }
}

TEST(ResolveStartOffset, EachKindWithinTheWatermarks) {
    const partition_watermarks marks{.low = 5, .high = 25};
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::beginning}, marks), 5);
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::end}, marks), 25);
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::stored}, marks), 25);
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::absolute, .value = 10}, marks), 10);
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::from_end, .value = 3}, marks), 22);
}

TEST(ResolveStartOffset, ClampsToTheLog) {
    const partition_watermarks marks{.low = 5, .high = 25};
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::absolute, .value = 2}, marks), 5);
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::absolute, .value = 99}, marks), 25);
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::from_end, .value = 100}, marks), 5);
    EXPECT_EQ(resolve_start_offset({.kind = start_kind::from_end, .value = 20}, marks), 5);
}

TEST(ResolveStartOffset, TimestampWithoutALaterRecordStartsAtTheEnd) {
    const partition_watermarks marks{.low = 0, .high = 7};
    const start_position at_time{.kind = start_kind::timestamp, .value = 1000};
    EXPECT_EQ(resolve_start_offset(at_time, marks, 3), 3);
    EXPECT_EQ(resolve_start_offset(at_time, marks, -1), 7);
    EXPECT_EQ(resolve_start_offset(at_time, marks, std::nullopt), 7);
}

}  // namespace
}  // namespace samsa::cli
