#pragma once

// The one clock samsa-load measures with: steady (CLOCK_MONOTONIC on Linux), so a latency
// never jumps with NTP, in nanoseconds as int64_t so that a time fits in a record's payload
// and in a delivery report's opaque pointer. Producer and consumer of an e2e run are threads
// of one process, so they share this clock.

#include <chrono>
#include <cstdint>
#include <thread>

namespace samsa::load {

inline int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

constexpr int64_t ns_per_second = 1'000'000'000;
constexpr int64_t ns_per_ms = 1'000'000;

// Returns at once when deadline_ns has passed.
inline void sleep_until_ns(int64_t deadline_ns) {
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns)));
}

}  // namespace samsa::load
