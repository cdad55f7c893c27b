#pragma once

// Parses Java .properties text, the format of Kafka's server.properties, with the rules of
// java.util.Properties.load:
//   - a line whose first non-blank character is '#' or '!' is a comment; blank lines are
//     skipped; blanks are space, tab and form feed;
//   - a line ending in an odd number of backslashes continues on the next line, whose
//     leading blanks are dropped;
//   - the key runs to the first unescaped '=', ':' or blank; blanks, then at most one '='
//     or ':', then blanks separate it from the value, which runs to the end of the line;
//   - escapes: \t \n \r \f, \uXXXX (written as UTF-8 here), and a backslash before any
//     other character stands for that character ("\=" is "=", "\\" is "\").
// One deliberate difference: Java reads the bytes as ISO-8859-1; Samsa passes bytes
// through unchanged, so a UTF-8 file means what its author wrote.
// Later duplicates of a key replace earlier ones, keeping the first one's position.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace samsa {

struct property {
    std::string key;
    std::string value;
    bool operator==(const property&) const = default;
};

struct properties_error {
    std::size_t line = 0;  // 1-based line of the logical line's start
    std::string message;
};

result<std::vector<property>, properties_error> parse_properties(std::string_view text);

}  // namespace samsa
