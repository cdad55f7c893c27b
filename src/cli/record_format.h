#pragma once

// How `samsa consume` prints a record: kcat's -f format strings ("%k=%s\n") and, for
// --format json, one JSON object per record (JSON Lines). Pure, so unit-testable.
//
//   %t topic   %p partition   %o offset   %T timestamp (ms, -1 if none)
//   %k key     %s value       %K key length   %S value length (-1 for a null key/value)
//   %h headers as name=value,name=value (a null header value prints as just the name)
//   %% a percent sign;  \n \t \r \\ the escapes; every other character as it is
//
//     auto format = record_format::parse("%p:%o %k=%s\n");
//     std::string line = format->render(record);

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace samsa::cli {

struct record_header {
    std::string_view name;
    std::optional<std::string_view> value;
};

// A consumed record, viewed in the consumer's buffers.
struct record_view {
    std::string_view topic;
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;  // -1: the record has none
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    std::vector<record_header> headers;
};

class record_format {
public:
    // The error names the problem (an unknown %x, a format ending in % or \).
    static result<record_format, std::string> parse(std::string_view format);

    std::string render(const record_view& record) const;

private:
    enum class field : uint8_t {
        literal,
        topic,
        partition,
        offset,
        timestamp,
        key,
        value,
        key_length,
        value_length,
        headers,
    };
    struct piece {
        field what = field::literal;
        std::string text;  // for literal
    };
    std::vector<piece> pieces_;
};

// One JSON object, without a newline:
// {"topic":"t","partition":0,"offset":5,"timestamp":1714560000000,"key":"k","value":"v",
//  "headers":[{"name":"h","value":"x"}]}
// A null key, value or header value is null. Bytes that are valid UTF-8 are a string; other
// bytes are base64 and the object says so with "key_encoding":"base64" (or
// "value_encoding", or "encoding" inside a header).
std::string record_to_json(const record_view& record);

bool is_valid_utf8(std::string_view bytes);
std::string base64_encode(std::string_view bytes);

}  // namespace samsa::cli
