#include "cli/iso8601_time.h"

#include <gtest/gtest.h>

namespace samsa::cli {
namespace {

TEST(ParseIso8601, DateOnlyIsMidnightUtc) {
    EXPECT_EQ(*parse_iso8601_ms("1970-01-01"), 0);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01"), 1714521600000);
}

TEST(ParseIso8601, TimeFractionAndZones) {
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:30:15.250Z"), 1714566615250);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:30:15.25"), 1714566615250);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01 14:30:15.250+02:00"), 1714566615250);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T07:30:15.250-0500"), 1714566615250);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:30"), 1714566600000);
    EXPECT_EQ(*parse_iso8601_ms("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(ParseIso8601, RejectsMalformedAndImpossibleDates) {
    for (const char* bad : {"", "2024", "2024-13-01", "2023-02-29", "2024-05-01T25:00",
                            "2024-05-01T12", "2024-05-01T12:30:61", "2024-05-01T12:30:00.Z",
                            "2024-05-01T12:30:00+2", "2024-05-01junk", "yesterday"}) {
        EXPECT_FALSE(parse_iso8601_ms(bad)) << bad;
    }
}

TEST(ParseIso8601, UtcZonesAndFractions) {
    EXPECT_EQ(*parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:00:00Z"), 1714564800000);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:00:00"), 1714564800000);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:00:00.5Z"), 1714564800500);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:00:00.123Z"), 1714564800123);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T14:00:00+02:00"), 1714564800000);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T10:30:00-0130"), 1714564800000);
    EXPECT_EQ(*parse_iso8601_ms("2024-05-01T12:00Z"), 1714564800000);
}

TEST(ParseIso8601, RefusesWhatIsNotADateTime) {
    EXPECT_FALSE(parse_iso8601_ms(""));
    EXPECT_FALSE(parse_iso8601_ms("yesterday"));
    EXPECT_FALSE(parse_iso8601_ms("2024-13-01T00:00:00Z"));
    EXPECT_FALSE(parse_iso8601_ms("2024-02-31T00:00:00Z"));
    EXPECT_FALSE(parse_iso8601_ms("2024-05-01T12:00:00Q"));
    EXPECT_FALSE(parse_iso8601_ms("2024-05-01T12:00:00Zjunk"));
}

}  // namespace
}  // namespace samsa::cli
