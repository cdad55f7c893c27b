#include "broker/producer_id_pool.h"

#include "base/clock.h"
#include "base/log.h"
#include "runtime/cross_shard.h"

namespace samsa::broker {
namespace {

// Asks the controller on its shard. A plain function returning the awaitable (g++ 12: a
// coroutine's parameter moved into a lambda capture is destroyed twice).
asio::awaitable<cluster::producer_ids_result> allocate_on_controller(
    runtime::shard& controller_shard, cluster::controller& controller, node_id self,
    int64_t broker_epoch) {
    auto allocate = [controller = &controller, self, broker_epoch]() {
        return controller->allocate_producer_ids(self, broker_epoch, wall_clock_ms());
    };
    return runtime::invoke_on(controller_shard, std::move(allocate));
}

}  // namespace

producer_id_pool::producer_id_pool(runtime::shard& controller_shard,
                                   cluster::controller& controller, node_id self,
                                   std::function<int64_t()> broker_epoch)
    : controller_shard_(controller_shard),
      controller_(controller),
      self_(self),
      broker_epoch_(std::move(broker_epoch)) {}

std::optional<producer_id> producer_id_pool::take() {
    while (!blocks_.empty() && blocks_.front().size == 0) {
        blocks_.pop_front();
    }
    if (blocks_.empty()) {
        return std::nullopt;
    }
    cluster::producer_id_block& block = blocks_.front();
    producer_id id(block.first);
    ++block.first;
    --block.size;
    return id;
}

asio::awaitable<result<producer_id, protocol::error_code>> producer_id_pool::next_producer_id() {
    if (auto id = take()) {
        co_return *id;
    }
    auto allocated =
        co_await allocate_on_controller(controller_shard_, controller_, self_, broker_epoch_());
    if (allocated.error != protocol::error_code::none) {
        // Kafka's answer while a broker has no block (RPCProducerIdManager): retriable, so a
        // producer arriving before this node registered tries again.
        log::warn("no producer id block from the controller: {}",
                  protocol::error_code_name(allocated.error));
        co_return failure(protocol::error_code::coordinator_load_in_progress);
    }
    blocks_.push_back(allocated.block);
    co_return *take();
}

}  // namespace samsa::broker
