#include "cli/start_position.h"

#include <algorithm>
#include <charconv>

namespace samsa::cli {

namespace {

// A non-negative decimal using all of `text`.
std::optional<int64_t> parse_count(std::string_view text) {
    int64_t parsed = 0;
    if (text.empty() || text.front() == '-' || text.front() == '+') {
        return std::nullopt;
    }
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return parsed;
}

}  // namespace

result<start_position, std::string> parse_start_position(std::string_view text) {
    if (text == "beginning" || text == "earliest") {
        return start_position{.kind = start_kind::beginning};
    }
    if (text == "end" || text == "latest") {
        return start_position{.kind = start_kind::end};
    }
    if (text == "stored") {
        return start_position{.kind = start_kind::stored};
    }
    if (!text.empty() && text.front() == '-') {
        if (auto count = parse_count(text.substr(1)); count && *count > 0) {
            return start_position{.kind = start_kind::from_end, .value = *count};
        }
    } else if (auto offset = parse_count(text)) {
        return start_position{.kind = start_kind::absolute, .value = *offset};
    }
    return failure{"the start offset \"" + std::string(text) +
                   "\" is not beginning, end, stored, an offset N or -N (N before the end)"};
}

int64_t resolve_start_offset(const start_position& position, partition_watermarks watermarks,
                             std::optional<int64_t> timestamp_offset) {
    const int64_t low = watermarks.low;
    const int64_t high = std::max(watermarks.low, watermarks.high);
    switch (position.kind) {
        case start_kind::beginning:
            return low;
        case start_kind::end:
        case start_kind::stored:
            return high;
        case start_kind::absolute:
            return std::clamp(position.value, low, high);
        case start_kind::from_end:
            return position.value >= high - low ? low : high - position.value;
        case start_kind::timestamp:
            if (!timestamp_offset || *timestamp_offset < 0) {
                return high;
            }
            return std::clamp(*timestamp_offset, low, high);
    }
    return low;
}

}  // namespace samsa::cli
