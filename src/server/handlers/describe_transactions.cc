#include "server/handlers/describe_transactions.h"

#include "protocol/generated/describe_transactions_request.h"
#include "protocol/generated/describe_transactions_response.h"
#include "protocol/generated/list_transactions_request.h"
#include "protocol/generated/list_transactions_response.h"
#include "runtime/cross_shard.h"
#include "server/transaction_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::describe_transactions_request;
using protocol::describe_transactions_response;
using protocol::error_code;
using protocol::list_transactions_request;
using protocol::list_transactions_response;

asio::awaitable<describe_transactions_response::transaction_state_data> describe_one(
    shard_services& services, const std::string& transactional_id) {
    describe_transactions_response::transaction_state_data answer;
    answer.transactional_id = transactional_id;
    auto route = route_transaction(services, transactional_id);
    if (!route) {
        answer.error_code = route.error();
        co_return answer;
    }
    auto call = [id = transactional_id, partition = route.value().partition](
                    coordinator::transaction_coordinator& transactions) mutable {
        return transactions.describe(partition, std::move(id));
    };
    coordinator::transaction_description described =
        co_await on_transaction_coordinator(services, route.value(), std::move(call));
    answer.error_code = described.error;
    if (described.error != error_code::none) {
        co_return answer;
    }
    answer.transaction_state = std::string(described.state);
    answer.transaction_timeout_ms = described.timeout_ms;
    answer.transaction_start_time_ms = described.start_ms;
    answer.producer_id = described.pid;
    answer.producer_epoch = described.epoch;
    for (auto& topic : described.topics) {
        answer.topics.push_back(
            {.topic = std::move(topic.topic), .partitions = std::move(topic.partitions)});
    }
    co_return answer;
}

asio::awaitable<describe_transactions_response> describe_transactions(
    request_context& context, describe_transactions_request& request) {
    describe_transactions_response response;
    for (const auto& id : request.transactional_ids) {
        response.transaction_states.push_back(co_await describe_one(context.services, id));
    }
    co_return response;
}

asio::awaitable<list_transactions_response> list_transactions(request_context& context,
                                                              list_transactions_request& request) {
    shard_services& services = context.services;
    list_transactions_response response;
    std::optional<int64_t> min_duration_ms;
    if (request.duration_filter >= 0) {
        min_duration_ms = request.duration_filter;
    }
    std::vector<coordinator::transaction_coordinator*> coordinators =
        services.transactions_by_shard;
    for (std::size_t shard = 0; shard < coordinators.size(); ++shard) {
        auto list = [coordinator = coordinators[shard], &request, min_duration_ms]() {
            return coordinator->list(request.state_filters, request.producer_id_filters,
                                     min_duration_ms);
        };
        coordinator::transaction_listing listed = co_await runtime::invoke_on(
            services.shards->at(static_cast<uint32_t>(shard)), std::move(list));
        response.unknown_state_filters = std::move(listed.unknown_state_filters);
        for (auto& each : listed.transactions) {
            response.transaction_states.push_back(
                {.transactional_id = std::move(each.transactional_id),
                 .producer_id = each.pid,
                 .transaction_state = std::string(each.state)});
        }
    }
    co_return response;
}

}  // namespace

api_handler make_describe_transactions_handler() {
    return make_handler<protocol::message_traits<describe_transactions_request>::api_key>(
        protocol::message_traits<describe_transactions_request>::min_version,
        protocol::message_traits<describe_transactions_request>::max_version,
        describe_transactions);
}

api_handler make_list_transactions_handler() {
    return make_handler<protocol::message_traits<list_transactions_request>::api_key>(
        protocol::message_traits<list_transactions_request>::min_version,
        protocol::message_traits<list_transactions_request>::max_version, list_transactions);
}

}  // namespace samsa::server::handlers
