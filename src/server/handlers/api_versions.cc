#include "server/handlers/api_versions.h"

#include "protocol/generated/api_versions_request.h"
#include "protocol/header_versions.h"
#include "server/handler_registry.h"

namespace samsa::server::handlers {
namespace {

using protocol::api_versions_response;

constexpr int16_t min_version =
    protocol::message_traits<protocol::api_versions_request>::min_version;
constexpr int16_t max_version =
    protocol::message_traits<protocol::api_versions_request>::max_version;
constexpr int16_t first_version_with_software = 3;

bool is_alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

asio::awaitable<handler_result> handle_api_versions(request_context& context,
                                                    protocol::wire_reader& body) {
    const handler_registry& registry = *context.services.handlers;
    if (context.api_version < min_version || context.api_version > max_version) {
        co_return encode_response(build_unsupported_version_response(registry), 0);
    }
    protocol::api_versions_request request;
    request.read(body, context.api_version);
    if (!body.ok()) {
        co_return close_connection{std::string("malformed ApiVersions body: ") +
                                   protocol::to_string(body.error())};
    }
    if (context.api_version >= first_version_with_software) {
        if (!is_valid_client_software_field(request.client_software_name) ||
            !is_valid_client_software_field(request.client_software_version)) {
            api_versions_response invalid;
            invalid.error_code = protocol::error_code::invalid_request;
            co_return encode_response(invalid, context.api_version);
        }
        context.connection.client_software_name = request.client_software_name;
        context.connection.client_software_version = request.client_software_version;
        log::debug("connection {} from {}: client software {} {}", context.connection.id,
                   context.connection.peer, log::printable(request.client_software_name),
                   log::printable(request.client_software_version));
    }
    co_return encode_response(build_api_versions_response(registry), context.api_version);
}

}  // namespace

api_handler make_api_versions_handler() {
    return api_handler{.api_key = protocol::api_versions_key,
                       .min_version = min_version,
                       .max_version = max_version,
                       .handle = handle_api_versions};
}

api_versions_response build_api_versions_response(const handler_registry& registry) {
    api_versions_response response;
    for (const api_handler* handler : registry.served()) {
        response.api_keys.push_back({.api_key = handler->api_key,
                                     .min_version = handler->min_version,
                                     .max_version = handler->max_version});
    }
    return response;
}

api_versions_response build_unsupported_version_response(const handler_registry& registry) {
    api_versions_response response;
    response.error_code = protocol::error_code::unsupported_version;
    if (const api_handler* self = registry.find(protocol::api_versions_key)) {
        response.api_keys.push_back({.api_key = self->api_key,
                                     .min_version = self->min_version,
                                     .max_version = self->max_version});
    }
    return response;
}

bool is_valid_client_software_field(std::string_view text) {
    if (text.empty() || !is_alphanumeric(text.front()) || !is_alphanumeric(text.back())) {
        return false;
    }
    for (char c : text) {
        if (!is_alphanumeric(c) && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

}  // namespace samsa::server::handlers
