#pragma once

// How a handler reaches a group's coordinator: the group lives in one partition of
// __consumer_offsets (offsets_topic.h), that partition on one shard, and the shard's
// coordinator::group_coordinator serves it. Like partition_access.h for partitions.

#include <asio/awaitable.hpp>

#include <string_view>

#include "base/result.h"
#include "cluster/placement.h"
#include "coordinator/group_coordinator.h"
#include "runtime/cross_shard.h"
#include "server/offsets_topic.h"
#include "server/shard_services.h"

namespace samsa::server {

struct group_route {
    uint32_t owner = 0;  // the shard
    partition_id partition;
};

// Where the group's requests go, or the error Kafka answers instead:
// COORDINATOR_NOT_AVAILABLE before __consumer_offsets exists (or while its partition has
// no leader), NOT_COORDINATOR when another node leads the partition.
inline result<group_route, protocol::error_code> route_group(const shard_services& services,
                                                             std::string_view group_id) {
    if (services.groups_by_shard.empty()) {
        return failure{protocol::error_code::coordinator_not_available};
    }
    std::optional<group_placement> placement = place_group(*services.metadata, group_id);
    if (!placement || placement->coordinator.value() < 0) {
        return failure{protocol::error_code::coordinator_not_available};
    }
    if (placement->coordinator != services.settings.node) {
        return failure{protocol::error_code::not_coordinator};
    }
    storage::topic_partition id{std::string(cluster::consumer_offsets_topic), placement->partition};
    return group_route{.owner = cluster::shard_for(id, services.shards->size()).value(),
                       .partition = placement->partition};
}

// Runs fn(group_coordinator&) on the route's shard and returns its result (fn returns an
// awaitable). Pass a named lambda with std::move (g++ 12, cross_shard.h).
template <typename F>
auto on_coordinator(shard_services& services, const group_route& route, F fn) {
    coordinator::group_coordinator* groups = services.groups_by_shard.at(route.owner);
    auto call = [groups, fn = std::move(fn)]() mutable { return fn(*groups); };
    return runtime::invoke_on(services.shards->at(route.owner), std::move(call));
}

}  // namespace samsa::server
