#include "broker/broker_config_schema.h"

#include "broker/dynamic_broker_configs.h"
#include "broker/topic_settings.h"

namespace samsa::broker {

using cluster::config_resource_type;

broker_config_schema::broker_config_schema(std::vector<config_entry> statics, node_id self)
    : statics_(std::move(statics)), self_(self) {}

const config_entry* broker_config_schema::find_static(std::string_view key) const {
    for (const auto& entry : statics_) {
        if (entry.definition->name == key) {
            return &entry;
        }
    }
    return nullptr;
}

bool broker_config_schema::is_list(config_resource_type type, std::string_view key) const {
    const config_definition* definition = type == config_resource_type::topic
                                              ? find_topic_config_definition(key)
                                              : find_config_definition(key);
    return definition != nullptr && definition->type == config_type::list;
}

std::optional<std::string> broker_config_schema::default_value(config_resource_type type,
                                                               std::string_view key) const {
    if (type != config_resource_type::topic) {
        const config_entry* entry = find_static(key);
        return entry == nullptr ? std::nullopt : entry->value;
    }
    // The broker key defaulting the topic config (only LIST configs ask, and each has one).
    for (const auto& entry : statics_) {
        if (entry.definition->topic_synonym == key && entry.value) {
            return entry.value;
        }
    }
    return std::nullopt;
}

std::optional<cluster::config_outcome> broker_config_schema::validate(
    config_resource_type type, std::string_view resource_name, const cluster::config_map& current,
    const cluster::config_map& proposed) const {
    if (type == config_resource_type::broker) {
        return check_dynamic_broker_configs(resource_name, self_, current, proposed);
    }
    for (const auto& [key, value] : proposed) {
        if (auto problem = check_topic_config(key, value)) {
            return cluster::config_outcome{.error = protocol::error_code::invalid_config,
                                           .message = std::move(*problem)};
        }
    }
    return std::nullopt;
}

std::shared_ptr<const cluster::config_schema> make_broker_config_schema(const broker_config& config,
                                                                        node_id self) {
    return std::make_shared<broker_config_schema>(config.entries, self);
}

}  // namespace samsa::broker
