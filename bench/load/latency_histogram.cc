#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "base/assert.h"

namespace samsa::load {
namespace {

constexpr int64_t exact_values = int64_t{1} << latency_histogram::sub_bucket_bits;
constexpr int64_t buckets_per_range = exact_values / 2;
// One range per power of two from 2^sub_bucket_bits to 2^62 (the top bit of a positive
// int64_t).
constexpr int ranges = 63 - latency_histogram::sub_bucket_bits;
constexpr std::size_t bucket_count = exact_values + ranges * buckets_per_range;

}  // namespace

latency_histogram::latency_histogram() : counts_(bucket_count, 0) {}

std::size_t latency_histogram::bucket_index(int64_t value_ns) {
    if (value_ns < exact_values) {
        return static_cast<std::size_t>(std::max<int64_t>(value_ns, 0));
    }
    auto value = static_cast<uint64_t>(value_ns);
    // Range r covers [2^(sub_bucket_bits + r), 2^(sub_bucket_bits + r + 1)) with buckets
    // 2^(r + 1) wide.
    int top_bit = std::bit_width(value) - 1;
    int range = top_bit - sub_bucket_bits;
    uint64_t offset_in_range = value - (uint64_t{1} << top_bit);
    return static_cast<std::size_t>(exact_values + range * buckets_per_range +
                                    static_cast<int64_t>(offset_in_range >> (range + 1)));
}

int64_t latency_histogram::bucket_highest_value(std::size_t index) {
    SAMSA_ASSERT(index < bucket_count, "bucket %zu of %zu", index, bucket_count);
    auto signed_index = static_cast<int64_t>(index);
    if (signed_index < exact_values) {
        return signed_index;
    }
    int64_t range = (signed_index - exact_values) / buckets_per_range;
    int64_t bucket_in_range = (signed_index - exact_values) % buckets_per_range;
    uint64_t width = uint64_t{1} << (range + 1);
    uint64_t lowest = (uint64_t{1} << (sub_bucket_bits + range)) + bucket_in_range * width;
    return static_cast<int64_t>(lowest + width - 1);
}

void latency_histogram::record_ns(int64_t value_ns) {
    value_ns = std::max<int64_t>(value_ns, 0);
    ++counts_[bucket_index(value_ns)];
    if (count_ == 0 || value_ns < min_ns_) {
        min_ns_ = value_ns;
    }
    max_ns_ = std::max(max_ns_, value_ns);
    ++count_;
    sum_ns_ += static_cast<double>(value_ns);
}

void latency_histogram::merge(const latency_histogram& other) {
    if (other.count_ == 0) {
        return;
    }
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        counts_[i] += other.counts_[i];
    }
    min_ns_ = count_ == 0 ? other.min_ns_ : std::min(min_ns_, other.min_ns_);
    max_ns_ = std::max(max_ns_, other.max_ns_);
    count_ += other.count_;
    sum_ns_ += other.sum_ns_;
}

int64_t latency_histogram::value_at_percentile_ns(double percentile) const {
    SAMSA_ASSERT(percentile >= 0 && percentile <= 100, "percentile %f", percentile);
    if (count_ == 0) {
        return 0;
    }
    // The rank of the sample that answers: at least one, so that p0 is the minimum's bucket.
    auto rank = static_cast<uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            return std::min(bucket_highest_value(i), max_ns_);
        }
    }
    SAMSA_ASSERT(false, "rank %llu beyond %llu samples", static_cast<unsigned long long>(rank),
                 static_cast<unsigned long long>(count_));
    return max_ns_;
}

double latency_histogram::mean_ns() const {
    return count_ == 0 ? 0.0 : sum_ns_ / static_cast<double>(count_);
}

}  // namespace samsa::load
