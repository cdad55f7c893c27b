#include "storage/io_throttle.h"

#include <cmath>
#include <thread>

namespace samsa::storage {
namespace {

constexpr auto check_interval = std::chrono::milliseconds(300);

}  // namespace

io_throttle::io_throttle(double bytes_per_second, sleeper sleep)
    : bytes_per_second_(bytes_per_second),
      sleep_(sleep ? std::move(sleep)
                   : sleeper([](clock::duration pause) { std::this_thread::sleep_for(pause); })),
      window_start_(clock::now()) {}

void io_throttle::record(uint64_t bytes) {
    if (!(bytes_per_second_ > 0) || std::isinf(bytes_per_second_)) {
        return;
    }
    std::unique_lock lock(mutex_);
    window_bytes_ += static_cast<double>(bytes);
    auto elapsed = clock::now() - window_start_;
    if (elapsed < check_interval) {
        return;
    }
    double seconds = std::chrono::duration<double>(elapsed).count();
    if (window_bytes_ / seconds > bytes_per_second_) {
        // Sleep until the window's bytes fit the rate.
        auto pause = std::chrono::duration_cast<clock::duration>(
            std::chrono::duration<double>(window_bytes_ / bytes_per_second_ - seconds));
        throttled_ += pause;
        lock.unlock();
        sleep_(pause);
        lock.lock();
    }
    window_start_ = clock::now();
    window_bytes_ = 0;
}

io_throttle::clock::duration io_throttle::throttled() const {
    std::lock_guard lock(mutex_);
    return throttled_;
}

}  // namespace samsa::storage
