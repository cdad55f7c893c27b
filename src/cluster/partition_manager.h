#pragma once

// The partitions one shard hosts, by topic and partition. One per shard, used only on its
// thread; the shard that owns a partition is placement.h's answer.

#include <map>
#include <memory>
#include <vector>

#include "cluster/partition.h"
#include "storage/log_manager.h"

namespace samsa::cluster {

class partition_manager {
public:
    partition* find(const storage::topic_partition& id);
    // Asserts the partition is not hosted yet.
    partition& add(std::unique_ptr<partition> hosted);
    // The partition, no longer hosted here; nullptr when it was not.
    std::unique_ptr<partition> remove(const storage::topic_partition& id);

    std::size_t size() const { return partitions_.size(); }
    // What the checkpoints record for every hosted log.
    std::vector<storage::log_offsets> offsets() const;

    auto begin() { return partitions_.begin(); }
    auto end() { return partitions_.end(); }

private:
    std::map<storage::topic_partition, std::unique_ptr<partition>> partitions_;
};

}  // namespace samsa::cluster
