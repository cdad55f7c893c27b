#include "coordinator/pending_transactional_offsets.h"

#include <utility>

#include "base/assert.h"

namespace samsa::coordinator {

bool written_after(const logged_offset& candidate, const logged_offset& current) {
    if (!candidate.record_offset || !current.record_offset) {
        return true;
    }
    return *candidate.record_offset > *current.record_offset;
}

void pending_transactional_offsets::add(producer_id producer, const std::string& group,
                                        const topic_partition& partition,
                                        const logged_offset& value) {
    bool inserted = by_producer_[producer.value()][group].insert_or_assign(partition, value).second;
    if (inserted) {
        ++size_;
        bool opened = open_by_group_[group][partition].insert(producer.value()).second;
        SAMSA_ASSERT(opened, "pending offset of producer %lld for %s indexed twice",
                     static_cast<long long>(producer.value()), group.c_str());
    }
}

std::vector<ended_offset> pending_transactional_offsets::take(producer_id producer) {
    std::vector<ended_offset> ended;
    auto found = by_producer_.find(producer.value());
    if (found == by_producer_.end()) {
        return ended;
    }
    producer_offsets offsets = std::move(found->second);
    by_producer_.erase(found);
    for (auto& [group, partitions] : offsets) {
        for (auto& [partition, value] : partitions) {
            forget_open(group, partition, producer);
            --size_;
            ended.push_back({.group = group, .partition = partition, .value = std::move(value)});
        }
    }
    return ended;
}

void pending_transactional_offsets::remove_partition(std::string_view group,
                                                     const topic_partition& partition) {
    auto group_open = open_by_group_.find(group);
    if (group_open == open_by_group_.end()) {
        return;
    }
    auto producers = group_open->second.find(partition);
    if (producers == group_open->second.end()) {
        return;
    }
    for (int64_t id : producers->second) {
        auto offsets = by_producer_.find(id);
        SAMSA_ASSERT(offsets != by_producer_.end(), "open producer %lld has no offsets",
                     static_cast<long long>(id));
        auto group_offsets = offsets->second.find(group);
        std::size_t erased =
            group_offsets == offsets->second.end() ? 0 : group_offsets->second.erase(partition);
        SAMSA_ASSERT(erased == 1, "open producer %lld has no offset of the partition",
                     static_cast<long long>(id));
        --size_;
        if (group_offsets->second.empty()) {
            offsets->second.erase(group_offsets);
        }
        if (offsets->second.empty()) {
            by_producer_.erase(offsets);
        }
    }
    group_open->second.erase(producers);
    if (group_open->second.empty()) {
        open_by_group_.erase(group_open);
    }
}

void pending_transactional_offsets::forget_open(std::string_view group,
                                                const topic_partition& partition,
                                                producer_id producer) {
    auto group_open = open_by_group_.find(group);
    SAMSA_ASSERT(group_open != open_by_group_.end(), "pending group not indexed");
    auto producers = group_open->second.find(partition);
    std::size_t erased =
        producers == group_open->second.end() ? 0 : producers->second.erase(producer.value());
    SAMSA_ASSERT(erased == 1, "pending partition not indexed");
    if (producers->second.empty()) {
        group_open->second.erase(producers);
    }
    if (group_open->second.empty()) {
        open_by_group_.erase(group_open);
    }
}

bool pending_transactional_offsets::has_pending(std::string_view group,
                                                const topic_partition& partition) const {
    auto group_open = open_by_group_.find(group);
    return group_open != open_by_group_.end() && group_open->second.contains(partition);
}

bool pending_transactional_offsets::has_pending(std::string_view group) const {
    return open_by_group_.contains(group);
}

bool pending_transactional_offsets::has_pending_from(producer_id producer) const {
    return by_producer_.contains(producer.value());
}

std::vector<topic_partition> pending_transactional_offsets::partitions(
    std::string_view group) const {
    std::vector<topic_partition> open;
    if (auto group_open = open_by_group_.find(group); group_open != open_by_group_.end()) {
        open.reserve(group_open->second.size());
        for (const auto& [partition, producers] : group_open->second) {
            open.push_back(partition);
        }
    }
    return open;
}

std::vector<std::string> pending_transactional_offsets::groups() const {
    std::vector<std::string> names;
    names.reserve(open_by_group_.size());
    for (const auto& [group, partitions] : open_by_group_) {
        names.push_back(group);
    }
    return names;
}

}  // namespace samsa::coordinator
