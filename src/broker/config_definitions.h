#pragma once

// The broker's configuration keys: one table, the single source of truth for parsing
// (broker_config.h), DescribeConfigs, and docs/configuration.md (a test keeps that page's
// reference table identical to this one).
//
// Every entry mirrors Kafka 4.0's ConfigDef for the key: type, default, validator and
// whether it can be updated dynamically. Where Samsa's default deliberately differs from
// Kafka's, `kafka_default` records Kafka's, and docs/configuration.md explains why.
// `status` says what Samsa does with the key today: a key Kafka's shipped
// config/server.properties sets must load, even where it has nothing to configure here.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace samsa::broker {

// Kafka's ConfigDef.Type; the values are DescribeConfigs' ConfigType on the wire.
enum class config_type : int8_t {
    boolean = 1,
    string = 2,
    int32 = 3,    // INT
    int16 = 4,    // SHORT
    int64 = 5,    // LONG
    float64 = 6,  // DOUBLE
    list = 7,     // comma-separated, items trimmed
    class_name = 8,
    password = 9,  // a string that is never shown (sensitive)
};

// Kafka's name for the type: "INT", "LONG", ...
std::string_view to_string(config_type type);

// Whether a running broker accepts a new value (Kafka's "Update Mode").
enum class update_mode : uint8_t { read_only, per_broker, cluster_wide };

std::string_view to_string(update_mode mode);

// What Samsa does with a key today.
enum class support_status : uint8_t {
    honoured,   // Samsa acts on the value
    planned,    // validated now; the subsystem that acts on it has not landed yet
    no_effect,  // accepted for compatibility; nothing in Samsa to configure (JVM thread
                // pools, ZooKeeper-era settings, the in-process controller's quorum)
};

std::string_view to_string(support_status status);

// Kafka's validators. Integer bounds are inclusive; `at_least(1)` is {1, INT64_MAX}.
struct any_value {};
struct integer_range {
    int64_t min;
    int64_t max;
};
struct double_range {
    double min;
    double max;
};
// A STRING that must be one of the choices (case-sensitive, as ValidString.in).
struct string_choice {
    std::vector<std::string_view> choices;
};
// A LIST whose every item must be one of the choices (ValidList.in).
struct list_choice {
    std::vector<std::string_view> choices;
};
using config_validator =
    std::variant<any_value, integer_range, double_range, string_choice, list_choice>;

// Kafka's rendering of a validator in its docs: "[1,...]", "[0,...,1]", "[delete, compact]";
// empty when anything goes.
std::string describe(const config_validator& validator);

struct config_definition {
    std::string_view name;
    config_type type;
    // The default as Kafka would print it; nullopt is Kafka's null (unset).
    std::optional<std::string_view> default_value;
    config_validator validator;
    update_mode mode;
    support_status status;
    // The topic-level config this key is the broker default of ("retention.ms"), or empty.
    std::string_view topic_synonym = {};
    // Kafka 4.0's default, set only where Samsa's differs.
    std::string_view kafka_default = {};

    bool sensitive() const { return type == config_type::password; }
};

// Every key, grouped as Kafka groups them (server, socket server, log, cleaner, ...).
std::span<const config_definition> config_definitions();

// The definition of `name`, or nullptr for a key Samsa does not know.
const config_definition* find_config_definition(std::string_view name);

// The known key nearest to an unknown one, when it is close enough to be a likely typo
// (a small edit distance); empty otherwise.
std::string_view suggest_config_name(std::string_view unknown_name);

}  // namespace samsa::broker
