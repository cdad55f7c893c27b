#pragma once

// How a handler reaches partitions. Every partition lives on one shard (cluster/placement.h)
// and is used only there, so a handler groups the partitions of a request by owner shard
// and runs the work for each group on its owner, with one cross-shard call per shard.

#include <asio/awaitable.hpp>

#include <map>
#include <utility>
#include <vector>

#include "cluster/partition_manager.h"
#include "cluster/placement.h"
#include "protocol/error_code.h"
#include "runtime/cross_shard.h"
#include "server/shard_services.h"

namespace samsa::server {

// The owner shard of a partition on this node.
inline runtime::shard_id owner_shard(const shard_services& services,
                                     const storage::topic_partition& partition) {
    return cluster::shard_for(partition, services.shards->size());
}

// Indexes of items grouped by the shard owning each item's partition, in shard order.
template <typename Item, typename PartitionOf>
std::map<uint32_t, std::vector<std::size_t>> group_by_owner(const shard_services& services,
                                                            const std::vector<Item>& items,
                                                            PartitionOf partition_of) {
    std::map<uint32_t, std::vector<std::size_t>> groups;
    for (std::size_t index = 0; index < items.size(); ++index) {
        groups[owner_shard(services, partition_of(items[index])).value()].push_back(index);
    }
    return groups;
}

// Runs fn(partition_manager&) on `owner` and returns its result (fn may be a coroutine).
// Whatever fn captures by reference must outlive the call (the caller is suspended).
template <typename F>
auto on_owner(shard_services& services, uint32_t owner, F fn) {
    cluster::partition_manager* manager = services.partitions_by_shard.at(owner);
    auto call = [manager, fn = std::move(fn)]() mutable { return fn(*manager); };
    return runtime::invoke_on(services.shards->at(owner), std::move(call));
}

// Whether this node hosts partitions at all (false in tests without storage).
inline bool hosts_partitions(const shard_services& services) {
    return !services.partitions_by_shard.empty();
}

// What the metadata image says about serving one partition here, before any shard is
// asked: none when this node should host it as leader.
inline protocol::error_code placement_error(const shard_services& services,
                                            const cluster::topic_metadata* topic,
                                            partition_id partition) {
    if (topic == nullptr || !hosts_partitions(services) || partition.value() < 0 ||
        static_cast<std::size_t>(partition.value()) >= topic->partitions.size()) {
        return protocol::error_code::unknown_topic_or_partition;
    }
    if (topic->partitions[static_cast<std::size_t>(partition.value())].leader !=
        services.settings.node) {
        return protocol::error_code::not_leader_or_follower;
    }
    return protocol::error_code::none;
}

// The Kafka error a storage failure is reported with: a failed disk is KAFKA_STORAGE_ERROR
// (the client retries elsewhere once replicas exist); a log closed under the request (its
// topic was deleted) is NOT_LEADER_OR_FOLLOWER, which sends the client to fresh metadata.
inline protocol::error_code error_for(const storage::storage_error& error) {
    switch (error.code) {
        case storage::storage_errc::offset_out_of_range:
            return protocol::error_code::offset_out_of_range;
        case storage::storage_errc::closed:
            return protocol::error_code::not_leader_or_follower;
        case storage::storage_errc::io_error:
        case storage::storage_errc::log_failed:
        case storage::storage_errc::corrupt_log:
            return protocol::error_code::kafka_storage_error;
    }
    return protocol::error_code::unknown_server_error;
}

}  // namespace samsa::server
