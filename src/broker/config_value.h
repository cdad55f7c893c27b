#pragma once

// One configuration value, parsed and validated the way Kafka's ConfigDef does it:
//   - the text is trimmed first (Java's String.trim: every byte <= ' ' at either end);
//   - BOOLEAN is "true" or "false" in any case;
//   - INT, SHORT and LONG are base-10 with an optional sign, within the Java type's range;
//   - DOUBLE is a decimal or exponent number (Java's optional d/f suffix is allowed);
//     NaN is refused (Java would take it, and every range check would then pass);
//   - LIST splits on commas and trims each item; an empty text is the empty list, while
//     "a,,b" keeps its empty item (a validator may then refuse it);
//   - STRING, PASSWORD and CLASS are the trimmed text.
// The validator of the definition runs on the parsed value.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "broker/config_definitions.h"

namespace samsa::broker {

// monostate: Kafka's null (a key without a default that was not set).
using config_value = std::variant<std::monostate, bool, int16_t, int32_t, int64_t, double,
                                  std::string, std::vector<std::string>>;

enum class value_error_kind : uint8_t {
    malformed,     // not text of the key's type ("abc" for a LONG)
    out_of_range,  // beyond the type's range (3000000000 for an INT)
    invalid,       // refused by the key's validator (0 where at least 1 is required)
};

struct value_error {
    value_error_kind kind;
    std::string message;  // what is wrong, without the key: "not a number of type LONG"
};

result<config_value, value_error> parse_config_value(const config_definition& definition,
                                                     std::string_view text);

// The value as DescribeConfigs shows it: lists joined with ",", booleans in lower case,
// numbers in their shortest form ("+007" is "7"); empty for null.
std::string to_config_text(const config_value& value);

// Java's String.trim.
std::string_view trim(std::string_view text);

// Kafka's Csv.parseCsvList, which the STRING-typed lists (listeners, log.dirs,
// controller.listener.names) go through: items trimmed, empty items dropped.
std::vector<std::string> parse_csv_list(std::string_view text);

}  // namespace samsa::broker
