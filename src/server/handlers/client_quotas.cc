#include "server/handlers/client_quotas.h"

#include "base/assert.h"
#include "cluster/client_quotas.h"
#include "protocol/generated/alter_client_quotas_request.h"
#include "protocol/generated/alter_client_quotas_response.h"
#include "protocol/generated/describe_client_quotas_request.h"
#include "protocol/generated/describe_client_quotas_response.h"

namespace samsa::server::handlers {
namespace {

using protocol::alter_client_quotas_request;
using protocol::alter_client_quotas_response;
using protocol::describe_client_quotas_request;
using protocol::describe_client_quotas_response;
using protocol::error_code;

asio::awaitable<describe_client_quotas_response> handle_describe_client_quotas(
    request_context& context, describe_client_quotas_request& request) {
    describe_client_quotas_response response;
    if (context.services.metadata == nullptr) {
        response.error_code = error_code::unknown_server_error;
        response.error_message = "No metadata image on this broker yet.";
        co_return response;
    }
    std::vector<cluster::quota_filter_component> components;
    for (const auto& component : request.components) {
        components.push_back({.entity_type = component.entity_type,
                              .match_type = component.match_type,
                              .match = component.match});
    }
    cluster::quota_description description =
        cluster::describe_client_quotas(*context.services.metadata, components, request.strict);
    response.error_code = description.error;
    if (description.error != error_code::none) {
        response.error_message = description.message;
        co_return response;
    }
    response.error_message = std::nullopt;
    response.entries.emplace();
    for (const auto& [entity, values] : description.entries) {
        describe_client_quotas_response::entry_data entry;
        for (const auto& part : entity) {
            entry.entity.push_back({.entity_type = part.type, .entity_name = part.name});
        }
        for (const auto& [key, value] : values) {
            entry.values.push_back({.key = key, .value = value});
        }
        response.entries->push_back(std::move(entry));
    }
    co_return response;
}

cluster::quota_alteration to_alteration(const alter_client_quotas_request::entry_data& entry) {
    cluster::quota_alteration alteration;
    for (const auto& part : entry.entity) {
        alteration.entity.push_back({.type = part.entity_type, .name = part.entity_name});
    }
    for (const auto& op : entry.ops) {
        alteration.operations.push_back(
            {.key = op.key, .value = op.remove ? std::nullopt : std::optional<double>(op.value)});
    }
    return alteration;
}

asio::awaitable<alter_client_quotas_response> handle_alter_client_quotas(
    request_context& context, alter_client_quotas_request& request) {
    alter_client_quotas_response response;
    for (const auto& entry : request.entries) {
        alter_client_quotas_response::entry_data answer{.error_message = std::nullopt};
        for (const auto& part : entry.entity) {
            answer.entity.push_back(
                {.entity_type = part.entity_type, .entity_name = part.entity_name});
        }
        response.entries.push_back(std::move(answer));
    }
    if (request.entries.empty()) {
        co_return response;
    }
    config_admin* admin = context.services.configs;
    if (admin == nullptr) {
        for (auto& answer : response.entries) {
            answer.error_code = error_code::unknown_server_error;
            answer.error_message = "Client quota administration is not available on this broker.";
        }
        co_return response;
    }
    std::vector<cluster::quota_alteration> alterations;
    for (const auto& entry : request.entries) {
        alterations.push_back(to_alteration(entry));
    }
    auto outcomes =
        co_await admin->alter_client_quotas(std::move(alterations), request.validate_only);
    SAMSA_ASSERT(outcomes.size() == response.entries.size(), "%zu outcomes for %zu entries",
                 outcomes.size(), response.entries.size());
    for (std::size_t index = 0; index < outcomes.size(); ++index) {
        response.entries[index].error_code = outcomes[index].error;
        if (outcomes[index].error != error_code::none) {
            response.entries[index].error_message = outcomes[index].message;
        }
    }
    co_return response;
}

}  // namespace

api_handler make_describe_client_quotas_handler() {
    using request = describe_client_quotas_request;
    return make_handler<48>(protocol::message_traits<request>::min_version,
                            protocol::message_traits<request>::max_version,
                            handle_describe_client_quotas);
}

api_handler make_alter_client_quotas_handler() {
    using request = alter_client_quotas_request;
    return make_handler<49>(protocol::message_traits<request>::min_version,
                            protocol::message_traits<request>::max_version,
                            handle_alter_client_quotas);
}

}  // namespace samsa::server::handlers
