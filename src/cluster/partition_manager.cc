#include "cluster/partition_manager.h"

#include "base/assert.h"

namespace samsa::cluster {

std::shared_ptr<partition> partition_manager::find(const storage::topic_partition& id) const {
    auto found = partitions_.find(id);
    return found == partitions_.end() ? nullptr : found->second;
}

partition& partition_manager::add(std::shared_ptr<partition> hosted) {
    auto id = hosted->id();
    auto [it, inserted] = partitions_.emplace(id, std::move(hosted));
    SAMSA_ASSERT(inserted, "partition %s-%d hosted twice", id.topic.c_str(), id.partition.value());
    return *it->second;
}

std::shared_ptr<partition> partition_manager::remove(const storage::topic_partition& id) {
    auto found = partitions_.find(id);
    if (found == partitions_.end()) {
        return nullptr;
    }
    auto removed = std::move(found->second);
    partitions_.erase(found);
    return removed;
}

std::vector<storage::log_offsets> partition_manager::offsets() const {
    std::vector<storage::log_offsets> result;
    for (const auto& [id, hosted] : partitions_) {
        result.push_back(
            {.partition = id,
             .log_dir = hosted->log_dir(),
             .recovery_point = hosted->log().recovery_point(),
             .log_start_offset = hosted->log().log_start_offset(),
             .cleaner_checkpoint = hosted->log().config().compacts
                                       ? std::optional(hosted->log().cleaner_checkpoint())
                                       : std::nullopt});
    }
    return result;
}

}  // namespace samsa::cluster
