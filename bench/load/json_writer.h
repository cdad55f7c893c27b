#pragma once

// Builds one JSON text, compact and on one line: what samsa-load prints on stdout. It writes
// in the order it is called and checks only the commas; the caller nests objects properly.
//
//     json_writer json;
//     json.begin_object();
//     json.key("mode").string("produce");
//     json.key("seconds").number(10.0213, 3);
//     json.end_object();
//     json.text();   // {"mode":"produce","seconds":10.021}

#include <cstdint>
#include <string>
#include <string_view>

namespace samsa::load {

class json_writer {
public:
    json_writer& begin_object();
    json_writer& end_object();
    json_writer& key(std::string_view name);
    json_writer& string(std::string_view value);
    json_writer& integer(int64_t value);
    json_writer& unsigned_integer(uint64_t value);
    // Fixed-point with `decimals` digits after the point; NaN and infinities, which JSON
    // cannot say, are written as null.
    json_writer& number(double value, int decimals);
    json_writer& boolean(bool value);
    json_writer& null();

    const std::string& text() const { return text_; }

private:
    // Writes the comma that separates this value from the previous one in its object.
    void separate();

    std::string text_;
    // After a key the value follows it directly; after a value or '{' a key may need a comma.
    bool after_key_ = false;
    bool needs_comma_ = false;
};

}  // namespace samsa::load
