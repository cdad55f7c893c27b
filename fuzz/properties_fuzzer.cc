// properties_fuzzer: samsa::parse_properties (Kafka's server.properties syntax, the rules of
// java.util.Properties.load) on arbitrary text.
//
// Checks, beside "no crash, no undefined behaviour":
//   - keys are unique (a later duplicate replaces the value in place);
//   - an error names a line that exists (1 to the number of lines + 1);
//   - a canonical rendering of what parsed (below: every character that means something in
//     a key or value escaped) parses to the same properties in the same order. There is no
//     renderer in the code base to test, so this one lives here; what it checks is the
//     parser's handling of escapes, separators, blanks and line ends.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/assert.h"
#include "base/properties.h"

namespace samsa::fuzz {
namespace {

enum class position_kind { key, value };

// Escapes what the parser would otherwise read as structure. In a key: the separators
// '=', ':' and blanks, and '#'/'!' (a comment when first). In a value: leading blanks
// only (later ones are content). In both: backslashes and line ends.
void append_escaped(std::string& out, std::string_view text, position_kind kind) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        switch (c) {
            case '\\':
                out += "\\\\";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
            case '\f':
            case ' ':
                if (kind == position_kind::key || i == 0) {
                    out += c == '\t' ? "\\t" : c == '\f' ? "\\f" : "\\ ";
                    continue;
                }
                break;
            case '=':
            case ':':
            case '#':
            case '!':
                if (kind == position_kind::key) {
                    out += '\\';
                }
                break;
            default:
                break;
        }
        out += c;
    }
}

std::string render(const std::vector<property>& properties) {
    std::string text;
    for (const property& entry : properties) {
        append_escaped(text, entry.key, position_kind::key);
        text += '=';
        append_escaped(text, entry.value, position_kind::value);
        text += '\n';
    }
    return text;
}

}  // namespace
}  // namespace samsa::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace samsa;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_properties(text);
    if (!parsed) {
        std::size_t lines = 1;
        for (char c : text) {
            lines += (c == '\n' || c == '\r') ? 1 : 0;
        }
        SAMSA_ASSERT(parsed.error().line >= 1 && parsed.error().line <= lines + 1,
                     "error on line %zu of a text of at most %zu lines", parsed.error().line,
                     lines);
        return 0;
    }
    std::unordered_set<std::string_view> keys;
    for (const property& entry : *parsed) {
        SAMSA_ASSERT(keys.insert(entry.key).second, "key \"%s\" appears twice", entry.key.c_str());
    }
    std::string rendered = fuzz::render(*parsed);
    auto reparsed = parse_properties(rendered);
    SAMSA_ASSERT(reparsed.has_value(), "the canonical rendering does not parse: line %zu: %s",
                 reparsed.error().line, reparsed.error().message.c_str());
    SAMSA_ASSERT(*reparsed == *parsed, "the canonical rendering parses differently");
    return 0;
}
