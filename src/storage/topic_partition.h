#pragma once

// A partition named the way Kafka's on-disk files name it: topic name and partition index
// (Kafka's TopicPartition). Checkpoint files key their entries by it; printed as Kafka
// prints it and names the partition's directory, "<topic>-<partition>".

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

#include "base/ids.h"

namespace samsa::storage {

struct topic_partition {
    std::string topic;
    partition_id partition;

    auto operator<=>(const topic_partition&) const = default;
    bool operator==(const topic_partition&) const = default;

    friend std::ostream& operator<<(std::ostream& out, const topic_partition& tp) {
        return out << tp.topic << '-' << tp.partition;
    }
};

}  // namespace samsa::storage

template <>
struct std::hash<samsa::storage::topic_partition> {
    std::size_t operator()(const samsa::storage::topic_partition& tp) const noexcept {
        std::size_t topic_hash = std::hash<std::string>{}(tp.topic);
        return topic_hash ^ (std::hash<samsa::partition_id>{}(tp.partition) +
                             0x9e3779b97f4a7c15ULL + (topic_hash << 6) + (topic_hash >> 2));
    }
};
