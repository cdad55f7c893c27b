#include "protocol/json_writer.h"

#include "base/assert.h"

#include <cmath>
#include <cstdio>

namespace samsa::protocol {

void json_writer::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!has_element_.empty()) {
        if (has_element_.back()) {
            out_ += ',';
        }
        has_element_.back() = true;
    }
}

void json_writer::begin_object() {
    before_value();
    out_ += '{';
    has_element_.push_back(false);
}

void json_writer::end_object() {
    has_element_.pop_back();
    out_ += '}';
}

void json_writer::begin_array() {
    before_value();
    out_ += '[';
    has_element_.push_back(false);
}

void json_writer::end_array() {
    has_element_.pop_back();
    out_ += ']';
}

void json_writer::key(std::string_view name) {
    before_value();
    write_escaped(name);
    out_ += ':';
    after_key_ = true;
}

void json_writer::value(bool value) {
    before_value();
    out_ += value ? "true" : "false";
}

void json_writer::value(int64_t value) {
    before_value();
    out_ += std::to_string(value);
}

void json_writer::unsigned_value(uint64_t value) {
    before_value();
    out_ += std::to_string(value);
}

void json_writer::value(double value) {
    before_value();
    if (!std::isfinite(value)) {
        out_ += "null";
        return;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    out_ += buffer;
}

void json_writer::fixed_value(double value, int decimals) {
    SAMSA_ASSERT(decimals >= 0 && decimals <= 9, "%d decimals", decimals);
    before_value();
    if (!std::isfinite(value)) {
        out_ += "null";
        return;
    }
    // Room for the 309 digits of the largest double and the decimals asked for.
    char buffer[400];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    out_ += buffer;
}

void json_writer::value(std::string_view text) {
    before_value();
    write_escaped(text);
}

void json_writer::hex_value(std::span<const uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    before_value();
    out_ += '"';
    for (uint8_t byte : bytes) {
        out_ += digits[byte >> 4];
        out_ += digits[byte & 0x0f];
    }
    out_ += '"';
}

void json_writer::null_value() {
    before_value();
    out_ += "null";
}

void json_writer::write_escaped(std::string_view text) {
    out_ += '"';
    for (char c : text) {
        switch (c) {
            case '"':
                out_ += "\\\"";
                break;
            case '\\':
                out_ += "\\\\";
                break;
            case '\n':
                out_ += "\\n";
                break;
            case '\r':
                out_ += "\\r";
                break;
            case '\t':
                out_ += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    out_ += escaped;
                } else {
                    out_ += c;
                }
        }
    }
    out_ += '"';
}

}  // namespace samsa::protocol
