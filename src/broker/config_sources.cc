#include "broker/config_sources.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <tuple>

#include "broker/config_value.h"

namespace samsa::broker {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\f';
}

// The end of the physical line starting at `start` (its terminator excluded), and where
// the next one starts. Java's line terminators: "\n", "\r", "\r\n".
std::pair<std::size_t, std::size_t> physical_line(std::string_view text, std::size_t start) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
        return {text.size(), text.size()};
    }
    std::size_t next = end + 1;
    if (text[end] == '\r' && next < text.size() && text[next] == '\n') {
        ++next;
    }
    return {end, next};
}

bool ends_in_odd_backslashes(std::string_view line) {
    std::size_t count = 0;
    while (count < line.size() && line[line.size() - 1 - count] == '\\') {
        ++count;
    }
    return count % 2 == 1;
}

std::string errno_text(int error) {
    return std::strerror(error);
}

}  // namespace

std::string_view to_string(config_source source) {
    switch (source) {
        case config_source::static_broker_config:
            return "STATIC_BROKER_CONFIG";
        case config_source::default_config:
            return "DEFAULT_CONFIG";
    }
    return "UNKNOWN";
}

config_origin config_origin::from_file(std::filesystem::path file, std::size_t line) {
    return {kind::file, std::move(file), line};
}

config_origin config_origin::from_command_line() {
    return {kind::command_line, {}, 0};
}

std::string config_origin::describe() const {
    switch (where) {
        case kind::default_value:
            return "default";
        case kind::command_line:
            return "--set";
        case kind::file:
            return line == 0 ? file.string() : file.string() + ":" + std::to_string(line);
    }
    return "unknown";
}

std::vector<std::pair<std::string, std::size_t>> locate_property_lines(std::string_view text) {
    std::vector<std::pair<std::string, std::size_t>> lines;
    std::size_t position = 0;
    std::size_t line_number = 0;
    while (position < text.size()) {
        std::size_t first_line = ++line_number;
        std::size_t start = position;
        auto [end, next] = physical_line(text, position);
        std::size_t content = start;
        while (content < end && is_blank(text[content])) {
            ++content;
        }
        bool blank = content == end;
        bool comment = !blank && (text[content] == '#' || text[content] == '!');
        // A comment line never continues; any other line continues while it ends in an
        // odd number of backslashes.
        while (!comment && ends_in_odd_backslashes(text.substr(position, end - position)) &&
               next < text.size()) {
            position = next;
            ++line_number;
            std::tie(end, next) = physical_line(text, position);
        }
        position = next;
        if (comment || blank) {
            continue;
        }
        auto parsed = parse_properties(text.substr(start, end - start));
        if (parsed && parsed->size() == 1) {
            std::string& key = (*parsed)[0].key;
            std::erase_if(lines, [&](const auto& entry) { return entry.first == key; });
            lines.emplace_back(std::move(key), first_line);
        }
    }
    return lines;
}

result<std::vector<config_setting>, config_problem> read_config_file(
    const std::filesystem::path& path) {
    auto unreadable = [&](int error) {
        return failure{config_problem{config_problem_kind::unreadable_file,
                                      {},
                                      "cannot read " + path.string() + ": " + errno_text(error)}};
    };
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        return unreadable(errno);
    }
    std::string text;
    char buffer[8192];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, count);
    }
    if (std::ferror(file.get())) {
        return unreadable(errno);
    }

    auto properties = parse_properties(text);
    if (!properties) {
        auto error = properties.error();
        return failure{config_problem{
            config_problem_kind::malformed_file,
            {},
            config_origin::from_file(path, error.line).describe() + ": " + error.message}};
    }
    auto lines = locate_property_lines(text);
    auto settings = settings_from_properties(path, *properties);
    for (auto& setting : settings) {
        for (const auto& [key, line] : lines) {
            if (key == setting.key) {
                setting.origin.line = line;
            }
        }
    }
    return settings;
}

std::vector<config_setting> settings_from_properties(const std::filesystem::path& file,
                                                     const std::vector<property>& properties) {
    std::vector<config_setting> settings;
    settings.reserve(properties.size());
    for (const auto& entry : properties) {
        settings.push_back({entry.key, entry.value, config_origin::from_file(file, 0)});
    }
    return settings;
}

result<config_setting, config_problem> parse_override(std::string_view key_equals_value) {
    std::size_t equals = key_equals_value.find('=');
    std::string_view key =
        equals == std::string_view::npos ? "" : trim(key_equals_value.substr(0, equals));
    if (key.empty()) {
        return failure{config_problem{config_problem_kind::malformed_override,
                                      {},
                                      "--set " + std::string(key_equals_value) +
                                          ": expected key=value, e.g. --set num.partitions=3"}};
    }
    return config_setting{std::string(key), std::string(key_equals_value.substr(equals + 1)),
                          config_origin::from_command_line()};
}

}  // namespace samsa::broker
