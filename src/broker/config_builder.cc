#include "broker/config_builder.h"

#include "base/assert.h"

namespace samsa::broker::detail {
namespace {

std::string in_quotes(std::string_view text) {
    return "'" + std::string(text) + "'";
}

config_problem_kind problem_kind(value_error_kind kind) {
    switch (kind) {
        case value_error_kind::malformed:
            return config_problem_kind::malformed_value;
        case value_error_kind::out_of_range:
            return config_problem_kind::out_of_range;
        case value_error_kind::invalid:
            return config_problem_kind::invalid_value;
    }
    return config_problem_kind::invalid_value;
}

config_problem unknown_key_problem(const config_setting& setting) {
    std::string message =
        setting.origin.describe() + ": unknown configuration key " + in_quotes(setting.key);
    auto suggestion = suggest_config_name(setting.key);
    if (!suggestion.empty()) {
        message += "; did you mean " + in_quotes(suggestion) + "?";
    }
    return {config_problem_kind::unknown_key, setting.key, std::move(message)};
}

}  // namespace

config_builder::config_builder(std::span<const config_setting> settings) {
    auto definitions = config_definitions();
    std::vector<const config_setting*> effective(definitions.size(), nullptr);
    for (const auto& setting : settings) {
        const config_definition* definition = find_config_definition(setting.key);
        if (definition == nullptr) {
            problems_.push_back(unknown_key_problem(setting));
            continue;
        }
        effective[static_cast<std::size_t>(definition - definitions.data())] = &setting;
    }

    values_.reserve(definitions.size());
    entries_.reserve(definitions.size());
    for (std::size_t i = 0; i < definitions.size(); ++i) {
        const config_definition& definition = definitions[i];
        const config_setting* setting = effective[i];
        auto parse_default = [&]() -> config_value {
            if (!definition.default_value) {
                return std::monostate{};
            }
            auto parsed = parse_config_value(definition, *definition.default_value);
            SAMSA_ASSERT(parsed.has_value(), "default of %s does not parse",
                         std::string(definition.name).c_str());
            return *std::move(parsed);
        };

        config_value value;
        if (setting != nullptr) {
            auto parsed = parse_config_value(definition, setting->value);
            if (parsed) {
                value = *std::move(parsed);
            } else {
                auto error = parsed.error();
                problems_.push_back({problem_kind(error.kind), std::string(definition.name),
                                     setting->origin.describe() + ": invalid value " +
                                         in_quotes(trim(setting->value)) + " for " +
                                         std::string(definition.name) + ": " + error.message});
                value = parse_default();
            }
        } else {
            value = parse_default();
        }

        config_entry entry{&definition, std::nullopt, config_source::default_config, {}};
        if (setting != nullptr) {
            entry.source = config_source::static_broker_config;
            entry.origin = setting->origin;
        }
        if (!std::holds_alternative<std::monostate>(value)) {
            entry.value = to_config_text(value);
        }
        entries_.push_back(std::move(entry));
        values_.push_back(std::move(value));
    }
}

std::size_t config_builder::index_of(std::string_view name) const {
    const config_definition* definition = find_config_definition(name);
    SAMSA_ASSERT(definition != nullptr, "%s is not in the config table", std::string(name).c_str());
    return static_cast<std::size_t>(definition - config_definitions().data());
}

template <typename T>
const T& config_builder::get(std::string_view name) const {
    const T* value = std::get_if<T>(&values_[index_of(name)]);
    SAMSA_ASSERT(value != nullptr, "%s is read as a type it does not have",
                 std::string(name).c_str());
    return *value;
}

bool config_builder::boolean(std::string_view name) const {
    return get<bool>(name);
}
int16_t config_builder::int16(std::string_view name) const {
    return get<int16_t>(name);
}
int32_t config_builder::int32(std::string_view name) const {
    return get<int32_t>(name);
}
int64_t config_builder::int64(std::string_view name) const {
    return get<int64_t>(name);
}
double config_builder::float64(std::string_view name) const {
    return get<double>(name);
}

const std::vector<std::string>& config_builder::list(std::string_view name) const {
    return get<std::vector<std::string>>(name);
}

bool config_builder::is_null(std::string_view name) const {
    return std::holds_alternative<std::monostate>(values_[index_of(name)]);
}

std::optional<int32_t> config_builder::optional_int32(std::string_view name) const {
    return is_null(name) ? std::nullopt : std::optional(int32(name));
}

std::optional<int64_t> config_builder::optional_int64(std::string_view name) const {
    return is_null(name) ? std::nullopt : std::optional(int64(name));
}

const std::string* config_builder::string(std::string_view name) const {
    return is_null(name) ? nullptr : &get<std::string>(name);
}

bool config_builder::is_set(std::string_view name) const {
    return entries_[index_of(name)].source != config_source::default_config;
}

void config_builder::report(config_problem_kind kind, std::string_view name,
                            std::string_view what) {
    const config_entry& entry = entries_[index_of(name)];
    problems_.push_back(
        {kind, std::string(name),
         entry.origin.describe() + ": " + std::string(name) + ": " + std::string(what)});
}

}  // namespace samsa::broker::detail
