#pragma once

// A byte-rate limit for background I/O (Kafka's Throttler, as the log cleaner uses it for
// log.cleaner.io.max.bytes.per.second): callers report the bytes they read or wrote, and
// when the rate over the current window is above the limit, the caller sleeps until it is
// not. Shared by every cleaner thread, so the limit is the process's, as in Kafka.
//
// Only for background threads: record() may block the caller.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace samsa::storage {

class io_throttle {
public:
    using clock = std::chrono::steady_clock;
    using sleeper = std::function<void(clock::duration)>;

    // bytes_per_second <= 0 or infinite: no limit. The window is Kafka's 300 ms check
    // interval. sleep: how to wait (tests pass their own).
    explicit io_throttle(double bytes_per_second, sleeper sleep = nullptr);

    // Counts bytes; sleeps when the window's rate is above the limit.
    void record(uint64_t bytes);
    // Total time record() has slept.
    clock::duration throttled() const;

private:
    double bytes_per_second_;
    sleeper sleep_;
    mutable std::mutex mutex_;
    clock::time_point window_start_;
    double window_bytes_ = 0;
    clock::duration throttled_{};
};

}  // namespace samsa::storage
