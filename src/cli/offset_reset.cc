#include "cli/offset_reset.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace samsa::cli {

namespace {

// Parses exactly `digits` decimal digits at text[position]; advances position.
std::optional<int> read_digits(const std::string& text, std::size_t& position, int digits) {
    if (position + static_cast<std::size_t>(digits) > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (int i = 0; i < digits; ++i) {
        char c = text[position + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    position += static_cast<std::size_t>(digits);
    return value;
}

bool expect(const std::string& text, std::size_t& position, char c) {
    if (position < text.size() && text[position] == c) {
        ++position;
        return true;
    }
    return false;
}

}  // namespace

client::client_result<topic_selection> parse_topic_selection(const std::string& text) {
    topic_selection out;
    auto colon = text.find(':');
    out.topic = text.substr(0, colon);
    if (out.topic.empty()) {
        return failure{client::invalid("--topic needs a topic name, e.g. orders or orders:0,1")};
    }
    if (colon == std::string::npos) {
        return out;
    }
    std::string list = text.substr(colon + 1);
    std::size_t start = 0;
    while (start <= list.size()) {
        auto comma = list.find(',', start);
        if (comma == std::string::npos) {
            comma = list.size();
        }
        std::string item = list.substr(start, comma - start);
        int32_t partition = -1;
        auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), partition);
        if (item.empty() || error != std::errc{} || end != item.data() + item.size() ||
            partition < 0) {
            return failure{client::invalid("--topic " + text + ": \"" + item +
                                           "\" is not a partition number")};
        }
        out.partitions.push_back(partition);
        start = comma + 1;
    }
    std::sort(out.partitions.begin(), out.partitions.end());
    out.partitions.erase(std::unique(out.partitions.begin(), out.partitions.end()),
                         out.partitions.end());
    return out;
}

std::optional<int64_t> parse_iso8601_ms(const std::string& text) {
    std::size_t at = 0;
    auto year = read_digits(text, at, 4);
    if (!year || !expect(text, at, '-')) {
        return std::nullopt;
    }
    auto month = read_digits(text, at, 2);
    if (!month || !expect(text, at, '-')) {
        return std::nullopt;
    }
    auto day = read_digits(text, at, 2);
    if (!day || !(expect(text, at, 'T') || expect(text, at, ' '))) {
        return std::nullopt;
    }
    auto hour = read_digits(text, at, 2);
    if (!hour || !expect(text, at, ':')) {
        return std::nullopt;
    }
    auto minute = read_digits(text, at, 2);
    if (!minute) {
        return std::nullopt;
    }
    int second = 0;
    if (expect(text, at, ':')) {
        auto parsed = read_digits(text, at, 2);
        if (!parsed) {
            return std::nullopt;
        }
        second = *parsed;
    }
    int millis = 0;
    if (expect(text, at, '.')) {
        int digits = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (digits < 3) {
                millis = millis * 10 + (text[at] - '0');
            }
            ++digits;
            ++at;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (int i = digits; i < 3; ++i) {
            millis *= 10;
        }
    }
    int zone_minutes = 0;
    if (at < text.size()) {
        if (expect(text, at, 'Z')) {
        } else if (text[at] == '+' || text[at] == '-') {
            int sign = text[at] == '-' ? -1 : 1;
            ++at;
            auto zone_hours = read_digits(text, at, 2);
            if (!zone_hours) {
                return std::nullopt;
            }
            expect(text, at, ':');
            auto zone_mins = read_digits(text, at, 2);
            if (!zone_mins || *zone_hours > 23 || *zone_mins > 59) {
                return std::nullopt;
            }
            zone_minutes = sign * (*zone_hours * 60 + *zone_mins);
        } else {
            return std::nullopt;
        }
    }
    if (at != text.size() || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 ||
        *minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::tm fields{};
    fields.tm_year = *year - 1900;
    fields.tm_mon = *month - 1;
    fields.tm_mday = *day;
    fields.tm_hour = *hour;
    fields.tm_min = *minute;
    fields.tm_sec = second;
    std::time_t seconds = timegm(&fields);
    // timegm normalises out-of-range days (Feb 31 -> Mar 3): refuse those.
    if (fields.tm_mday != *day || fields.tm_mon != *month - 1) {
        return std::nullopt;
    }
    return (static_cast<int64_t>(seconds) - int64_t{zone_minutes} * 60) * 1000 + millis;
}

client::client_result<int64_t> new_offset(const reset_plan& plan, const partition_state& state) {
    auto clamp = [&state](int64_t offset) {
        return std::clamp(offset, state.earliest, std::max(state.earliest, state.latest));
    };
    switch (plan.kind) {
        case reset_kind::earliest:
            return state.earliest;
        case reset_kind::latest:
            return state.latest;
        case reset_kind::to_offset:
            return clamp(plan.value);
        case reset_kind::to_timestamp:
            return state.offset_for_time && *state.offset_for_time >= 0
                       ? clamp(*state.offset_for_time)
                       : state.latest;
        case reset_kind::shift_by:
            if (!state.committed) {
                return failure{client::refused("cannot shift the offset of " + state.topic + ":" +
                                               std::to_string(state.partition) +
                                               ": the group has no committed offset there")};
            }
            return clamp(*state.committed + plan.value);
    }
    return state.earliest;
}

}  // namespace samsa::cli
