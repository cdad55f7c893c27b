#include "server/handlers/describe_configs.h"

#include <fmt/format.h>

#include "cluster/config_changes.h"
#include "protocol/generated/describe_configs_request.h"
#include "protocol/generated/describe_configs_response.h"

namespace samsa::server::handlers {
namespace {

using cluster::config_resource_type;
using protocol::describe_configs_request;
using protocol::describe_configs_response;
using protocol::error_code;

constexpr int16_t min_version = protocol::message_traits<describe_configs_request>::min_version;
constexpr int16_t max_version = protocol::message_traits<describe_configs_request>::max_version;

// DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG.
constexpr int8_t default_config_source = 5;

bool is_served(int8_t type) {
    auto resource = static_cast<config_resource_type>(type);
    return resource == config_resource_type::topic || resource == config_resource_type::broker ||
           resource == config_resource_type::broker_logger;
}

describe_configs_response::describe_configs_result refused(error_code error, std::string message) {
    return {.error_code = error, .error_message = std::move(message)};
}

asio::awaitable<describe_configs_response> handle_describe_configs(
    request_context& context, describe_configs_request& request) {
    const config_admin* admin = context.services.configs;
    describe_configs_response response;
    for (const auto& resource : request.resources) {
        describe_configs_response::describe_configs_result result;
        if (!is_served(resource.resource_type)) {
            result = refused(error_code::invalid_request,
                             fmt::format("Unsupported resource type: {}",
                                         static_cast<int>(resource.resource_type)));
        } else if (admin == nullptr || context.services.metadata == nullptr) {
            result = refused(error_code::unknown_server_error,
                             "Config administration is not available on this broker.");
        } else {
            result =
                admin->describe_configs(*context.services.metadata, resource,
                                        request.include_synonyms, request.include_documentation);
        }
        result.resource_type = resource.resource_type;
        result.resource_name = resource.resource_name;
        if (context.api_version == 0) {
            for (auto& config : result.configs) {
                config.is_default = config.config_source == default_config_source;
            }
        }
        response.results.push_back(std::move(result));
    }
    co_return response;
}

}  // namespace

api_handler make_describe_configs_handler() {
    return make_handler<32>(min_version, max_version, handle_describe_configs);
}

}  // namespace samsa::server::handlers
