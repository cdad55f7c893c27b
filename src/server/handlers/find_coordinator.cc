#include "server/handlers/find_coordinator.h"

#include "protocol/generated/find_coordinator_request.h"
#include "protocol/generated/find_coordinator_response.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::find_coordinator_request;
using protocol::find_coordinator_response;

constexpr int8_t group_key_type = 0;
constexpr int8_t transaction_key_type = 1;
constexpr int16_t first_batched_version = 4;
constexpr int16_t first_version_with_error_message = 1;

find_coordinator_response::coordinator find_one(const request_context& context,
                                                const std::string& key, int8_t key_type) {
    // Kafka's answer when it has none: node -1, host "", port -1.
    find_coordinator_response::coordinator found{.key = key, .node_id = node_id(-1), .port = -1};
    auto refuse = [&found](error_code error, std::string message) {
        found.error_code = error;
        found.error_message = std::move(message);
        return found;
    };
    if (key_type == transaction_key_type) {
        return refuse(error_code::coordinator_not_available,
                      "The transaction coordinator is not available yet.");
    }
    if (key_type != group_key_type) {
        return refuse(error_code::invalid_request,
                      "Unknown coordinator key type " + std::to_string(key_type) + ".");
    }
    const shard_services& services = context.services;
    const cluster::broker_registration* self =
        services.metadata->find_broker(services.settings.node);
    const cluster::broker_endpoint* endpoint =
        self == nullptr ? nullptr : self->find_endpoint(context.connection.listener_name);
    if (endpoint == nullptr) {
        return refuse(error_code::coordinator_not_available, "The coordinator is not available.");
    }
    found.node_id = self->id;
    found.host = endpoint->host;
    found.port = endpoint->port;
    found.error_message = std::nullopt;
    return found;
}

asio::awaitable<find_coordinator_response> find_coordinator(request_context& context,
                                                            find_coordinator_request& request) {
    find_coordinator_response response;
    if (context.api_version >= first_batched_version) {
        for (const auto& key : request.coordinator_keys) {
            response.coordinators.push_back(find_one(context, key, request.key_type));
        }
        co_return response;
    }
    auto found = find_one(context, request.key, request.key_type);
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
