#pragma once

// Where the broker's settings come from, and the problems found in them.
//
// A broker reads an optional .properties file (Kafka's server.properties format) and then
// ordered command-line overrides, `--set key=value`; a later setting of a key wins. Every
// setting remembers its origin so that a problem names the file and line, or `--set`.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/properties.h"
#include "base/result.h"

namespace samsa::broker {

// What DescribeConfigs reports as a value's source; the values are ConfigSource on the
// wire. Command-line overrides are static broker config too, as in Kafka.
enum class config_source : int8_t {
    static_broker_config = 4,
    default_config = 5,
};

std::string_view to_string(config_source source);

// Where a setting was written.
struct config_origin {
    enum class kind : uint8_t { default_value, file, command_line };

    kind where = kind::default_value;
    std::filesystem::path file;  // for kind::file
    std::size_t line = 0;        // 1-based; 0 when unknown

    static config_origin from_file(std::filesystem::path file, std::size_t line);
    static config_origin from_command_line();

    // "server.properties:12", "server.properties" (line unknown), "--set", "default".
    std::string describe() const;
};

struct config_setting {
    std::string key;
    std::string value;  // as written; parsing trims it
    config_origin origin;
};

enum class config_problem_kind : uint8_t {
    unreadable_file,     // the file could not be read
    malformed_file,      // not .properties text (a bad \u escape)
    malformed_override,  // a --set without '=' or without a key
    unknown_key,         // not a key Samsa knows
    malformed_value,     // not text of the key's type
    out_of_range,        // beyond the range of the key's type
    invalid_value,       // refused by the key's validator or by a rule between keys
    unsupported,         // valid for Kafka, not supported by Samsa yet (an SSL listener)
};

struct config_problem {
    config_problem_kind kind;
    std::string key;      // the key concerned; empty for a file-level problem
    std::string message;  // complete, for an operator: starts with the origin
};

// Reads and parses a .properties file. Each setting carries its file and line.
result<std::vector<config_setting>, config_problem> read_config_file(
    const std::filesystem::path& path);

// Settings from properties already parsed from `file` (lines unknown).
std::vector<config_setting> settings_from_properties(const std::filesystem::path& file,
                                                     const std::vector<property>& properties);

// One `--set key=value`: the key runs to the first '=' (trimmed), the value is the rest.
result<config_setting, config_problem> parse_override(std::string_view key_equals_value);

// The 1-based line on which each key of .properties `text` was last set; keys are read
// by base/properties.h itself, one logical line at a time.
std::vector<std::pair<std::string, std::size_t>> locate_property_lines(std::string_view text);

}  // namespace samsa::broker
