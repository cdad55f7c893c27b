#include "server/handlers/describe_cluster.h"

#include <fmt/format.h>

#include "protocol/acl_operation.h"

namespace samsa::server::handlers {
namespace {

using protocol::describe_cluster_request;
using protocol::describe_cluster_response;
using protocol::error_code;

// org.apache.kafka.clients.admin.EndpointType ids; a broker serves only BROKER.
constexpr int8_t broker_endpoint_type = 1;
constexpr int8_t controller_endpoint_type = 2;

describe_cluster_response refused(error_code error, std::string message) {
    describe_cluster_response response;
    response.error_code = error;
    response.error_message = std::move(message);
    return response;
}

asio::awaitable<describe_cluster_response> handle_describe_cluster(
    request_context& context, describe_cluster_request& request) {
    co_return build_describe_cluster_response(
        request, context.api_version, *context.services.metadata, context.connection.listener_name);
}

}  // namespace

describe_cluster_response build_describe_cluster_response(const describe_cluster_request& request,
                                                          int16_t version,
                                                          const cluster::metadata_image& image,
                                                          std::string_view listener_name) {
    if (request.endpoint_type == controller_endpoint_type) {
        return refused(
            version == 0 ? error_code::invalid_request : error_code::mismatched_endpoint_type,
            "The request was sent to an endpoint of type BROKER, but we wanted an "
            "endpoint of type CONTROLLER");
    }
    if (request.endpoint_type != broker_endpoint_type) {
        return refused(
            version == 0 ? error_code::invalid_request : error_code::unsupported_endpoint_type,
            fmt::format("Unsupported endpoint type {}", int{request.endpoint_type}));
    }
    describe_cluster_response response;
    response.endpoint_type = broker_endpoint_type;
    response.cluster_id = image.cluster_id();
    bool controller_listed = false;
    for (const auto& [id, broker] : image.brokers()) {
        const cluster::broker_endpoint* endpoint = broker.find_endpoint(listener_name);
        if (endpoint == nullptr || broker.fenced) {
            continue;
        }
        controller_listed = controller_listed || id == image.controller_id();
        response.brokers.push_back(
            {.broker_id = id, .host = endpoint->host, .port = endpoint->port, .rack = broker.rack});
    }
    response.controller_id = controller_listed ? image.controller_id() : node_id(-1);
    if (request.include_cluster_authorized_operations) {
        response.cluster_authorized_operations = protocol::all_cluster_operations_bitfield();
    }
    return response;
}

api_handler make_describe_cluster_handler() {
    return make_handler<protocol::message_traits<describe_cluster_request>::api_key>(
        protocol::message_traits<describe_cluster_request>::min_version,
        protocol::message_traits<describe_cluster_request>::max_version, handle_describe_cluster);
}

}  // namespace samsa::server::handlers
