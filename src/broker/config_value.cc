#include "broker/config_value.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace samsa::broker {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

failure<value_error> malformed(config_type type) {
    return failure{value_error{value_error_kind::malformed,
                               "not a number of type " + std::string(to_string(type))}};
}

template <typename Int>
result<config_value, value_error> parse_integer(std::string_view text, config_type type) {
    // Java's parseInt and parseLong take one leading '+' or '-'; from_chars only '-'.
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') {
        digits.remove_prefix(1);
        if (!digits.empty() && digits.front() == '-') {
            return malformed(type);
        }
    }
    Int value{};
    const char* end = digits.data() + digits.size();
    auto [stop, error] = std::from_chars(digits.data(), end, value);
    if (error == std::errc::invalid_argument || stop != end) {
        return malformed(type);
    }
    if (error == std::errc::result_out_of_range) {
        return failure{value_error{value_error_kind::out_of_range,
                                   "out of range for " + std::string(to_string(type)) + " (" +
                                       std::to_string(std::numeric_limits<Int>::min()) + " to " +
                                       std::to_string(std::numeric_limits<Int>::max()) + ")"}};
    }
    return config_value(value);
}

result<config_value, value_error> parse_double(std::string_view text) {
    std::string_view number = text;
    if (!number.empty() && number.front() == '+') {
        number.remove_prefix(1);
        if (!number.empty() && number.front() == '-') {
            return malformed(config_type::float64);
        }
    }
    // Java's Double.parseDouble allows a type suffix: "0.5d", "2f".
    if (number.size() > 1 &&
        std::string_view("dDfF").find(number.back()) != std::string_view::npos) {
        char before = number[number.size() - 2];
        if ((before >= '0' && before <= '9') || before == '.') {
            number.remove_suffix(1);
        }
    }
    double value = 0;
    const char* end = number.data() + number.size();
    auto [stop, error] = std::from_chars(number.data(), end, value);
    if (error == std::errc::invalid_argument || stop != end || std::isnan(value)) {
        return malformed(config_type::float64);
    }
    if (error == std::errc::result_out_of_range) {
        return failure{value_error{value_error_kind::out_of_range, "out of range for DOUBLE"}};
    }
    return config_value(value);
}

std::vector<std::string> parse_list(std::string_view text) {
    std::vector<std::string> items;
    if (text.empty()) {
        return items;
    }
    std::size_t start = 0;
    while (true) {
        std::size_t comma = text.find(',', start);
        items.emplace_back(trim(text.substr(start, comma - start)));
        if (comma == std::string_view::npos) {
            return items;
        }
        start = comma + 1;
    }
}

std::string join(const std::vector<std::string_view>& words, std::string_view separator) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        text += (i == 0 ? std::string_view() : separator);
        text += words[i];
    }
    return text;
}

bool contains(const std::vector<std::string_view>& choices, std::string_view word) {
    for (auto choice : choices) {
        if (choice == word) {
            return true;
        }
    }
    return false;
}

// Kafka's validator, on a value already of the definition's type.
std::optional<value_error> validate(const config_validator& validator, const config_value& value) {
    auto invalid = [](std::string message) {
        return value_error{value_error_kind::invalid, std::move(message)};
    };
    if (const auto* range = std::get_if<integer_range>(&validator)) {
        int64_t number = 0;
        if (const auto* v16 = std::get_if<int16_t>(&value)) {
            number = *v16;
        } else if (const auto* v32 = std::get_if<int32_t>(&value)) {
            number = *v32;
        } else if (const auto* v64 = std::get_if<int64_t>(&value)) {
            number = *v64;
        } else {
            return std::nullopt;
        }
        if (number < range->min) {
            return invalid("value must be at least " + std::to_string(range->min));
        }
        if (number > range->max) {
            return invalid("value must be no more than " + std::to_string(range->max));
        }
    } else if (const auto* range = std::get_if<double_range>(&validator)) {
        if (const auto* number = std::get_if<double>(&value)) {
            if (*number < range->min || *number > range->max) {
                return invalid("value must be between " + describe(validator));
            }
        }
    } else if (const auto* choice = std::get_if<string_choice>(&validator)) {
        if (const auto* text = std::get_if<std::string>(&value)) {
            if (!contains(choice->choices, *text)) {
                return invalid("must be one of " + join(choice->choices, ", "));
            }
        }
    } else if (const auto* choice = std::get_if<list_choice>(&validator)) {
        if (const auto* items = std::get_if<std::vector<std::string>>(&value)) {
            for (const auto& item : *items) {
                if (!contains(choice->choices, item)) {
                    return invalid("'" + item + "' is not one of " + join(choice->choices, ", "));
                }
            }
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view trim(std::string_view text) {
    while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') {
        text.remove_suffix(1);
    }
    return text;
}

std::vector<std::string> parse_csv_list(std::string_view text) {
    std::vector<std::string> items = parse_list(trim(text));
    std::erase_if(items, [](const std::string& item) { return item.empty(); });
    return items;
}

result<config_value, value_error> parse_config_value(const config_definition& definition,
                                                     std::string_view text) {
    std::string_view trimmed = trim(text);
    auto parsed = [&]() -> result<config_value, value_error> {
        switch (definition.type) {
            case config_type::boolean:
                if (equals_ignoring_case(trimmed, "true")) {
                    return config_value(true);
                }
                if (equals_ignoring_case(trimmed, "false")) {
                    return config_value(false);
                }
                return failure{value_error{value_error_kind::malformed, "expected true or false"}};
            case config_type::int16:
                return parse_integer<int16_t>(trimmed, definition.type);
            case config_type::int32:
                return parse_integer<int32_t>(trimmed, definition.type);
            case config_type::int64:
                return parse_integer<int64_t>(trimmed, definition.type);
            case config_type::float64:
                return parse_double(trimmed);
            case config_type::list:
                return config_value(parse_list(trimmed));
            case config_type::string:
            case config_type::class_name:
            case config_type::password:
                return config_value(std::string(trimmed));
        }
        return failure{value_error{value_error_kind::malformed, "unknown type"}};
    }();
    if (!parsed) {
        return parsed;
    }
    if (auto error = validate(definition.validator, *parsed)) {
        return failure{*std::move(error)};
    }
    return parsed;
}

std::string to_config_text(const config_value& value) {
    struct printer {
        std::string operator()(std::monostate) const { return ""; }
        std::string operator()(bool flag) const { return flag ? "true" : "false"; }
        std::string operator()(int16_t number) const { return std::to_string(number); }
        std::string operator()(int32_t number) const { return std::to_string(number); }
        std::string operator()(int64_t number) const { return std::to_string(number); }
        std::string operator()(double number) const {
            char buffer[64];
            auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
            return error == std::errc() ? std::string(buffer, end) : std::string();
        }
        std::string operator()(const std::string& text) const { return text; }
        std::string operator()(const std::vector<std::string>& items) const {
            std::string text;
            for (std::size_t i = 0; i < items.size(); ++i) {
                text += (i == 0 ? "" : ",");
                text += items[i];
            }
            return text;
        }
    };
    return std::visit(printer{}, value);
}

}  // namespace samsa::broker
