#include "server/handlers/find_coordinator.h"

#include "protocol/generated/find_coordinator_request.h"
#include "protocol/generated/find_coordinator_response.h"
#include "server/offsets_topic.h"
#include "server/transaction_state_topic.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::find_coordinator_request;
using protocol::find_coordinator_response;

constexpr int8_t group_key_type = 0;
constexpr int8_t transaction_key_type = 1;
constexpr int16_t first_batched_version = 4;
constexpr int16_t first_version_with_error_message = 1;

find_coordinator_response::coordinator refusal(const std::string& key, error_code error,
                                               std::string message) {
    // Kafka's answer when it has none: node -1, host "", port -1.
    return {.key = key,
            .node_id = node_id(-1),
            .port = -1,
            .error_code = error,
            .error_message = std::move(message)};
}

asio::awaitable<find_coordinator_response::coordinator> find_one(request_context& context,
                                                                 const std::string& key,
                                                                 int8_t key_type) {
    if (key_type != group_key_type && key_type != transaction_key_type) {
        co_return refusal(key, error_code::invalid_request,
                          "Unknown coordinator key type " + std::to_string(key_type) + ".");
    }
    shard_services& services = context.services;
    const bool for_transactions = key_type == transaction_key_type;
    if (for_transactions && key.empty()) {
        // Kafka: a transactional id is never empty.
        co_return refusal(key, error_code::invalid_request, "Empty transactional id.");
    }
    std::optional<group_placement> placement = for_transactions
                                                   ? place_transaction(*services.metadata, key)
                                                   : place_group(*services.metadata, key);
    if (!placement) {
        error_code created = for_transactions ? co_await create_transaction_state_topic(services)
                                              : co_await create_offsets_topic(services);
        if (created != error_code::none) {
            log::warn("cannot create {}: {}",
                      for_transactions ? coordinator::transaction_state_topic
                                       : cluster::consumer_offsets_topic,
                      protocol::error_code_name(created));
        }
        // Kafka's answer while the topic is being created: retry later.
        co_return refusal(key, error_code::coordinator_not_available,
                          "The coordinator is not available.");
    }
    const cluster::broker_registration* coordinator =
        services.metadata->find_broker(placement->coordinator);
    const cluster::broker_endpoint* endpoint =
        coordinator == nullptr ? nullptr
                               : coordinator->find_endpoint(context.connection.listener_name);
    if (endpoint == nullptr) {
        co_return refusal(key, error_code::coordinator_not_available,
                          "The coordinator is not available.");
    }
    co_return find_coordinator_response::coordinator{.key = key,
                                                     .node_id = coordinator->id,
                                                     .host = endpoint->host,
                                                     .port = endpoint->port,
                                                     .error_message = std::nullopt};
}

asio::awaitable<find_coordinator_response> find_coordinator(request_context& context,
                                                            find_coordinator_request& request) {
    find_coordinator_response response;
    if (context.api_version >= first_batched_version) {
        for (const auto& key : request.coordinator_keys) {
            response.coordinators.push_back(co_await find_one(context, key, request.key_type));
        }
        co_return response;
    }
    auto found = co_await find_one(context, request.key, request.key_type);
    response.error_code = found.error_code;
    if (context.api_version >= first_version_with_error_message) {
        response.error_message = found.error_message;
    }
    response.node_id = found.node_id;
    response.host = found.host;
    response.port = found.port;
    co_return response;
}

}  // namespace

api_handler make_find_coordinator_handler() {
    return make_handler<protocol::message_traits<find_coordinator_request>::api_key>(
        protocol::message_traits<find_coordinator_request>::min_version,
        protocol::message_traits<find_coordinator_request>::max_version, find_coordinator);
}

}  // namespace samsa::server::handlers
