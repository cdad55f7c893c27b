#include "cluster/client_quotas.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "protocol/generated/client_quota_record.h"

namespace samsa::cluster {
namespace {

using protocol::error_code;

enum class quota_type : uint8_t { int32, int64, float64 };

struct quota_key {
    std::string_view name;
    quota_type type;
};

// Kafka's QuotaConfig.userAndClientQuotaConfigs() and ipConfigs().
constexpr quota_key user_and_client_keys[] = {
    {"producer_byte_rate", quota_type::int64},
    {"consumer_byte_rate", quota_type::int64},
    {"request_percentage", quota_type::float64},
    {"controller_mutation_rate", quota_type::float64},
};
constexpr quota_key ip_keys[] = {{"connection_creation_rate", quota_type::int32}};

quota_outcome invalid(std::string message) {
    return {.error = error_code::invalid_request, .message = std::move(message)};
}

// Kafka's ClientQuotaEntity.toString: "ClientQuotaEntity(entries={user=alice, ip=null})".
std::string describe_entity(const quota_entity& entity) {
    std::string entries;
    for (const auto& part : entity) {
        entries += entries.empty() ? "" : ", ";
        entries += fmt::format("{}={}", part.type, part.name.value_or("null"));
    }
    return fmt::format("ClientQuotaEntity(entries={{{}}})", entries);
}

bool is_ip_literal(const std::string& text) {
    unsigned char address[16];
    return inet_pton(AF_INET, text.c_str(), address) == 1 ||
           inet_pton(AF_INET6, text.c_str(), address) == 1;
}

// Kafka's validateEntity and configKeysForEntityType: the keys the entity takes, or why it
// is refused. `entity` is sorted by type.
result<std::span<const quota_key>, quota_outcome> keys_of(const quota_entity& entity) {
    if (entity.empty()) {
        return failure{invalid("Invalid empty client quota entity")};
    }
    bool user_or_client = false;
    bool ip = false;
    for (std::size_t index = 0; index < entity.size(); ++index) {
        const quota_entity_part& part = entity[index];
        if (index > 0 && entity[index - 1].type == part.type) {
            return failure{
                invalid("Invalid client quota entity, duplicate entity entry " + part.type)};
        }
        if (part.type == quota_entity_user || part.type == quota_entity_client_id) {
            user_or_client = true;
        } else if (part.type == quota_entity_ip) {
            ip = true;
        } else {
            return failure{invalid("Unhandled client quota entity type: " + part.type)};
        }
        if (part.name && part.name->empty()) {
            return failure{invalid("Empty " + part.type + " not supported")};
        }
    }
    if (ip && user_or_client) {
        return failure{invalid(
            "Invalid quota entity combination, IP entity should not be combined with User or "
            "ClientId")};
    }
    if (!ip) {
        return std::span<const quota_key>(user_and_client_keys);
    }
    // Kafka resolves host names too (InetAddress.getByName); Samsa takes IP literals only,
    // rather than block its event loop on DNS.
    const auto& name = entity.front().name;
    if (name && !is_ip_literal(*name)) {
        return failure{invalid(*name + " is not a valid IP or resolvable host.")};
    }
    return std::span<const quota_key>(ip_keys);
}

// Kafka's validateQuotaKeyValue.
std::optional<quota_outcome> check_value(std::span<const quota_key> keys, const std::string& key,
                                         double value) {
    auto found = std::find_if(keys.begin(), keys.end(),
                              [&](const quota_key& each) { return each.name == key; });
    if (found == keys.end()) {
        return invalid("Invalid configuration key " + key);
    }
    if (!std::isfinite(value)) {
        return invalid(fmt::format("Quota {} must be a finite number", key));
    }
    if (value <= 0.0) {
        return invalid(fmt::format("Quota {} must be greater than 0", key));
    }
    switch (found->type) {
        case quota_type::float64:
            return std::nullopt;
        case quota_type::int32:
            if (value > std::numeric_limits<int32_t>::max()) {
                return invalid(fmt::format("Proposed value for {} is too large for an INT.", key));
            }
            break;
        case quota_type::int64:
            if (value > static_cast<double>(std::numeric_limits<int64_t>::max())) {
                return invalid(fmt::format("Proposed value for {} is too large for a LONG.", key));
            }
            break;
    }
    if (std::abs(std::fmod(value, 1.0)) > 1e-6) {
        return invalid(fmt::format("{} cannot be a fractional value.", key));
    }
    return std::nullopt;
}

protocol::client_quota_record quota_record(const quota_entity& entity, const std::string& key) {
    protocol::client_quota_record record{.key = key};
    for (const auto& part : entity) {
        record.entity.push_back({.entity_type = part.type, .entity_name = part.name});
    }
    return record;
}

// One entity's alteration: its records, or why it is refused.
result<std::vector<metadata_record>, quota_outcome> plan_entity(
    const metadata_image& image, const quota_entity& entity, const quota_alteration& alteration) {
    auto keys = keys_of(entity);
    if (!keys) {
        return failure{keys.error()};
    }
    std::set<std::string, std::less<>> seen;
    for (const auto& operation : alteration.operations) {
        if (!seen.insert(operation.key).second) {
            return failure{
                invalid(fmt::format("Duplicate quota key {} not updating quota for this "
                                    "entity {}",
                                    operation.key, describe_entity(entity)))};
        }
    }
    auto existing = image.client_quotas().find(entity);
    const quota_values* current =
        existing == image.client_quotas().end() ? nullptr : &existing->second;
    std::vector<metadata_record> records;
    for (const auto& operation : alteration.operations) {
        auto found =
            current == nullptr ? quota_values::const_iterator{} : current->find(operation.key);
        bool present = current != nullptr && found != current->end();
        if (!operation.value) {
            if (present) {
                auto record = quota_record(entity, operation.key);
                record.remove = true;
                records.push_back(make_metadata_record(std::move(record)));
            }
            continue;
        }
        if (auto problem = check_value(*keys, operation.key, *operation.value)) {
            return failure{std::move(*problem)};
        }
        if (!present || found->second != *operation.value) {
            auto record = quota_record(entity, operation.key);
            record.value = *operation.value;
            records.push_back(make_metadata_record(std::move(record)));
        }
    }
    return records;
}

quota_description malformed_filter(error_code error, std::string message) {
    return {.error = error, .message = std::move(message)};
}

bool has_type(const quota_entity& entity, std::string_view type) {
    return std::any_of(entity.begin(), entity.end(),
                       [&](const quota_entity_part& part) { return part.type == type; });
}

}  // namespace

planned_quota_changes plan_quota_changes(const metadata_image& image,
                                         std::span<const quota_alteration> alterations) {
    std::vector<quota_entity> entities;
    std::map<quota_entity, int> mentions;
    for (const auto& alteration : alterations) {
        quota_entity entity = alteration.entity;
        std::sort(entity.begin(), entity.end());
        ++mentions[entity];
        entities.push_back(std::move(entity));
    }
    planned_quota_changes plan;
    for (std::size_t index = 0; index < alterations.size(); ++index) {
        const quota_entity& entity = entities[index];
        if (mentions[entity] > 1) {
            plan.outcomes.push_back(
                invalid("Ignoring duplicate entity " + describe_entity(entity)));
            continue;
        }
        auto records = plan_entity(image, entity, alterations[index]);
        if (!records) {
            plan.outcomes.push_back(records.error());
            continue;
        }
        for (auto& record : records.value()) {
            plan.records.push_back(std::move(record));
        }
        plan.outcomes.push_back({});
    }
    return plan;
}

quota_description describe_client_quotas(const metadata_image& image,
                                         std::span<const quota_filter_component> components,
                                         bool strict) {
    // Kafka's ClientQuotasImage.describe: exact names (nullopt: the default entity) and
    // types that must merely be present.
    std::map<std::string, std::optional<std::string>, std::less<>> exact;
    std::set<std::string, std::less<>> any;
    for (const auto& component : components) {
        const std::string& type = component.entity_type;
        if (type.empty()) {
            return malformed_filter(error_code::invalid_request, "Invalid empty entity type.");
        }
        if (exact.contains(type) || any.contains(type)) {
            return malformed_filter(
                error_code::invalid_request,
                fmt::format("Entity type {} cannot appear more than once in the filter.", type));
        }
        if (type != quota_entity_user && type != quota_entity_client_id &&
            type != quota_entity_ip) {
            return malformed_filter(error_code::unsupported_version,
                                    "Unsupported entity type " + type);
        }
        switch (static_cast<quota_match_type>(component.match_type)) {
            case quota_match_type::exact:
                if (!component.match) {
                    return malformed_filter(error_code::invalid_request,
                                            "Request specified MATCH_TYPE_EXACT, but set match "
                                            "string to null.");
                }
                exact.emplace(type, component.match);
                break;
            case quota_match_type::default_entity:
                if (component.match) {
                    return malformed_filter(error_code::invalid_request,
                                            "Request specified MATCH_TYPE_DEFAULT, but also "
                                            "specified a match string.");
                }
                exact.emplace(type, std::nullopt);
                break;
            case quota_match_type::any:
                if (component.match) {
                    return malformed_filter(error_code::invalid_request,
                                            "Request specified MATCH_TYPE_SPECIFIED, but also "
                                            "specified a match string.");
                }
                any.insert(type);
                break;
            default:
                return malformed_filter(
                    error_code::invalid_request,
                    fmt::format("Unknown match type {}", static_cast<int>(component.match_type)));
        }
    }
    auto mentions = [&](std::string_view type) {
        return exact.contains(type) || any.contains(type);
    };
    if (mentions(quota_entity_ip) &&
        (mentions(quota_entity_user) || mentions(quota_entity_client_id))) {
        return malformed_filter(error_code::invalid_request,
                                "Invalid entity filter component combination. IP filter "
                                "component should not be used with user or clientId filter "
                                "component.");
    }
    quota_description description;
    if (components.empty() && strict) {
        return description;
    }
    for (const auto& entry : image.client_quotas()) {
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        const auto& entity = entry.first;
        const auto& values = entry.second;
        if (strict && entity.size() != exact.size() + any.size()) {
            continue;
        }
        bool matches = std::all_of(exact.begin(), exact.end(), [&](const auto& wanted) {
            return std::any_of(entity.begin(), entity.end(), [&](const quota_entity_part& part) {
                return part.type == wanted.first && part.name == wanted.second;
            });
        });
        matches = matches && std::all_of(any.begin(), any.end(), [&](const std::string& type) {
                      return has_type(entity, type);
                  });
        if (matches) {
            description.entries.emplace_back(entity, values);
        }
    }
    return description;
}

}  // namespace samsa::cluster
