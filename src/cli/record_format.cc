#include "cli/record_format.h"

#include "protocol/json_writer.h"

namespace samsa::cli {

namespace {

void append_optional(std::string& out, const std::optional<std::string_view>& bytes) {
    if (bytes) {
        out.append(bytes->data(), bytes->size());
    }
}

int64_t length_of(const std::optional<std::string_view>& bytes) {
    return bytes ? static_cast<int64_t>(bytes->size()) : -1;
}

// Writes `bytes` as a JSON string, or null; for bytes that are not UTF-8, base64 and an
// `encoding_key` member saying so (written by the caller after this value).
bool write_bytes(protocol::json_writer& json, const std::optional<std::string_view>& bytes) {
    if (!bytes) {
        json.null_value();
        return false;
    }
    if (is_valid_utf8(*bytes)) {
        json.value(*bytes);
        return false;
    }
    json.value(base64_encode(*bytes));
    return true;
}

}  // namespace

result<record_format, std::string> record_format::parse(std::string_view format) {
    record_format parsed;
    auto literal = [&parsed]() -> std::string& {
        if (parsed.pieces_.empty() || parsed.pieces_.back().what != field::literal) {
            parsed.pieces_.push_back({});
        }
        return parsed.pieces_.back().text;
    };
    for (std::size_t i = 0; i < format.size(); ++i) {
        char c = format[i];
        if (c != '%' && c != '\\') {
            literal() += c;
            continue;
        }
        if (i + 1 == format.size()) {
            return failure{std::string("the format string ends in a lone ") + c};
        }
        char next = format[++i];
        if (c == '\\') {
            switch (next) {
                case 'n':
                    literal() += '\n';
                    break;
                case 't':
                    literal() += '\t';
                    break;
                case 'r':
                    literal() += '\r';
                    break;
                case '\\':
                    literal() += '\\';
                    break;
                default:
                    return failure{std::string("the format string has an unknown escape \\") +
                                   next + " (\\n, \\t, \\r and \\\\ are known)"};
            }
            continue;
        }
        field what = field::literal;
        switch (next) {
            case '%':
                literal() += '%';
                continue;
            case 't':
                what = field::topic;
                break;
            case 'p':
                what = field::partition;
                break;
            case 'o':
                what = field::offset;
                break;
            case 'T':
                what = field::timestamp;
                break;
            case 'k':
                what = field::key;
                break;
            case 's':
                what = field::value;
                break;
            case 'K':
                what = field::key_length;
                break;
            case 'S':
                what = field::value_length;
                break;
            case 'h':
                what = field::headers;
                break;
            default:
                return failure{std::string("the format string has an unknown field %") + next +
                               " (known: %t %p %o %T %k %s %K %S %h %%)"};
        }
        parsed.pieces_.push_back({.what = what, .text = {}});
    }
    return parsed;
}

std::string record_format::render(const record_view& record) const {
    std::string out;
    for (const auto& piece : pieces_) {
        switch (piece.what) {
            case field::literal:
                out += piece.text;
                break;
            case field::topic:
                out += record.topic;
                break;
            case field::partition:
                out += std::to_string(record.partition);
                break;
            case field::offset:
                out += std::to_string(record.offset);
                break;
            case field::timestamp:
                out += std::to_string(record.timestamp_ms);
                break;
            case field::key:
                append_optional(out, record.key);
                break;
            case field::value:
                append_optional(out, record.value);
                break;
            case field::key_length:
                out += std::to_string(length_of(record.key));
                break;
            case field::value_length:
                out += std::to_string(length_of(record.value));
                break;
            case field::headers:
                for (std::size_t h = 0; h < record.headers.size(); ++h) {
                    if (h > 0) {
                        out += ',';
                    }
                    out += record.headers[h].name;
                    if (record.headers[h].value) {
                        out += '=';
                        out += *record.headers[h].value;
                    }
                }
                break;
        }
    }
    return out;
}

std::string record_to_json(const record_view& record) {
    protocol::json_writer json;
    json.begin_object();
    json.key("topic");
    json.value(record.topic);
    json.key("partition");
    json.value(static_cast<int64_t>(record.partition));
    json.key("offset");
    json.value(record.offset);
    json.key("timestamp");
    json.value(record.timestamp_ms);
    json.key("key");
    if (write_bytes(json, record.key)) {
        json.key("key_encoding");
        json.value("base64");
    }
    json.key("value");
    if (write_bytes(json, record.value)) {
        json.key("value_encoding");
        json.value("base64");
    }
    json.key("headers");
    json.begin_array();
    for (const auto& header : record.headers) {
        json.begin_object();
        json.key("name");
        json.value(header.name);
        json.key("value");
        if (write_bytes(json, header.value)) {
            json.key("encoding");
            json.value("base64");
        }
        json.end_object();
    }
    json.end_array();
    json.end_object();
    return json.text();
}

bool is_valid_utf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto lead = static_cast<unsigned char>(bytes[i]);
        std::size_t continuation = 0;
        uint32_t code_point = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead & 0xe0) == 0xc0) {
            continuation = 1;
            code_point = lead & 0x1f;
        } else if ((lead & 0xf0) == 0xe0) {
            continuation = 2;
            code_point = lead & 0x0f;
        } else if ((lead & 0xf8) == 0xf0) {
            continuation = 3;
            code_point = lead & 0x07;
        } else {
            return false;
        }
        if (i + continuation >= bytes.size()) {
            return false;
        }
        for (std::size_t k = 1; k <= continuation; ++k) {
            const auto byte = static_cast<unsigned char>(bytes[i + k]);
            if ((byte & 0xc0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (byte & 0x3f);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        constexpr uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
        if (code_point < smallest[continuation] || code_point > 0x10ffff ||
            (code_point >= 0xd800 && code_point <= 0xdfff)) {
            return false;
        }
        i += continuation + 1;
    }
    return true;
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t group = static_cast<unsigned char>(bytes[i]) << 16 |
                               static_cast<unsigned char>(bytes[i + 1]) << 8 |
                               static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(group >> 18) & 0x3f];
        out += alphabet[(group >> 12) & 0x3f];
        out += alphabet[(group >> 6) & 0x3f];
        out += alphabet[group & 0x3f];
    }
    const std::size_t left = bytes.size() - i;
    if (left > 0) {
        uint32_t group = static_cast<unsigned char>(bytes[i]) << 16;
        if (left == 2) {
            group |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        }
        out += alphabet[(group >> 18) & 0x3f];
        out += alphabet[(group >> 12) & 0x3f];
        out += left == 2 ? alphabet[(group >> 6) & 0x3f] : '=';
        out += '=';
    }
    return out;
}

}  // namespace samsa::cli
