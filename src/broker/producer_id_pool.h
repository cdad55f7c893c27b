#pragma once

// One shard's producer ids (server::producer_id_source): a block of ids from the controller
// (Kafka's RPCProducerIdManager on a KRaft broker, minus the RPC: the controller runs on
// shard 0 of this node), handed out in order; the next block is asked for when it runs out.
//
// When the controller refuses a block (this node not registered yet, a failed metadata log)
// the request is answered COORDINATOR_LOAD_IN_PROGRESS, which producers retry.
//
// Several coroutines may find the block empty at once: each asks for a block of its own and
// the ids it does not use are kept, so none is lost or handed out twice. What a shard holds
// is bounded by the number of concurrent InitProducerId requests on it, times the block size.

#include <deque>
#include <functional>

#include "cluster/controller.h"
#include "runtime/shard.h"
#include "server/shard_services.h"

namespace samsa::broker {

class producer_id_pool final : public server::producer_id_source {
public:
    // broker_epoch reads this node's registered broker epoch (its current image's): the
    // controller refuses a block to a stale registration.
    producer_id_pool(runtime::shard& controller_shard, cluster::controller& controller,
                     node_id self, std::function<int64_t()> broker_epoch);

    asio::awaitable<result<producer_id, protocol::error_code>> next_producer_id() override;

private:
    std::optional<producer_id> take();

    runtime::shard& controller_shard_;
    cluster::controller& controller_;
    node_id self_;
    std::function<int64_t()> broker_epoch_;
    std::deque<cluster::producer_id_block> blocks_;
};

}  // namespace samsa::broker
