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

// Items of a request whose partitions one shard owns, served by one cross-shard call.
struct owner_batch {
    uint32_t owner = 0;
    std::vector<std::size_t> items;  // indexes into the request's items, in item order
};

enum class batching : uint8_t {
    by_owner,  // one batch per owner shard: the fewest calls, when order does not matter
    in_order,  // one batch per run of consecutive items on one shard (Fetch's byte budget)
};

// Batches of item indexes [0, count) by the shard owning partition_of(index).
template <typename PartitionOf>
std::vector<owner_batch> batch_by_owner(const shard_services& services, std::size_t count,
                                        PartitionOf partition_of, batching mode) {
    std::vector<owner_batch> batches;
    std::map<uint32_t, std::size_t> batch_of_owner;
    for (std::size_t index = 0; index < count; ++index) {
        uint32_t owner = owner_shard(services, partition_of(index)).value();
        if (mode == batching::in_order) {
            if (batches.empty() || batches.back().owner != owner) {
                batches.push_back({.owner = owner});
            }
            batches.back().items.push_back(index);
            continue;
        }
        auto [found, added] = batch_of_owner.try_emplace(owner, batches.size());
        if (added) {
            batches.push_back({.owner = owner});
        }
        batches[found->second].items.push_back(index);
    }
    return batches;
}

// Runs fn(partition_manager&) on `owner` and returns its result (fn may be a coroutine).
// Whatever fn captures by reference must outlive the call (the caller is suspended). As with
// runtime::invoke_on, pass a named lambda with std::move: g++ 12 destroys a temporary
// lambda with a non-trivial destructor twice inside a co_await expression.
template <typename F>
auto on_owner(shard_services& services, uint32_t owner, F fn) {
    cluster::partition_manager* manager = services.partitions_by_shard.at(owner);
    auto call = [manager, fn = std::move(fn)]() mutable { return fn(*manager); };
    return runtime::invoke_on(services.shards->at(owner), std::move(call));
}

// Runs visit(manager, index) for every index of `indexes` on the shard owning
// partition_of(index), one cross-shard call per owner shard, one shard after another.
// Whatever the functions capture by reference must outlive the call (the caller is
// suspended).
template <typename PartitionOf, typename Visit>
asio::awaitable<void> visit_on_owners(shard_services& services,
                                      const std::vector<std::size_t>& indexes,
                                      PartitionOf partition_of, Visit visit) {
    auto batches = batch_by_owner(
        services, indexes.size(), [&](std::size_t item) { return partition_of(indexes[item]); },
        batching::by_owner);
    for (const owner_batch& batch : batches) {
        auto visit_batch = [&indexes, &visit,
                            &items = batch.items](cluster::partition_manager& manager) {
            for (std::size_t item : items) {
                visit(manager, indexes[item]);
            }
        };
        co_await on_owner(services, batch.owner, std::move(visit_batch));
    }
}

// Whether this node hosts partitions at all (false in tests without storage).
inline bool hosts_partitions(const shard_services& services) {
    return !services.partitions_by_shard.empty();
}

// Whether the metadata image has the topic and the partition.
inline bool partition_exists(const cluster::metadata_image& image, std::string_view topic,
                             partition_id partition) {
    const cluster::topic_metadata* found = image.find_topic(topic);
    return found != nullptr && partition.value() >= 0 &&
           static_cast<std::size_t>(partition.value()) < found->partitions.size();
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

// The hosted partition a request on the owner shard may use, or why not.
struct serving_partition {
    std::shared_ptr<cluster::partition> partition;
    protocol::error_code error = protocol::error_code::none;
};

// Finds the partition on its owner shard and checks what the request expects of it: the
// topic incarnation (a topic id, when the request names one) and the leader epoch (when
// not -1: older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH, Kafka's answers).
inline serving_partition find_serving(const cluster::partition_manager& manager,
                                      const storage::topic_partition& id,
                                      leader_epoch current_leader_epoch = leader_epoch(-1),
                                      const topic_id* expected_topic = nullptr) {
    std::shared_ptr<cluster::partition> hosted = manager.find(id);
    if (hosted == nullptr || hosted->closed()) {
        // The image names this node the leader but the log is not (or no longer) here: a
        // publication in progress. Retriable; the client refreshes its metadata.
        return {.error = protocol::error_code::not_leader_or_follower};
    }
    if (expected_topic != nullptr && !expected_topic->is_zero() &&
        hosted->topic() != *expected_topic) {
        return {.error = protocol::error_code::unknown_topic_id};
    }
    if (current_leader_epoch.value() >= 0) {
        if (current_leader_epoch < hosted->epoch()) {
            return {.error = protocol::error_code::fenced_leader_epoch};
        }
        if (current_leader_epoch > hosted->epoch()) {
            return {.error = protocol::error_code::unknown_leader_epoch};
        }
    }
    return {.partition = std::move(hosted)};
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
