#include "json_writer.h"

#include <cmath>
#include <cstdio>

#include "base/assert.h"

namespace samsa::load {

void json_writer::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (needs_comma_) {
        text_ += ',';
    }
}

json_writer& json_writer::begin_object() {
    separate();
    text_ += '{';
    needs_comma_ = false;
    return *this;
}

json_writer& json_writer::end_object() {
    text_ += '}';
    needs_comma_ = true;
    return *this;
}

json_writer& json_writer::key(std::string_view name) {
    string(name);
    text_ += ':';
    after_key_ = true;
    return *this;
}

json_writer& json_writer::string(std::string_view value) {
    separate();
    text_ += '"';
    for (char c : value) {
        switch (c) {
            case '"':
                text_ += "\\\"";
                break;
            case '\\':
                text_ += "\\\\";
                break;
            case '\n':
                text_ += "\\n";
                break;
            case '\r':
                text_ += "\\r";
                break;
            case '\t':
                text_ += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    text_ += escaped;
                } else {
                    // Bytes from 0x80 up pass through: the caller's strings are UTF-8.
                    text_ += c;
                }
        }
    }
    text_ += '"';
    needs_comma_ = true;
    return *this;
}

json_writer& json_writer::integer(int64_t value) {
    separate();
    text_ += std::to_string(value);
    needs_comma_ = true;
    return *this;
}

json_writer& json_writer::unsigned_integer(uint64_t value) {
    separate();
    text_ += std::to_string(value);
    needs_comma_ = true;
    return *this;
}

json_writer& json_writer::number(double value, int decimals) {
    if (!std::isfinite(value)) {
        return null();
    }
    SAMSA_ASSERT(decimals >= 0 && decimals <= 9, "%d decimals", decimals);
    separate();
    // Room for the 309 digits of the largest double and the decimals asked for.
    char formatted[400];
    std::snprintf(formatted, sizeof formatted, "%.*f", decimals, value);
    text_ += formatted;
    needs_comma_ = true;
    return *this;
}

json_writer& json_writer::boolean(bool value) {
    separate();
    text_ += value ? "true" : "false";
    needs_comma_ = true;
    return *this;
}

json_writer& json_writer::null() {
    separate();
    text_ += "null";
    needs_comma_ = true;
    return *this;
}

}  // namespace samsa::load
