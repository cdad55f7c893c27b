#pragma once

// A minimal streaming JSON writer for dumps of protocol messages (tools, tests, logs).
// Commas are inserted automatically; the caller keeps begin/end calls balanced.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::protocol {

class json_writer {
public:
    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    void key(std::string_view name);

    void value(bool value);
    void value(int64_t value);
    // A count that may not fit int64_t (a named method: an overload would make integer
    // literals ambiguous).
    void unsigned_value(uint64_t value);
    void value(double value);
    // Fixed-point with `decimals` (0-9) digits after the point, for figures people read
    // (the load generator's throughput and latencies); non-finite values are null.
    void fixed_value(double value, int decimals);
    void value(std::string_view text);
    void value(const char* text) { value(std::string_view(text)); }
    void hex_value(std::span<const uint8_t> bytes);
    void null_value();

    const std::string& text() const { return out_; }

private:
    void before_value();
    void write_escaped(std::string_view text);

    std::string out_;
    // Per open container: whether an element has been written (for commas).
    std::vector<bool> has_element_;
    bool after_key_ = false;
};

}  // namespace samsa::protocol
