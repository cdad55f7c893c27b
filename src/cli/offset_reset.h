#pragma once

// The pure rules of `samsa group reset-offsets`, as Kafka's kafka-consumer-groups.sh applies
// them: which partitions (--topic T or T:0,1,2), and the new offset of each from the chosen
// strategy, clamped into the partition's [earliest, latest] range.
//
//     auto selection = parse_topic_selection("orders:0,2");
//     auto offset = new_offset({.kind = reset_kind::shift_by, .value = -10}, state);

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/client_error.h"

namespace samsa::cli {

struct topic_selection {
    std::string topic;
    std::vector<int32_t> partitions;  // empty: every partition of the topic
};

// "orders" or "orders:0,1,2"; a usage error for an empty name or a bad partition list.
client::client_result<topic_selection> parse_topic_selection(const std::string& text);

enum class reset_kind : uint8_t { earliest, latest, to_offset, to_timestamp, shift_by };

struct reset_plan {
    reset_kind kind = reset_kind::earliest;
    // The offset (to_offset), the shift (shift_by); unused otherwise.
    int64_t value = 0;
};

struct partition_state {
    std::string topic;
    int32_t partition = 0;
    int64_t earliest = 0;
    int64_t latest = 0;
    std::optional<int64_t> committed;
    // For to_timestamp: the first offset at or after the time; nullopt when none (then the
    // latest offset, as Kafka does).
    std::optional<int64_t> offset_for_time;
};

// The offset to commit, or a refusal (shift-by without a committed offset).
client::client_result<int64_t> new_offset(const reset_plan& plan, const partition_state& state);

}  // namespace samsa::cli
