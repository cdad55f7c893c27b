#pragma once

// Where `samsa consume` starts reading a partition (kcat's -o, --timestamp, --datetime):
// parsing the command line's words into a start_position, and resolving one against a
// partition's watermarks to the offset to fetch from. Pure, so unit-testable; the command
// asks the broker for the watermarks and for offsets_for_times.
//
//     auto position = parse_start_position("-10");            // the last 10 records
//     int64_t offset = resolve_start_offset(*position, {.low = 0, .high = 25});   // 15

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace samsa::cli {

enum class start_kind : uint8_t {
    beginning,  // the log start offset
    end,        // the high watermark: only records produced from now on
    stored,     // the group's committed offset (only with a group)
    absolute,   // offset `value`
    from_end,   // `value` records before the high watermark (kcat's -o -N)
    timestamp,  // the first record with a timestamp >= `value` ms
};

struct start_position {
    start_kind kind = start_kind::beginning;
    int64_t value = 0;
};

// "beginning", "end", "stored", "N" (an offset) or "-N" (N before the end); the error is
// one sentence for the user.
result<start_position, std::string> parse_start_position(std::string_view text);

struct partition_watermarks {
    int64_t low = 0;   // the log start offset
    int64_t high = 0;  // the high watermark: the offset of the next record
};

// The offset to fetch from, within [low, high]. For `timestamp`, `timestamp_offset` is the
// broker's answer to offsets_for_times (-1 or absent: no record that late, so the end).
// `stored` resolves like `end` (Kafka's auto.offset.reset=latest): it is only asked for a
// partition whose group has no committed offset.
int64_t resolve_start_offset(const start_position& position, partition_watermarks watermarks,
                             std::optional<int64_t> timestamp_offset = std::nullopt);

}  // namespace samsa::cli
