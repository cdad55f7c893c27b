#include "progress.h"

#include <cstdio>

#include "monotonic_clock.h"

namespace samsa::load {

progress_meter::progress_meter(const char* mode, int64_t start_ns)
    : mode_(mode),
      start_ns_(start_ns),
      next_print_ns_(start_ns + ns_per_second),
      last_print_ns_(start_ns) {}

void progress_meter::update(uint64_t records, uint64_t bytes, uint64_t errors) {
    int64_t now_ns = monotonic_ns();
    if (now_ns < next_print_ns_) {
        return;
    }
    // The rates are over the last interval, not the whole run: a stall shows at once.
    double interval_s = static_cast<double>(now_ns - last_print_ns_) / ns_per_second;
    std::fprintf(stderr, "%s: %.1f s, %llu records, %.1f records/s, %.3f MB/s, errors %llu\n",
                 mode_, static_cast<double>(now_ns - start_ns_) / ns_per_second,
                 static_cast<unsigned long long>(records),
                 static_cast<double>(records - last_records_) / interval_s,
                 static_cast<double>(bytes - last_bytes_) / 1e6 / interval_s,
                 static_cast<unsigned long long>(errors));
    last_records_ = records;
    last_bytes_ = bytes;
    last_print_ns_ = now_ns;
    next_print_ns_ = now_ns + ns_per_second;
}

}  // namespace samsa::load
