#include "latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace samsa::load {
namespace {

TEST(latency_histogram, EmptyHistogramReportsZeros) {
    latency_histogram histogram;
    EXPECT_EQ(histogram.count(), 0u);
    EXPECT_EQ(histogram.value_at_percentile_ns(50), 0);
    EXPECT_EQ(histogram.value_at_percentile_ns(100), 0);
    EXPECT_EQ(histogram.min_ns(), 0);
    EXPECT_EQ(histogram.max_ns(), 0);
    EXPECT_EQ(histogram.mean_ns(), 0.0);
}

TEST(latency_histogram, SmallValuesAreExact) {
    latency_histogram histogram;
    for (int64_t value = 1; value <= 100; ++value) {
        histogram.record_ns(value);
    }
    EXPECT_EQ(histogram.value_at_percentile_ns(50), 50);
    EXPECT_EQ(histogram.value_at_percentile_ns(99), 99);
    EXPECT_EQ(histogram.value_at_percentile_ns(100), 100);
    EXPECT_EQ(histogram.value_at_percentile_ns(0), 1);
    EXPECT_EQ(histogram.min_ns(), 1);
    EXPECT_EQ(histogram.max_ns(), 100);
    EXPECT_DOUBLE_EQ(histogram.mean_ns(), 50.5);
}

TEST(latency_histogram, BucketsTileTheWholeRangeWithoutGaps) {
    // Every bucket starts one past the previous one's highest value, and a value maps to the
    // bucket whose range holds it.
    int64_t previous_highest = -1;
    for (std::size_t index = 0;; ++index) {
        int64_t lowest = previous_highest + 1;
        int64_t highest = latency_histogram::bucket_highest_value(index);
        ASSERT_GE(highest, lowest) << index;
        ASSERT_EQ(latency_histogram::bucket_index(lowest), index);
        ASSERT_EQ(latency_histogram::bucket_index(highest), index);
        if (highest == std::numeric_limits<int64_t>::max()) {
            break;
        }
        previous_highest = highest;
    }
}

TEST(latency_histogram, BucketWidthIsAtMostOneHundredTwentyEighthOfItsValue) {
    for (int64_t value : {int64_t{256}, int64_t{1000}, int64_t{123456}, int64_t{987654321},
                          int64_t{1} << 40, std::numeric_limits<int64_t>::max() / 3}) {
        int64_t highest =
            latency_histogram::bucket_highest_value(latency_histogram::bucket_index(value));
        EXPECT_GE(highest, value);
        EXPECT_LE(static_cast<double>(highest - value), static_cast<double>(value) / 128.0)
            << value;
    }
}

TEST(latency_histogram, PercentilesAreWithinBucketErrorAndNeverBelowTheTrueValue) {
    std::mt19937_64 random(7);
    // Log-normal latencies around a millisecond, as a broker under load shows.
    std::lognormal_distribution<double> latency(std::log(1e6), 1.0);
    std::vector<int64_t> samples;
    latency_histogram histogram;
    for (int i = 0; i < 100000; ++i) {
        auto value = static_cast<int64_t>(latency(random));
        samples.push_back(value);
        histogram.record_ns(value);
    }
    std::sort(samples.begin(), samples.end());
    for (double percentile : {50.0, 90.0, 99.0, 99.9, 99.99}) {
        auto rank = static_cast<std::size_t>(std::ceil(percentile / 100.0 * samples.size()));
        int64_t exact = samples[rank - 1];
        int64_t reported = histogram.value_at_percentile_ns(percentile);
        EXPECT_GE(reported, exact) << percentile;
        EXPECT_LE(static_cast<double>(reported - exact), static_cast<double>(exact) / 128.0)
            << percentile;
    }
    EXPECT_EQ(histogram.value_at_percentile_ns(100), samples.back());
    EXPECT_EQ(histogram.max_ns(), samples.back());
    EXPECT_EQ(histogram.min_ns(), samples.front());
}

TEST(latency_histogram, PercentileNeverExceedsTheMaximum) {
    latency_histogram histogram;
    histogram.record_ns(1000001);  // in a bucket that reaches 1003519
    EXPECT_EQ(histogram.value_at_percentile_ns(50), 1000001);
}

TEST(latency_histogram, NegativeValuesCountAsZero) {
    latency_histogram histogram;
    histogram.record_ns(-5);
    EXPECT_EQ(histogram.count(), 1u);
    EXPECT_EQ(histogram.min_ns(), 0);
    EXPECT_EQ(histogram.max_ns(), 0);
}

TEST(latency_histogram, MergeEqualsRecordingEverythingInOne) {
    latency_histogram first;
    latency_histogram second;
    latency_histogram both;
    std::mt19937_64 random(11);
    for (int i = 0; i < 5000; ++i) {
        int64_t value = static_cast<int64_t>(random() % 50'000'000);
        (i % 3 == 0 ? first : second).record_ns(value);
        both.record_ns(value);
    }
    latency_histogram merged;
    merged.merge(first);
    merged.merge(second);
    merged.merge(latency_histogram{});
    EXPECT_EQ(merged.count(), both.count());
    EXPECT_EQ(merged.min_ns(), both.min_ns());
    EXPECT_EQ(merged.max_ns(), both.max_ns());
    EXPECT_DOUBLE_EQ(merged.mean_ns(), both.mean_ns());
    for (double percentile : {1.0, 50.0, 99.0, 99.9, 100.0}) {
        EXPECT_EQ(merged.value_at_percentile_ns(percentile),
                  both.value_at_percentile_ns(percentile));
    }
}

}  // namespace
}  // namespace samsa::load
