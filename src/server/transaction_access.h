#pragma once

// How a handler reaches a transactional id's coordinator: the id lives in one partition of
// __transaction_state (transaction_state_topic.h), that partition on one shard, and the
// shard's coordinator::transaction_coordinator serves it. Like group_access.h for groups.

#include <asio/awaitable.hpp>

#include <string_view>

#include "base/result.h"
#include "cluster/placement.h"
#include "coordinator/transaction_coordinator.h"
#include "runtime/cross_shard.h"
#include "server/shard_services.h"
#include "server/transaction_state_topic.h"

namespace samsa::server {

struct transaction_route {
    uint32_t owner = 0;  // the shard
    partition_id partition;
};

// Where the transactional id's requests go, or the error Kafka answers instead:
// COORDINATOR_NOT_AVAILABLE before __transaction_state exists (or while its partition has no
// leader), NOT_COORDINATOR when another node leads the partition.
inline result<transaction_route, protocol::error_code> route_transaction(
    const shard_services& services, std::string_view transactional_id) {
    if (services.transactions_by_shard.empty()) {
        return failure{protocol::error_code::coordinator_not_available};
    }
    std::optional<group_placement> placement =
        place_transaction(*services.metadata, transactional_id);
    if (!placement || placement->coordinator.value() < 0) {
        return failure{protocol::error_code::coordinator_not_available};
    }
    if (placement->coordinator != services.settings.node) {
        return failure{protocol::error_code::not_coordinator};
    }
    storage::topic_partition id{std::string(coordinator::transaction_state_topic),
                                placement->partition};
    return transaction_route{.owner = cluster::shard_for(id, services.shards->size()).value(),
                             .partition = placement->partition};
}

// Runs fn(transaction_coordinator&) on the route's shard and returns its result (fn returns
// an awaitable). Pass a named lambda with std::move (g++ 12, cross_shard.h).
template <typename F>
auto on_transaction_coordinator(shard_services& services, const transaction_route& route, F fn) {
    coordinator::transaction_coordinator* transactions =
        services.transactions_by_shard.at(route.owner);
    auto call = [transactions, fn = std::move(fn)]() mutable { return fn(*transactions); };
    return runtime::invoke_on(services.shards->at(route.owner), std::move(call));
}

}  // namespace samsa::server
