#include "server/handlers/init_producer_id.h"

#include "protocol/generated/init_producer_id_request.h"
#include "protocol/generated/init_producer_id_response.h"
#include "server/transaction_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::init_producer_id_request;
using protocol::init_producer_id_response;

init_producer_id_response refused(error_code error) {
    init_producer_id_response response;
    response.error_code = error;
    response.producer_epoch = producer_epoch(-1);
    return response;
}

asio::awaitable<init_producer_id_response> handle_init_producer_id(
    request_context& context, init_producer_id_request& request) {
    shard_services& services = context.services;
    bool named_producer = request.producer_id != producer_id(-1);
    bool named_epoch = request.producer_epoch != producer_epoch(-1);
    if (named_producer != named_epoch) {
        co_return refused(error_code::invalid_request);
    }
    if (request.transactional_id && request.transactional_id->empty()) {
        co_return refused(error_code::invalid_request);
    }
    if (services.producer_ids == nullptr) {
        co_return refused(error_code::coordinator_not_available);
    }
    std::optional<transaction_route> route;
    if (request.transactional_id) {
        auto routed = route_transaction(services, *request.transactional_id);
        if (!routed) {
            co_return refused(routed.error());
        }
        route = routed.value();
    }
    // Reserved before the coordinator is asked (it may need a new id; one it does not use is
    // never handed out: ids are plentiful, and a reservation must not wait on its shard).
    auto id = co_await services.producer_ids->next_producer_id();
    if (!id) {
        co_return refused(id.error());
    }
    if (route) {
        std::optional<coordinator::producer_id_and_epoch> expected;
        if (named_producer) {
            expected = coordinator::producer_id_and_epoch{.pid = request.producer_id,
                                                          .epoch = request.producer_epoch};
        }
        auto call =
            [transactional_id = *request.transactional_id,
             timeout_ms = request.transaction_timeout_ms, expected, partition = route->partition,
             fresh = id.value()](coordinator::transaction_coordinator& transactions) mutable {
                return transactions.init_producer_id(partition, std::move(transactional_id),
                                                     timeout_ms, expected, fresh);
            };
        coordinator::init_producer_id_answer answer =
            co_await on_transaction_coordinator(services, *route, std::move(call));
        if (answer.error != error_code::none) {
            co_return refused(coordinator::error_for_request_version(
                answer.error, context.api_version,
                coordinator::init_producer_id_producer_fenced_version));
        }
        init_producer_id_response response;
        response.producer_id = answer.pid;
        response.producer_epoch = answer.epoch;
        co_return response;
    }
    init_producer_id_response response;
    response.producer_id = id.value();
    response.producer_epoch = producer_epoch(0);
    co_return response;
}

}  // namespace

api_handler make_init_producer_id_handler() {
    return make_handler<protocol::message_traits<init_producer_id_request>::api_key>(
        protocol::message_traits<init_producer_id_request>::min_version,
        protocol::message_traits<init_producer_id_request>::max_version, handle_init_producer_id);
}

}  // namespace samsa::server::handlers
