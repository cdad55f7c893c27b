#include "server/handlers/alter_configs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <set>

#include "base/assert.h"
#include "cluster/config_changes.h"
#include "protocol/generated/alter_configs_request.h"
#include "protocol/generated/alter_configs_response.h"
#include "protocol/generated/incremental_alter_configs_request.h"
#include "protocol/generated/incremental_alter_configs_response.h"

namespace samsa::server::handlers {
namespace {

using cluster::config_operation;
using cluster::config_resource_type;
using protocol::error_code;

// Both requests' resources in one shape: AlterConfigs' configs are all SETs.
struct requested_config {
    std::string name;
    int8_t operation = 0;
    std::optional<std::string> value;
};

struct requested_resource {
    int8_t type = 0;
    std::string name;
    std::vector<requested_config> configs;
};

struct resource_answer {
    error_code error = error_code::none;
    std::optional<std::string> message;
};

resource_answer refused(error_code error, std::string message) {
    return {.error = error, .message = std::move(message)};
}

bool is_known_operation(int8_t operation) {
    return operation >= static_cast<int8_t>(config_operation::set) &&
           operation <= static_cast<int8_t>(config_operation::subtract);
}

// Kafka's ConfigAdminManager.preprocess: why this resource is answered without the
// controller, or nothing.
std::optional<resource_answer> preprocess(const requested_resource& resource, int mentions,
                                          bool incremental, bool has_admin) {
    if (mentions > 1) {
        return refused(error_code::invalid_request, "Each resource must appear at most once.");
    }
    std::set<std::string, std::less<>> names;
    std::vector<std::string> null_values;
    for (const auto& config : resource.configs) {
        if (!names.insert(config.name).second) {
            return refused(error_code::invalid_request, "Error due to duplicate config keys");
        }
        if (!is_known_operation(config.operation)) {
            return refused(
                error_code::invalid_request,
                fmt::format("Unknown operations type {}", static_cast<int>(config.operation)));
        }
        if (config.operation != static_cast<int8_t>(config_operation::remove) && !config.value) {
            null_values.push_back(config.name);
        }
    }
    if (!null_values.empty()) {
        return refused(error_code::invalid_request, fmt::format("Null value not supported for : {}",
                                                                fmt::join(null_values, ", ")));
    }
    auto type = static_cast<config_resource_type>(resource.type);
    if (incremental && type == config_resource_type::broker_logger) {
        return refused(error_code::invalid_config,
                       "Samsa's log level is set when the broker starts (--log-level) and cannot "
                       "change at runtime yet.");
    }
    if (type != config_resource_type::topic && type != config_resource_type::broker) {
        return refused(error_code::invalid_request,
                       fmt::format("Unknown resource type {}", static_cast<int>(resource.type)));
    }
    if (!has_admin) {
        return refused(error_code::unknown_server_error,
                       "Config administration is not available on this broker.");
    }
    return std::nullopt;
}

cluster::config_alteration to_alteration(const requested_resource& resource, bool replaces_all) {
    cluster::config_alteration alteration{.type = static_cast<config_resource_type>(resource.type),
                                          .resource_name = resource.name,
                                          .replaces_all = replaces_all};
    for (const auto& config : resource.configs) {
        alteration.changes.push_back({.name = config.name,
                                      .operation = static_cast<config_operation>(config.operation),
                                      .value = config.value});
    }
    return alteration;
}

// The answer to every resource, in request order.
asio::awaitable<std::vector<resource_answer>> alter_resources(
    request_context& context, const std::vector<requested_resource>& resources, bool incremental,
    bool validate_only) {
    std::map<std::pair<int8_t, std::string>, int> mentions;
    for (const auto& resource : resources) {
        ++mentions[{resource.type, resource.name}];
    }
    config_admin* admin = context.services.configs;
    std::vector<resource_answer> answers(resources.size());
    std::vector<cluster::config_alteration> alterations;
    std::vector<std::size_t> pending;  // answers index of each alteration
    for (std::size_t index = 0; index < resources.size(); ++index) {
        const requested_resource& resource = resources[index];
        int named = mentions[{resource.type, resource.name}];
        if (auto refusal = preprocess(resource, named, incremental, admin != nullptr)) {
            answers[index] = std::move(*refusal);
            continue;
        }
        pending.push_back(index);
        alterations.push_back(to_alteration(resource, !incremental));
    }
    if (!alterations.empty()) {
        auto outcomes = co_await admin->alter_configs(std::move(alterations), validate_only);
        SAMSA_ASSERT(outcomes.size() == pending.size(), "%zu outcomes for %zu resources",
                     outcomes.size(), pending.size());
        for (std::size_t index = 0; index < outcomes.size(); ++index) {
            answers[pending[index]] = {.error = outcomes[index].error,
                                       .message = outcomes[index].message};
        }
    }
    co_return answers;
}

// AlterConfigs' configs are all SETs.
requested_config config_of(const protocol::alter_configs_request::alterable_config& config) {
    return {.name = config.name, .value = config.value};
}

requested_config config_of(
    const protocol::incremental_alter_configs_request::alterable_config& config) {
    return {.name = config.name, .operation = config.config_operation, .value = config.value};
}

template <typename Request>
std::vector<requested_resource> requested_resources(const Request& request) {
    std::vector<requested_resource> resources;
    for (const auto& resource : request.resources) {
        requested_resource each{.type = resource.resource_type, .name = resource.resource_name};
        for (const auto& config : resource.configs) {
            each.configs.push_back(config_of(config));
        }
        resources.push_back(std::move(each));
    }
    return resources;
}

// Either API's response: one answer per resource, in request order.
template <typename Response>
Response response_of(const std::vector<requested_resource>& resources,
                     const std::vector<resource_answer>& answers) {
    Response response;
    for (std::size_t index = 0; index < resources.size(); ++index) {
        const resource_answer& answer = answers[index];
        response.responses.push_back(
            {.error_code = answer.error,
             .error_message = answer.error == error_code::none ? std::nullopt : answer.message,
             .resource_type = resources[index].type,
             .resource_name = resources[index].name});
    }
    return response;
}

asio::awaitable<protocol::alter_configs_response> handle_alter_configs(
    request_context& context, protocol::alter_configs_request& request) {
    std::vector<requested_resource> resources = requested_resources(request);
    auto answers = co_await alter_resources(context, resources, false, request.validate_only);
    co_return response_of<protocol::alter_configs_response>(resources, answers);
}

asio::awaitable<protocol::incremental_alter_configs_response> handle_incremental_alter_configs(
    request_context& context, protocol::incremental_alter_configs_request& request) {
    std::vector<requested_resource> resources = requested_resources(request);
    auto answers = co_await alter_resources(context, resources, true, request.validate_only);
    co_return response_of<protocol::incremental_alter_configs_response>(resources, answers);
}

}  // namespace

api_handler make_alter_configs_handler() {
    using request = protocol::alter_configs_request;
    return make_handler<33>(protocol::message_traits<request>::min_version,
                            protocol::message_traits<request>::max_version, handle_alter_configs);
}

api_handler make_incremental_alter_configs_handler() {
    using request = protocol::incremental_alter_configs_request;
    return make_handler<44>(protocol::message_traits<request>::min_version,
                            protocol::message_traits<request>::max_version,
                            handle_incremental_alter_configs);
}

}  // namespace samsa::server::handlers
