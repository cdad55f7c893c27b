#include "cluster/config_changes.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "cluster/topic_name.h"
#include "protocol/generated/config_record.h"

namespace samsa::cluster {
namespace {

using protocol::error_code;

config_outcome refused(error_code error, std::string message) {
    return {.error = error, .message = std::move(message)};
}

// ControllerConfigurationValidator's checks of the resource name.
std::optional<config_outcome> check_resource_name(const config_alteration& alteration) {
    const std::string& name = alteration.resource_name;
    if (alteration.type == config_resource_type::topic) {
        if (name.empty()) {
            return refused(error_code::invalid_request, "Default topic resources are not allowed.");
        }
        if (!is_valid_topic_name(name)) {
            return refused(error_code::invalid_topic_exception,
                           fmt::format("Topic name '{}' is illegal: it must be 1 to {} characters "
                                       "of ASCII alphanumerics, '.', '_' and '-', and not '.' or "
                                       "'..'.",
                                       name, max_topic_name_length));
        }
        return std::nullopt;
    }
    if (alteration.type != config_resource_type::broker) {
        return refused(error_code::invalid_request,
                       fmt::format("Unknown resource type {}", static_cast<int>(alteration.type)));
    }
    if (name.empty()) {
        return std::nullopt;
    }
    int64_t id = 0;
    auto [end, problem] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (problem != std::errc() || end != name.data() + name.size() || id > INT32_MAX ||
        id < INT32_MIN) {
        return refused(error_code::invalid_request,
                       "Unable to parse broker name as a base 10 number.");
    }
    if (id < 0) {
        return refused(error_code::invalid_request, "Invalid negative broker ID.");
    }
    return std::nullopt;
}

// A LIST value's items, empty items dropped (the controller's getParts).
std::vector<std::string> list_items(std::string_view value) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t comma = value.find(',', start);
        std::size_t end = comma == std::string_view::npos ? value.size() : comma;
        if (end > start) {
            items.emplace_back(value.substr(start, end - start));
        }
        start = end + 1;
    }
    return items;
}

std::string join_items(const std::vector<std::string>& items) {
    std::string joined;
    for (const auto& item : items) {
        joined += joined.empty() ? "" : ",";
        joined += item;
    }
    return joined;
}

// Applies APPEND or SUBTRACT to `value` (the resource's, or nullopt).
std::string apply_to_list(const config_change& change, const std::optional<std::string>& value,
                          const std::optional<std::string>& default_value) {
    std::vector<std::string> items = list_items(value ? *value : default_value.value_or(""));
    for (const auto& item : list_items(change.value.value_or(""))) {
        auto found = std::find(items.begin(), items.end(), item);
        if (change.operation == config_operation::append && found == items.end()) {
            items.push_back(item);
        } else if (change.operation == config_operation::subtract && found != items.end()) {
            items.erase(found);
        }
    }
    return join_items(items);
}

// The resource's dynamic configs once the alteration is applied, or why not.
result<config_map, config_outcome> proposed_configs(const config_alteration& alteration,
                                                    const config_map& current,
                                                    const config_schema& schema) {
    config_map proposed = alteration.replaces_all ? config_map{} : current;
    for (const config_change& change : alteration.changes) {
        switch (change.operation) {
            case config_operation::set:
                proposed.insert_or_assign(change.name, change.value.value_or(""));
                break;
            case config_operation::remove:
                proposed.erase(change.name);
                break;
            case config_operation::append:
            case config_operation::subtract: {
                if (!schema.is_list(alteration.type, change.name)) {
                    return failure{
                        refused(error_code::invalid_config,
                                fmt::format("Can't {} to key {} because its type is not LIST.",
                                            to_string(change.operation), change.name))};
                }
                auto found = proposed.find(change.name);
                std::optional<std::string> value;
                if (found != proposed.end()) {
                    value = found->second;
                }
                proposed.insert_or_assign(
                    change.name, apply_to_list(change, value,
                                               schema.default_value(alteration.type, change.name)));
                break;
            }
            default:
                return failure{refused(
                    error_code::invalid_request,
                    fmt::format("Unknown operation type {}", static_cast<int>(change.operation)))};
        }
    }
    return proposed;
}

// ConfigRecords turning `current` into `proposed`: changed and new keys, then removed ones.
void append_records(const config_alteration& alteration, const config_map& current,
                    const config_map& proposed, std::vector<metadata_record>& records) {
    auto record = [&](const std::string& key, std::optional<std::string> value) {
        records.push_back(make_metadata_record(
            protocol::config_record{.resource_type = static_cast<int8_t>(alteration.type),
                                    .resource_name = alteration.resource_name,
                                    .name = key,
                                    .value = std::move(value)}));
    };
    for (const auto& [key, value] : proposed) {
        auto found = current.find(key);
        if (found == current.end() || found->second != value) {
            record(key, value);
        }
    }
    for (const auto& [key, value] : current) {
        if (!proposed.contains(key)) {
            record(key, std::nullopt);
        }
    }
}

}  // namespace

std::string_view to_string(config_operation operation) {
    switch (operation) {
        case config_operation::set:
            return "SET";
        case config_operation::remove:
            return "DELETE";
        case config_operation::append:
            return "APPEND";
        case config_operation::subtract:
            return "SUBTRACT";
    }
    return "UNKNOWN";
}

planned_config_changes plan_config_changes(const metadata_image& image,
                                           std::span<const config_alteration> alterations,
                                           const config_schema& schema) {
    planned_config_changes plan;
    std::set<std::pair<config_resource_type, std::string>> seen;
    for (const config_alteration& alteration : alterations) {
        if (!seen.emplace(alteration.type, alteration.resource_name).second) {
            plan.outcomes.push_back(
                refused(error_code::invalid_request, "Each resource must appear at most once."));
            continue;
        }
        if (auto problem = check_resource_name(alteration)) {
            plan.outcomes.push_back(std::move(*problem));
            continue;
        }
        bool topic = alteration.type == config_resource_type::topic;
        const config_map* existing = topic ? image.find_topic_configs(alteration.resource_name)
                                           : image.find_broker_configs(alteration.resource_name);
        const config_map current = existing == nullptr ? config_map{} : *existing;
        auto proposed = proposed_configs(alteration, current, schema);
        if (!proposed) {
            plan.outcomes.push_back(proposed.error());
            continue;
        }
        if (auto problem =
                schema.validate(alteration.type, alteration.resource_name, current, *proposed)) {
            plan.outcomes.push_back(std::move(*problem));
            continue;
        }
        if (topic && image.find_topic(alteration.resource_name) == nullptr) {
            plan.outcomes.push_back(
                refused(error_code::unknown_topic_or_partition,
                        fmt::format("The topic '{}' does not exist.", alteration.resource_name)));
            continue;
        }
        append_records(alteration, current, *proposed, plan.records);
        plan.outcomes.push_back({});
    }
    return plan;
}

}  // namespace samsa::cluster
