#include "broker/dynamic_broker_configs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <set>
#include <vector>

#include "broker/config_value.h"
#include "broker/topic_settings.h"

namespace samsa::broker {
namespace {

using protocol::error_code;

cluster::config_outcome invalid_config(std::string message) {
    return {.error = error_code::invalid_config, .message = std::move(message)};
}

cluster::config_outcome invalid_request(std::string message) {
    return {.error = error_code::invalid_request, .message = std::move(message)};
}

// Scala's Set.toString, as Kafka's messages print a set of names.
std::string scala_set(const std::set<std::string>& names) {
    return fmt::format("Set({})", fmt::join(names, ", "));
}

// ConfigAdminManager.validateResourceNameIsCurrentNodeId: a broker resource is "" or this
// node's id.
std::optional<cluster::config_outcome> check_broker_name(std::string_view name, node_id self) {
    if (name.empty()) {
        return std::nullopt;
    }
    int32_t id = 0;
    auto [end, problem] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (problem != std::errc() || end != name.data() + name.size()) {
        return invalid_request(fmt::format("Node id must be an integer, but it is: {}", name));
    }
    if (id != self.value()) {
        return invalid_request(
            fmt::format("Unexpected broker id, expected {}, but received {}", self.value(), name));
    }
    return std::nullopt;
}

// The value a dynamic broker key gives its topic config: the same text made canonical,
// and any negative retention unlimited (Kafka's logRetentionTimeMillis).
std::optional<std::string> as_topic_value(const config_definition& broker_key,
                                          std::string_view value) {
    auto parsed = parse_config_value(broker_key, value);
    if (!parsed) {
        return std::nullopt;
    }
    if (broker_key.topic_synonym == "retention.ms") {
        if (const auto* ms = std::get_if<int64_t>(&parsed.value()); ms != nullptr && *ms < 0) {
            return "-1";
        }
    }
    return to_config_text(parsed.value());
}

// Why a value of a dynamic key is refused: its own validator, then the stricter one of the
// topic config it becomes (named after the broker key in the message).
std::optional<std::string> value_problem(const config_definition& broker_key,
                                         std::string_view value) {
    if (auto problem = check_config_value(broker_key, value)) {
        return problem;
    }
    if (broker_key.name == "log.retention.ms") {
        auto parsed = parse_config_value(broker_key, value);
        if (parsed && std::get<int64_t>(parsed.value()) == 0) {
            return fmt::format(
                "Invalid value {} for configuration {}: retention must be "
                "unlimited (-1) or at least 1 ms",
                trim(value), broker_key.name);
        }
    }
    const config_definition* topic = find_topic_config_definition(broker_key.topic_synonym);
    auto topic_value = as_topic_value(broker_key, value);
    if (topic == nullptr || !topic_value) {
        return std::nullopt;
    }
    config_definition stricter = *topic;
    stricter.name = broker_key.name;
    return check_config_value(stricter, *topic_value);
}

}  // namespace

bool is_dynamic_in_samsa(const config_definition& definition) {
    return definition.mode != update_mode::read_only && !definition.topic_synonym.empty();
}

std::optional<cluster::config_outcome> check_dynamic_broker_configs(
    std::string_view resource_name, node_id self, const cluster::config_map& current,
    const cluster::config_map& proposed) {
    if (auto problem = check_broker_name(resource_name, self)) {
        return problem;
    }
    std::vector<std::pair<const config_definition*, const std::string*>> changed;
    std::set<std::string> unknown;
    for (const auto& [key, value] : proposed) {
        auto before = current.find(key);
        if (before != current.end() && before->second == value) {
            continue;
        }
        const config_definition* definition = find_config_definition(key);
        if (definition == nullptr) {
            unknown.insert(key);
        } else {
            changed.emplace_back(definition, &value);
        }
    }
    if (!unknown.empty()) {
        return invalid_config(fmt::format("Unknown broker config name{}: {}",
                                          unknown.size() == 1 ? "" : "s",
                                          fmt::join(unknown, ", ")));
    }
    // DynamicBrokerConfig.validateConfigs' order: read-only keys, then per-broker keys at
    // the cluster level.
    std::set<std::string> read_only;
    std::set<std::string> per_broker;
    std::set<std::string> not_live;
    for (const auto& [definition, value] : changed) {
        std::string name(definition->name);
        if (definition->mode == update_mode::read_only) {
            read_only.insert(name);
        } else if (definition->mode == update_mode::per_broker && resource_name.empty()) {
            per_broker.insert(name);
        } else if (!is_dynamic_in_samsa(*definition)) {
            not_live.insert(name);
        }
    }
    if (!read_only.empty()) {
        return invalid_config("Cannot update these configs dynamically: " + scala_set(read_only));
    }
    if (!per_broker.empty()) {
        return invalid_config(
            "Cannot update these configs at default cluster level, broker id must be "
            "specified: " +
            scala_set(per_broker));
    }
    if (!not_live.empty()) {
        return invalid_config(
            "Samsa cannot apply these configs at runtime yet; set them in server.properties "
            "and restart: " +
            scala_set(not_live));
    }
    for (const auto& [definition, value] : changed) {
        if (auto problem = value_problem(*definition, *value)) {
            return invalid_config(std::move(*problem));
        }
    }
    return std::nullopt;
}

cluster::config_map dynamic_topic_defaults(const cluster::metadata_image& image, node_id self) {
    cluster::config_map defaults;
    for (const std::string& scope : {std::string(), std::to_string(self.value())}) {
        const cluster::config_map* configs = image.find_broker_configs(scope);
        if (configs == nullptr) {
            continue;
        }
        for (const auto& [key, value] : *configs) {
            const config_definition* definition = find_config_definition(key);
            if (definition == nullptr || !is_dynamic_in_samsa(*definition)) {
                continue;
            }
            if (auto topic_value = as_topic_value(*definition, value)) {
                defaults.insert_or_assign(std::string(definition->topic_synonym),
                                          std::move(*topic_value));
            }
        }
    }
    return defaults;
}

}  // namespace samsa::broker
