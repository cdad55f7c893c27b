#include "broker/config_description.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/config_value.h"
#include "broker/dynamic_broker_configs.h"
#include "broker/topic_settings.h"
#include "cluster/config_changes.h"
#include "cluster/topic_name.h"

namespace samsa::broker {
namespace {

using protocol::describe_configs_request;
using protocol::describe_configs_response;
using protocol::error_code;
using resource_result = describe_configs_response::describe_configs_result;
using config_result = describe_configs_response::describe_configs_resource_result;
using synonym = describe_configs_response::describe_configs_synonym;

constexpr int64_t ms_per_minute = 60'000;
constexpr int64_t ms_per_hour = 60 * ms_per_minute;
constexpr std::string_view root_logger = "root";

resource_result refused(error_code error, std::string message) {
    return {.error_code = error, .error_message = std::move(message)};
}

// The configuration_keys of a resource: null or empty is every key. A set, so a request
// naming many keys costs what it carries.
class key_filter {
public:
    explicit key_filter(const describe_configs_request::describe_configs_resource& resource) {
        if (resource.configuration_keys && !resource.configuration_keys->empty()) {
            every_key_ = false;
            names_.insert(resource.configuration_keys->begin(), resource.configuration_keys->end());
        }
    }

    bool wants(std::string_view name) const { return every_key_ || names_.contains(name); }

private:
    bool every_key_ = true;
    std::set<std::string_view> names_;
};

// The value as Kafka's ConfigDef.convertToString prints it; text that does not parse (a
// metadata log written by something else) is shown as it is.
std::string canonical(const config_definition& definition, std::string_view text) {
    auto parsed = parse_config_value(definition, text);
    return parsed ? to_config_text(parsed.value()) : std::string(text);
}

std::optional<int64_t> integer_of(const config_value& value) {
    if (const auto* v16 = std::get_if<int16_t>(&value)) {
        return *v16;
    }
    if (const auto* v32 = std::get_if<int32_t>(&value)) {
        return *v32;
    }
    if (const auto* v64 = std::get_if<int64_t>(&value)) {
        return *v64;
    }
    return std::nullopt;
}

// A broker key's value as the topic config it defaults: hours and minutes in ms, and any
// negative retention unlimited (Kafka's ConfigSynonym converters, logRetentionTimeMillis).
std::optional<std::string> in_topic_units(const config_definition& broker_key,
                                          const std::optional<std::string>& value) {
    if (!value) {
        return std::nullopt;
    }
    auto parsed = parse_config_value(broker_key, *value);
    std::optional<int64_t> number = parsed ? integer_of(parsed.value()) : std::nullopt;
    if (!number) {
        return value;
    }
    if (broker_key.name.ends_with(".hours")) {
        *number *= ms_per_hour;
    } else if (broker_key.name.ends_with(".minutes")) {
        *number *= ms_per_minute;
    }
    if (broker_key.topic_synonym == "retention.ms" && *number < 0) {
        *number = -1;
    }
    return std::to_string(*number);
}

// The broker keys that are synonyms of `name` in Kafka's brokerConfigSynonyms: the keys
// defaulting one topic config (log.retention.ms, .minutes, .hours), else the key alone.
std::vector<const config_definition*> synonym_group(const config_definition& key) {
    std::vector<const config_definition*> group;
    for (const auto& each : config_definitions()) {
        if (&each == &key ||
            (!key.topic_synonym.empty() && each.topic_synonym == key.topic_synonym)) {
            group.push_back(&each);
        }
    }
    return group;
}

class describer {
public:
    describer(const describe_context& context, const cluster::metadata_image& image)
        : context_(context),
          own_dynamic_(image.find_broker_configs(std::to_string(context.self.value()))),
          default_dynamic_(image.find_broker_configs("")) {}

    // Kafka's configSynonyms: the keys' values by source, then by the keys' order.
    std::vector<synonym> broker_synonyms(std::span<const config_definition* const> keys) const {
        std::vector<synonym> synonyms;
        auto add = [&](const config_definition& key, std::string_view text,
                       config_source_id source) {
            std::optional<std::string> value;
            if (!key.sensitive()) {
                value = canonical(key, text);
            }
            synonyms.push_back({.name = std::string(key.name),
                                .value = value,
                                .source = static_cast<int8_t>(source)});
        };
        auto add_dynamic = [&](const cluster::config_map* configs, config_source_id source) {
            for (const config_definition* key : keys) {
                if (configs != nullptr) {
                    if (auto found = configs->find(key->name); found != configs->end()) {
                        add(*key, found->second, source);
                    }
                }
            }
        };
        add_dynamic(own_dynamic_, config_source_id::dynamic_broker_config);
        add_dynamic(default_dynamic_, config_source_id::dynamic_default_broker_config);
        for (const config_definition* key : keys) {
            const config_entry* entry = find_static(*key);
            if (entry != nullptr && entry->source == config_source::static_broker_config &&
                entry->value) {
                add(*key, *entry->value, config_source_id::static_broker_config);
            }
        }
        for (const config_definition* key : keys) {
            if (key->default_value) {
                add(*key, *key->default_value, config_source_id::default_config);
            }
        }
        return synonyms;
    }

    config_result topic_config(const config_definition& topic_key, const cluster::config_map* own,
                               bool include_synonyms) const {
        std::vector<synonym> synonyms;
        if (own != nullptr) {
            if (auto found = own->find(topic_key.name); found != own->end()) {
                synonyms.push_back({.name = std::string(topic_key.name),
                                    .value = canonical(topic_key, found->second),
                                    .source = static_cast<int8_t>(config_source_id::topic_config)});
            }
        }
        std::vector<const config_definition*> broker_keys;
        for (const auto& each : config_definitions()) {
            if (each.topic_synonym == topic_key.name) {
                broker_keys.push_back(&each);
            }
        }
        for (auto& each : broker_synonyms(broker_keys)) {
            synonyms.push_back(std::move(each));
        }
        config_result result = entry(topic_key, std::nullopt, synonyms, false);
        if (!synonyms.empty()) {
            const synonym& head = synonyms.front();
            const config_definition* head_key = find_config_definition(head.name);
            result.value = head_key == nullptr ? head.value : in_topic_units(*head_key, head.value);
        }
        if (!include_synonyms) {
            result.synonyms.clear();
        }
        return result;
    }

    // One broker key; `cluster_default`: as the "" resource describes it.
    config_result broker_config(const config_definition& key, bool cluster_default,
                                bool include_synonyms) const {
        std::vector<synonym> synonyms = broker_synonyms(synonym_group(key));
        auto own_first = std::find_if(synonyms.begin(), synonyms.end(),
                                      [&](const synonym& each) { return each.name == key.name; });
        synonyms.erase(synonyms.begin(), own_first);
        if (cluster_default) {
            std::erase_if(synonyms, [](const synonym& each) {
                return each.source !=
                       static_cast<int8_t>(config_source_id::dynamic_default_broker_config);
            });
        }
        std::optional<std::string> value = effective_value(key, cluster_default);
        if (key.sensitive()) {
            value = std::nullopt;
        }
        config_result result = entry(key, value, synonyms, !is_dynamic_in_samsa(key));
        if (!include_synonyms) {
            result.synonyms.clear();
        }
        return result;
    }

private:
    const config_entry* find_static(const config_definition& key) const {
        for (const auto& entry : context_.statics) {
            if (entry.definition == &key || entry.definition->name == key.name) {
                return &entry;
            }
        }
        return nullptr;
    }

    std::optional<std::string> effective_value(const config_definition& key,
                                               bool cluster_default) const {
        std::vector<const cluster::config_map*> layers{default_dynamic_};
        if (!cluster_default) {
            layers.insert(layers.begin(), own_dynamic_);
        }
        for (const cluster::config_map* layer : layers) {
            if (layer != nullptr) {
                if (auto found = layer->find(key.name); found != layer->end()) {
                    return canonical(key, found->second);
                }
            }
        }
        if (cluster_default) {
            return std::nullopt;
        }
        const config_entry* entry = find_static(key);
        return entry == nullptr ? std::nullopt : entry->value;
    }

    static config_result entry(const config_definition& key, std::optional<std::string> value,
                               const std::vector<synonym>& synonyms, bool read_only) {
        config_source_id source = synonyms.empty()
                                      ? config_source_id::default_config
                                      : static_cast<config_source_id>(synonyms.front().source);
        return {.name = std::string(key.name),
                .value = std::move(value),
                .read_only = read_only,
                .config_source = static_cast<int8_t>(source),
                .is_sensitive = key.sensitive(),
                .synonyms = synonyms,
                .config_type = static_cast<int8_t>(key.type),
                .documentation = std::nullopt};
    }

    const describe_context& context_;
    const cluster::config_map* own_dynamic_;
    const cluster::config_map* default_dynamic_;
};

std::vector<const config_definition*> by_name(std::span<const config_definition> definitions) {
    std::vector<const config_definition*> sorted;
    for (const auto& each : definitions) {
        sorted.push_back(&each);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return a->name < b->name; });
    return sorted;
}

resource_result describe_topic(const describe_context& context,
                               const cluster::metadata_image& image,
                               const describe_configs_request::describe_configs_resource& resource,
                               bool include_synonyms) {
    const std::string& name = resource.resource_name;
    if (!cluster::is_valid_topic_name(name)) {
        return refused(error_code::invalid_topic_exception,
                       fmt::format("Topic name '{}' is illegal.", name));
    }
    if (image.find_topic(name) == nullptr) {
        return refused(error_code::unknown_topic_or_partition,
                       fmt::format("The topic '{}' does not exist.", name));
    }
    describer describe(context, image);
    const cluster::config_map* own = image.find_topic_configs(name);
    resource_result result{.error_message = std::nullopt};
    key_filter filter(resource);
    for (const config_definition* key : by_name(topic_config_definitions())) {
        if (filter.wants(key->name)) {
            result.configs.push_back(describe.topic_config(*key, own, include_synonyms));
        }
    }
    return result;
}

// The broker id a BROKER or BROKER_LOGGER resource names, or Kafka's refusal.
result<int32_t, resource_result> broker_id_of(std::string_view name) {
    int32_t id = 0;
    auto [end, problem] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (name.empty() || problem != std::errc() || end != name.data() + name.size()) {
        return failure{refused(error_code::invalid_request,
                               fmt::format("Broker id must be an integer, but it is: {}", name))};
    }
    return id;
}

resource_result describe_broker(const describe_context& context,
                                const cluster::metadata_image& image,
                                const describe_configs_request::describe_configs_resource& resource,
                                bool include_synonyms) {
    const std::string& name = resource.resource_name;
    bool cluster_default = name.empty();
    if (!cluster_default) {
        auto id = broker_id_of(name);
        if (!id) {
            return id.error();
        }
        if (id.value() != context.self.value()) {
            return refused(error_code::invalid_request,
                           fmt::format("Unexpected broker id, expected {} or empty string, but "
                                       "received {}",
                                       context.self.value(), name));
        }
    }
    describer describe(context, image);
    const cluster::config_map* defaults = image.find_broker_configs("");
    resource_result result{.error_message = std::nullopt};
    key_filter filter(resource);
    for (const config_definition* key : by_name(config_definitions())) {
        bool listed = !cluster_default || (defaults != nullptr && defaults->contains(key->name));
        if (listed && filter.wants(key->name)) {
            result.configs.push_back(
                describe.broker_config(*key, cluster_default, include_synonyms));
        }
    }
    return result;
}

resource_result describe_loggers(
    const describe_context& context,
    const describe_configs_request::describe_configs_resource& resource) {
    const std::string& name = resource.resource_name;
    if (name.empty()) {
        return refused(error_code::invalid_request, "Broker id must not be empty");
    }
    auto id = broker_id_of(name);
    if (!id) {
        return id.error();
    }
    if (id.value() != context.self.value()) {
        return refused(error_code::invalid_request,
                       fmt::format("Unexpected broker id, expected {} but received {}",
                                   context.self.value(), name));
    }
    resource_result result{.error_message = std::nullopt};
    if (key_filter(resource).wants(root_logger)) {
        result.configs.push_back(
            {.name = std::string(root_logger),
             .value = std::string(context.root_log_level),
             .config_source = static_cast<int8_t>(config_source_id::dynamic_broker_logger_config),
             .documentation = std::nullopt});
    }
    return result;
}

}  // namespace

protocol::describe_configs_response::describe_configs_result describe_config_resource(
    const describe_context& context, const cluster::metadata_image& image,
    const describe_configs_request::describe_configs_resource& resource, bool include_synonyms) {
    resource_result result;
    switch (static_cast<cluster::config_resource_type>(resource.resource_type)) {
        case cluster::config_resource_type::topic:
            result = describe_topic(context, image, resource, include_synonyms);
            break;
        case cluster::config_resource_type::broker:
            result = describe_broker(context, image, resource, include_synonyms);
            break;
        case cluster::config_resource_type::broker_logger:
            result = describe_loggers(context, resource);
            break;
        default:
            result = refused(error_code::invalid_request,
                             fmt::format("Unsupported resource type: {}",
                                         static_cast<int>(resource.resource_type)));
    }
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    return result;
}

}  // namespace samsa::broker
