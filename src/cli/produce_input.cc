#include "cli/produce_input.h"

namespace samsa::cli {

line_record split_line(std::string_view line, std::string_view key_separator) {
    if (key_separator.empty()) {
        return {.key = std::nullopt, .value = line};
    }
    const std::size_t at = line.find(key_separator);
    if (at == std::string_view::npos) {
        return {.key = std::nullopt, .value = line};
    }
    return {.key = line.substr(0, at), .value = line.substr(at + key_separator.size())};
}

result<std::pair<std::string, std::string>, std::string> parse_header(std::string_view text) {
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        return failure{"the header \"" + std::string(text) + "\" is not name=value"};
    }
    return std::pair{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

}  // namespace samsa::cli
