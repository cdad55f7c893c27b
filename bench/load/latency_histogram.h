#pragma once

// A log-linear histogram of latencies in nanoseconds, in the spirit of HdrHistogram (which
// Debian packages only for Java and Go): constant memory whatever the number of samples,
// O(1) to record, and percentiles with a bounded relative error.
//
// Layout. Values below 2^sub_bucket_bits (256 ns) each have a bucket of their own. Above
// that, every power-of-two range [2^k, 2^(k+1)) is split into 2^(sub_bucket_bits - 1) = 128
// equal buckets, so a bucket is at most 1/128 of its lower edge wide: a reported percentile
// is at most 0.8% above the true one (never below: we report a bucket's highest value, as
// HdrHistogram does). The ranges go up to 2^63, the whole of int64_t, in 7,296 buckets of 8
// bytes (57 KiB). The exact minimum, maximum and sum are kept beside the buckets.
//
// Not thread-safe: each thread records into its own histogram, and they are merged once the
// threads have finished.

#include <cstdint>
#include <vector>

namespace samsa::load {

class latency_histogram {
public:
    static constexpr int sub_bucket_bits = 8;

    latency_histogram();

    // Negative values (a clock that went backwards) are recorded as 0.
    void record_ns(int64_t value_ns);
    void merge(const latency_histogram& other);

    uint64_t count() const { return count_; }
    // The smallest recorded value v such that at least `percentile`% of the samples are <= v,
    // rounded up to the end of its bucket and capped at max_ns(); 0 when empty.
    // Precondition: 0 <= percentile <= 100.
    int64_t value_at_percentile_ns(double percentile) const;
    int64_t min_ns() const { return count_ == 0 ? 0 : min_ns_; }
    int64_t max_ns() const { return max_ns_; }
    double mean_ns() const;

    // Exposed for the tests: which bucket a value falls in, and the highest value of a bucket.
    static std::size_t bucket_index(int64_t value_ns);
    static int64_t bucket_highest_value(std::size_t index);

private:
    std::vector<uint64_t> counts_;
    uint64_t count_ = 0;
    int64_t min_ns_ = 0;
    int64_t max_ns_ = 0;
    // Sum of the samples, as a double: 2^53 ns is 104 days of latency summed without loss,
    // and past that the mean only loses digits it does not need.
    double sum_ns_ = 0;
};

}  // namespace samsa::load
