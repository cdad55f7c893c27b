#pragma once

// What a group committed for one partition (Kafka's OffsetAndMetadata), and the partition
// it is for. Offsets are keyed by topic name, as in __consumer_offsets and OffsetCommit.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "base/ids.h"

namespace samsa::coordinator {

struct topic_partition {
    std::string topic;
    partition_id partition;

    auto operator<=>(const topic_partition&) const = default;
    bool operator==(const topic_partition&) const = default;
};

struct offset_and_metadata {
    offset committed_offset{};
    // -1 when the client sent none (Kafka's RecordBatch.NO_PARTITION_LEADER_EPOCH).
    leader_epoch committed_leader_epoch = leader_epoch(-1);
    std::string metadata;
    int64_t commit_timestamp_ms = 0;
    // Set only by OffsetCommit v1 (an explicit per-commit expiry, stored as value version 1):
    // such an offset expires at this time instead of after offsets.retention.minutes.
    std::optional<int64_t> expire_timestamp_ms;

    bool operator==(const offset_and_metadata&) const = default;
};

}  // namespace samsa::coordinator
