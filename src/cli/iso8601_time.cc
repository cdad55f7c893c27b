#include "cli/iso8601_time.h"

#include <optional>

namespace samsa::cli {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
    year -= month <= 2 ? 1 : 0;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t year_of_era = year - era * 400;
    const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

bool is_leap_year(int64_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int64_t days_in_month(int64_t year, int64_t month) {
    constexpr int64_t days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

// Reads exactly `digits` decimal digits at `text[at]`, advancing `at`.
std::optional<int64_t> read_digits(std::string_view text, std::size_t& at, std::size_t digits) {
    if (at + digits > text.size()) {
        return std::nullopt;
    }
    int64_t value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        char c = text[at + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    at += digits;
    return value;
}

bool expect(std::string_view text, std::size_t& at, char wanted) {
    if (at < text.size() && text[at] == wanted) {
        ++at;
        return true;
    }
    return false;
}

}  // namespace

result<int64_t, std::string> parse_iso8601_ms(std::string_view text) {
    const std::string problem =
        "\"" + std::string(text) + "\" is not an ISO 8601 date and time like 2024-05-01T12:30:00Z";
    std::size_t at = 0;
    auto year = read_digits(text, at, 4);
    bool dashes = year && expect(text, at, '-');
    auto month = dashes ? read_digits(text, at, 2) : std::nullopt;
    auto day = month && expect(text, at, '-') ? read_digits(text, at, 2) : std::nullopt;
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month)) {
        return failure{problem};
    }
    int64_t hour = 0;
    int64_t minute = 0;
    int64_t second = 0;
    int64_t millisecond = 0;
    if (at < text.size() && (text[at] == 'T' || text[at] == 't' || text[at] == ' ')) {
        ++at;
        auto parsed_hour = read_digits(text, at, 2);
        auto parsed_minute =
            parsed_hour && expect(text, at, ':') ? read_digits(text, at, 2) : std::nullopt;
        if (!parsed_minute || *parsed_hour > 23 || *parsed_minute > 59) {
            return failure{problem};
        }
        hour = *parsed_hour;
        minute = *parsed_minute;
        if (expect(text, at, ':')) {
            auto parsed_second = read_digits(text, at, 2);
            if (!parsed_second || *parsed_second > 59) {
                return failure{problem};
            }
            second = *parsed_second;
            if (expect(text, at, '.') || expect(text, at, ',')) {
                // Milliseconds from the first three fraction digits; finer digits are dropped.
                std::size_t digits = 0;
                while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
                    if (digits < 3) {
                        millisecond = millisecond * 10 + (text[at] - '0');
                    }
                    ++digits;
                    ++at;
                }
                if (digits == 0) {
                    return failure{problem};
                }
                for (std::size_t i = digits; i < 3; ++i) {
                    millisecond *= 10;
                }
            }
        }
    }
    int64_t zone_offset_minutes = 0;
    if (expect(text, at, 'Z') || expect(text, at, 'z')) {
        // UTC
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        const int64_t sign = text[at] == '-' ? -1 : 1;
        ++at;
        auto zone_hours = read_digits(text, at, 2);
        expect(text, at, ':');
        auto zone_minutes = zone_hours ? read_digits(text, at, 2) : std::nullopt;
        if (!zone_minutes || *zone_hours > 23 || *zone_minutes > 59) {
            return failure{problem};
        }
        zone_offset_minutes = sign * (*zone_hours * 60 + *zone_minutes);
    }
    if (at != text.size()) {
        return failure{problem};
    }
    const int64_t seconds = days_from_civil(*year, *month, *day) * 86400 + hour * 3600 +
                            minute * 60 + second - zone_offset_minutes * 60;
    return seconds * 1000 + millisecond;
}

}  // namespace samsa::cli
