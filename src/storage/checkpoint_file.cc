#include "storage/checkpoint_file.h"

#include <fmt/format.h>

#include <charconv>
#include <system_error>

#include "base/log.h"

namespace samsa::storage {
namespace {

// Splits text into lines the way BufferedReader.readLine does: "\n", "\r\n" and "\r" end
// a line; a final line without a terminator still counts; no empty line after the last
// terminator.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find_first_of("\r\n", start);
        if (end == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
        if (text[end] == '\r' && start < text.size() && text[start] == '\n') {
            ++start;
        }
    }
    return lines;
}

io_failure bad_checkpoint(std::string message) {
    return io_failure{std::make_error_code(std::errc::bad_message), std::move(message)};
}

bool is_java_whitespace(char c) {
    // \s in java.util.regex: [ \t\n\x0B\f\r].
    return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}

template <typename Int>
std::optional<Int> parse_java_integer(std::string_view text) {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        // "+-1" is not a number for Java either.
        if (!text.empty() && text.front() == '-') {
            return std::nullopt;
        }
    }
    if (text.empty()) {
        return std::nullopt;
    }
    Int value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

io_failure malformed_checkpoint_line(const std::filesystem::path& file, std::size_t line_number,
                                     std::string_view line, std::string_view reason) {
    return bad_checkpoint(fmt::format("malformed line {} of checkpoint file {} ({}): \"{}\"",
                                      line_number, file.string(), reason, log::printable(line)));
}

io_result<std::vector<checkpoint_line>> parse_checkpoint_text(const std::filesystem::path& file,
                                                              std::string_view text,
                                                              int32_t expected_version) {
    std::vector<std::string_view> lines = split_lines(text);
    std::vector<checkpoint_line> entries;
    if (lines.empty()) {
        return entries;
    }
    std::optional<int32_t> version = parse_int32(lines[0]);
    if (!version) {
        return failure{malformed_checkpoint_line(file, 1, lines[0], "the version is not an int")};
    }
    if (*version != expected_version) {
        return failure{bad_checkpoint(
            fmt::format("unrecognised version {} of checkpoint file {} (expected {})", *version,
                        file.string(), expected_version))};
    }
    if (lines.size() == 1) {
        return entries;
    }
    std::optional<int32_t> count = parse_int32(lines[1]);
    if (!count || *count < 0) {
        return failure{
            malformed_checkpoint_line(file, 2, lines[1], "the entry count is not an int >= 0")};
    }
    entries.reserve(lines.size() - 2);
    for (std::size_t i = 2; i < lines.size(); ++i) {
        entries.push_back(checkpoint_line{i + 1, std::string(lines[i])});
    }
    if (entries.size() != static_cast<std::size_t>(*count)) {
        return failure{
            bad_checkpoint(fmt::format("checkpoint file {} says it holds {} entries but holds {}",
                                       file.string(), *count, entries.size()))};
    }
    return entries;
}

io_result<std::vector<checkpoint_line>> read_checkpoint_file(file_system& fs,
                                                             const std::filesystem::path& file,
                                                             int32_t expected_version,
                                                             std::size_t max_bytes) {
    auto text = read_small_file(fs, file, max_bytes);
    if (!text) {
        if (text.error().code == std::errc::no_such_file_or_directory) {
            return std::vector<checkpoint_line>{};
        }
        return failure{text.error()};
    }
    return parse_checkpoint_text(file, text.value(), expected_version);
}

std::string format_checkpoint_text(int32_t version, std::span<const std::string> entries) {
    std::string text = fmt::format("{}\n{}\n", version, entries.size());
    for (const std::string& entry : entries) {
        text += entry;
        text += '\n';
    }
    return text;
}

io_status write_checkpoint_file(file_system& fs, const std::filesystem::path& file, int32_t version,
                                std::span<const std::string> entries) {
    std::string text = format_checkpoint_text(version, entries);
    return write_file_atomically(
        fs, file, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::vector<std::string_view> split_checkpoint_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        std::size_t end = start;
        while (end < line.size() && !is_java_whitespace(line[end])) {
            ++end;
        }
        fields.push_back(line.substr(start, end - start));
        if (end == line.size()) {
            break;
        }
        start = end;
        while (start < line.size() && is_java_whitespace(line[start])) {
            ++start;
        }
        if (start == line.size()) {
            break;  // trailing whitespace: Java drops the empty last field
        }
    }
    return fields;
}

std::optional<int32_t> parse_int32(std::string_view text) {
    return parse_java_integer<int32_t>(text);
}

std::optional<int64_t> parse_int64(std::string_view text) {
    return parse_java_integer<int64_t>(text);
}

}  // namespace samsa::storage
