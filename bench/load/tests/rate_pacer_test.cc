#include "rate_pacer.h"

#include <gtest/gtest.h>

namespace samsa::load {
namespace {

TEST(rate_pacer, IntendedTimesAreEvenlySpacedFromTheStart) {
    rate_pacer pacer(1'000, 1000.0);
    EXPECT_EQ(pacer.intended_ns(0), 1'000);
    EXPECT_EQ(pacer.intended_ns(1), 1'001'000);
    EXPECT_EQ(pacer.intended_ns(1000), 1'000'001'000);
}

TEST(rate_pacer, IntendedTimesDoNotDriftAtFractionalIntervals) {
    // 3 records per second: an interval of 333,333,333.3 ns, which must not accumulate a
    // rounding error over many records.
    rate_pacer pacer(0, 3.0);
    EXPECT_EQ(pacer.intended_ns(3'000'000), int64_t{1'000'000} * ns_per_second);
    EXPECT_EQ(pacer.intended_ns(1), 333'333'333);
}

}  // namespace
}  // namespace samsa::load
