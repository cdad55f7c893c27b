#pragma once

// The broker's wall clock in Kafka's unit (milliseconds since the epoch): record
// timestamps, LogAppendTime, retention by time. Code that must be testable takes a now_ms
// argument instead of calling this.

#include <chrono>
#include <cstdint>

namespace samsa {

inline int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace samsa
