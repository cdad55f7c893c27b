#pragma once

// The partitions one shard hosts, by topic and partition. One per shard, used only on its
// thread; the shard that owns a partition is placement.h's answer.
//
// Partitions are held by shared ownership: a request suspended on a partition (a
// durability wait, a long poll) keeps its own reference, so a topic deleted meanwhile
// stops being hosted here without destroying the partition under that request. Such a
// request finds the partition closed (partition::closed()) when it resumes.

#include <map>
#include <memory>
#include <vector>

#include "cluster/partition.h"
#include "storage/log_manager.h"

namespace samsa::cluster {

class partition_manager {
public:
    std::shared_ptr<partition> find(const storage::topic_partition& id) const;
    // Asserts the partition is not hosted yet.
    partition& add(std::shared_ptr<partition> hosted);
    // The partition, no longer hosted here; nullptr when it was not.
    std::shared_ptr<partition> remove(const storage::topic_partition& id);

    std::size_t size() const { return partitions_.size(); }
    // What the checkpoints record for every hosted log.
    std::vector<storage::log_offsets> offsets() const;

    auto begin() { return partitions_.begin(); }
    auto end() { return partitions_.end(); }

private:
    std::map<storage::topic_partition, std::shared_ptr<partition>> partitions_;
};

}  // namespace samsa::cluster
