#pragma once

// How `samsa produce` turns its input into records: a line split into key and value at the
// first key separator (kcat's -K), and `-H name=value` headers. Pure, so unit-testable.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace samsa::cli {

struct line_record {
    std::optional<std::string_view> key;  // absent: the record has a null key
    std::string_view value;
};

// Without a separator the whole line is the value. With one, the text before its first
// occurrence is the key and the rest the value; a line without it has no key (kcat's -K).
line_record split_line(std::string_view line, std::string_view key_separator);

// "name=value" (the value may be empty or contain '='); the error is one sentence.
result<std::pair<std::string, std::string>, std::string> parse_header(std::string_view text);

}  // namespace samsa::cli
