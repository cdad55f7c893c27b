#include "client/config_alteration.h"

#include "client/kafka_connection.h"
#include "protocol/generated/incremental_alter_configs_request.h"
#include "protocol/generated/incremental_alter_configs_response.h"

namespace samsa::client {

namespace {

std::string describe_target(const config_alteration& alteration) {
    if (alteration.type == alteration_target::topic) {
        return "topic \"" + alteration.name + "\"";
    }
    return alteration.name.empty() ? std::string("the cluster-wide broker default")
                                   : "broker " + alteration.name;
}

}  // namespace

client_result<bool> alter_configs_incrementally(const connection_settings& settings,
                                                const config_alteration& alteration) {
    auto connection = alteration.address
                          ? kafka_connection::open(alteration.address->first,
                                                   alteration.address->second, settings.timeout_ms)
                          : kafka_connection::open_any(settings);
    if (!connection) {
        return failure{connection.error()};
    }
    protocol::incremental_alter_configs_request request;
    protocol::incremental_alter_configs_request::alter_configs_resource resource;
    resource.resource_type =
        alteration.type == alteration_target::topic ? resource_type_topic : resource_type_broker;
    resource.resource_name = alteration.name;
    for (const auto& [name, value] : alteration.set) {
        protocol::incremental_alter_configs_request::alterable_config config;
        config.name = name;
        config.config_operation = operation_set;
        config.value = value;
        resource.configs.push_back(std::move(config));
    }
    for (const auto& name : alteration.remove) {
        protocol::incremental_alter_configs_request::alterable_config config;
        config.name = name;
        config.config_operation = operation_delete;
        config.value = std::nullopt;
        resource.configs.push_back(std::move(config));
    }
    request.resources.push_back(std::move(resource));
    auto response = connection->send<protocol::incremental_alter_configs_response>(request);
    if (!response) {
        return failure{response.error()};
    }
    std::string what = "alter the configs of " + describe_target(alteration);
    if (response->responses.empty()) {
        return failure{refused("cannot " + what + ": the broker answered nothing")};
    }
    for (const auto& answer : response->responses) {
        if (answer.error_code == protocol::error_code::none) {
            continue;
        }
        if (answer.error_code == protocol::error_code::unknown_topic_or_partition &&
            alteration.type == alteration_target::topic) {
            return failure{refused("topic \"" + alteration.name + "\" does not exist")};
        }
        std::string reason = answer.error_message && !answer.error_message->empty()
                                 ? *answer.error_message
                                 : std::string(protocol::error_code_name(answer.error_code));
        return failure{refused("cannot " + what + ": " + reason + " (" +
                               std::string(protocol::error_code_name(answer.error_code)) + ")")};
    }
    return true;
}

}  // namespace samsa::client
