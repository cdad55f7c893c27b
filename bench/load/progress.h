#pragma once

// One human line a second on stderr while a run goes, so that a person watching sees a
// stall as it happens (stdout is kept for the JSON report):
//
//   produce: 5.0 s, 512034 records, 102406.8 records/s, 104.865 MB/s, errors 0

#include <cstdint>

namespace samsa::load {

class progress_meter {
public:
    // `mode` must outlive the meter (a string literal).
    progress_meter(const char* mode, int64_t start_ns);

    // Prints a line when a second has passed since the last one; cheap to call often.
    void update(uint64_t records, uint64_t bytes, uint64_t errors);

private:
    const char* mode_;
    int64_t start_ns_;
    int64_t next_print_ns_;
    uint64_t last_records_ = 0;
    uint64_t last_bytes_ = 0;
    int64_t last_print_ns_;
};

}  // namespace samsa::load
