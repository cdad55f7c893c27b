#include "base/properties.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace samsa {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\f';
}
bool is_line_end(char c) {
    return c == '\n' || c == '\r';
}

// One logical line: natural lines joined across escaped line ends, with the backslash
// and the continuation's leading blanks removed. Escapes are still in place.
struct logical_line {
    std::string text;
    std::size_t first_line = 0;
};

class line_reader {
public:
    explicit line_reader(std::string_view input) : input_(input) {}

    std::optional<logical_line> next() {
        while (position_ < input_.size()) {
            logical_line line{{}, line_number_};
            skip_blanks();
            if (position_ < input_.size() && is_line_end(input_[position_])) {
                consume_line_end();
                continue;
            }
            if (position_ < input_.size() &&
                (input_[position_] == '#' || input_[position_] == '!')) {
                skip_to_line_end();
                continue;
            }
            while (true) {
                std::string_view natural = take_to_line_end();
                std::size_t backslashes = 0;
                while (backslashes < natural.size() &&
                       natural[natural.size() - 1 - backslashes] == '\\') {
                    ++backslashes;
                }
                bool continues = backslashes % 2 == 1;
                line.text.append(natural.substr(0, natural.size() - (continues ? 1 : 0)));
                consume_line_end();
                if (!continues || position_ >= input_.size()) {
                    break;
                }
                skip_blanks();
            }
            return line;
        }
        return std::nullopt;
    }

private:
    void skip_blanks() {
        while (position_ < input_.size() && is_blank(input_[position_])) {
            ++position_;
        }
    }
    // The rest of the natural line, without its line end.
    std::string_view take_to_line_end() {
        std::size_t start = position_;
        while (position_ < input_.size() && !is_line_end(input_[position_])) {
            ++position_;
        }
        return input_.substr(start, position_ - start);
    }
    void skip_to_line_end() {
        take_to_line_end();
        consume_line_end();
    }
    void consume_line_end() {
        if (position_ < input_.size() && input_[position_] == '\r') {
            ++position_;
            if (position_ < input_.size() && input_[position_] == '\n') {
                ++position_;
            }
            ++line_number_;
        } else if (position_ < input_.size() && input_[position_] == '\n') {
            ++position_;
            ++line_number_;
        }
    }

    std::string_view input_;
    std::size_t position_ = 0;
    std::size_t line_number_ = 1;
};

void append_utf8(std::string& out, uint32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xc0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3f));
    } else {
        out += static_cast<char>(0xe0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code_point & 0x3f));
    }
}

// Appends text with its escapes resolved; false on a malformed \uXXXX.
bool unescape(std::string_view text, std::string& out) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= text.size()) {
            break;  // a lone trailing backslash (end of input) stands for nothing, as in Java
        }
        switch (char escaped = text[i]) {
            case 't':
                out += '\t';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 'f':
                out += '\f';
                break;
            case 'u': {
                if (i + 4 >= text.size()) {
                    return false;
                }
                uint32_t code_point = 0;
                for (std::size_t j = 1; j <= 4; ++j) {
                    char digit = text[i + j];
                    code_point <<= 4;
                    if (digit >= '0' && digit <= '9') {
                        code_point |= static_cast<uint32_t>(digit - '0');
                    } else if (digit >= 'a' && digit <= 'f') {
                        code_point |= static_cast<uint32_t>(digit - 'a' + 10);
                    } else if (digit >= 'A' && digit <= 'F') {
                        code_point |= static_cast<uint32_t>(digit - 'A' + 10);
                    } else {
                        return false;
                    }
                }
                append_utf8(out, code_point);
                i += 4;
                break;
            }
            default:
                out += escaped;
        }
    }
    return true;
}

}  // namespace

result<std::vector<property>, properties_error> parse_properties(std::string_view text) {
    std::vector<property> properties;
    std::unordered_map<std::string, std::size_t> index_of_key;
    line_reader lines(text);
    while (auto line = lines.next()) {
        std::string_view raw = line->text;
        std::size_t key_end = 0;
        while (key_end < raw.size()) {
            char c = raw[key_end];
            if (c == '\\') {
                key_end += 2;
                continue;
            }
            if (c == '=' || c == ':' || is_blank(c)) {
                break;
            }
            ++key_end;
        }
        key_end = std::min(key_end, raw.size());
        std::size_t value_start = key_end;
        while (value_start < raw.size() && is_blank(raw[value_start])) {
            ++value_start;
        }
        if (value_start < raw.size() && (raw[value_start] == '=' || raw[value_start] == ':')) {
            ++value_start;
            while (value_start < raw.size() && is_blank(raw[value_start])) {
                ++value_start;
            }
        }
        property entry;
        if (!unescape(raw.substr(0, key_end), entry.key) ||
            !unescape(raw.substr(value_start), entry.value)) {
            return failure{properties_error{line->first_line, "malformed \\uXXXX escape"}};
        }
        auto [found, inserted] = index_of_key.try_emplace(entry.key, properties.size());
        if (inserted) {
            properties.push_back(std::move(entry));
        } else {
            properties[found->second].value = std::move(entry.value);
        }
    }
    return properties;
}

}  // namespace samsa
