#pragma once

// When each record of a fixed-rate run is meant to be sent. Record i's intended send time
// is start + i / rate, whatever happened to the records before it: when the producer falls
// behind (the client's queue is full, the machine stalls), later records are sent late, and
// their latency counts from the intended time. Measuring from the actual send instead would
// hide the stall (coordinated omission: the load generator would slow down with the system
// it measures and record only the fast part).

#include <cstdint>

#include "base/assert.h"
#include "monotonic_clock.h"

namespace samsa::load {

class rate_pacer {
public:
    // Precondition: records_per_second > 0.
    rate_pacer(int64_t start_ns, double records_per_second)
        : start_ns_(start_ns), records_per_second_(records_per_second) {
        SAMSA_ASSERT(records_per_second > 0, "rate %f", records_per_second);
    }

    int64_t intended_ns(uint64_t index) const {
        // index * 10^9 is exact in a double up to 9 million records, and one rounding of the
        // quotient does not accumulate the way adding a rounded interval would.
        return start_ns_ +
               static_cast<int64_t>(static_cast<double>(index) *
                                    static_cast<double>(ns_per_second) / records_per_second_);
    }

private:
    int64_t start_ns_;
    double records_per_second_;
};

}  // namespace samsa::load
