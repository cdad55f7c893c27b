#include "storage/partition_metadata_file.h"

#include <fmt/format.h>

#include <system_error>

#include "base/log.h"
#include "storage/checkpoint_file.h"

namespace samsa::storage {
namespace {

io_failure malformed(const std::filesystem::path& file, std::size_t line_number,
                     std::optional<std::string_view> line, std::string_view reason) {
    return io_failure{std::make_error_code(std::errc::bad_message),
                      fmt::format("malformed line {} of partition metadata file {} ({}): {}",
                                  line_number, file.string(), reason,
                                  line ? fmt::format("\"{}\"", log::printable(*line)) : "missing")};
}

// The next line as BufferedReader.readLine returns it ("\n", "\r\n" or "\r" end a line);
// nullopt at the end of the text.
std::optional<std::string_view> next_line(std::string_view& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t end = text.find_first_of("\r\n");
    if (end == std::string_view::npos) {
        std::string_view line = text;
        text = {};
        return line;
    }
    std::string_view line = text.substr(0, end);
    std::size_t next = end + 1;
    if (text[end] == '\r' && next < text.size() && text[next] == '\n') {
        ++next;
    }
    text.remove_prefix(next);
    return line;
}

bool is_java_whitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}

// The value of a `<key>:<whitespace><value>` line (Kafka splits at the first ":\s+").
std::optional<std::string_view> value_of(std::string_view line, std::string_view key) {
    std::size_t colon = line.find(':');
    while (colon != std::string_view::npos &&
           (colon + 1 >= line.size() || !is_java_whitespace(line[colon + 1]))) {
        colon = line.find(':', colon + 1);
    }
    if (colon == std::string_view::npos || line.substr(0, colon) != key) {
        return std::nullopt;
    }
    std::size_t value = colon + 1;
    while (value < line.size() && is_java_whitespace(line[value])) {
        ++value;
    }
    return line.substr(value);
}

}  // namespace

io_result<partition_metadata> parse_partition_metadata(const std::filesystem::path& file,
                                                       std::string_view text) {
    std::optional<std::string_view> version_line = next_line(text);
    if (!version_line) {
        return failure{malformed(file, 1, version_line, "expected \"version: <int>\"")};
    }
    std::optional<std::string_view> version_text = value_of(*version_line, "version");
    std::optional<int32_t> version = version_text ? parse_int32(*version_text) : std::nullopt;
    if (!version) {
        return failure{malformed(file, 1, version_line, "expected \"version: <int>\"")};
    }
    if (*version < partition_metadata_version) {
        return failure{io_failure{std::make_error_code(std::errc::bad_message),
                                  fmt::format("unrecognised version {} of partition metadata "
                                              "file {}",
                                              *version, file.string())}};
    }
    std::optional<std::string_view> topic_line = next_line(text);
    std::optional<std::string_view> topic_text =
        topic_line ? value_of(*topic_line, "topic_id") : std::nullopt;
    if (!topic_text) {
        return failure{malformed(file, 2, topic_line, "expected \"topic_id: <uuid>\"")};
    }
    std::optional<uuid> topic = uuid::from_string(*topic_text);
    if (!topic) {
        return failure{malformed(file, 2, topic_line, "the topic id is not a Kafka uuid")};
    }
    if (topic->is_zero()) {
        return failure{malformed(file, 2, topic_line, "the topic id is the zero uuid")};
    }
    return partition_metadata{*version, topic_id(*topic)};
}

std::string format_partition_metadata(const topic_id& topic) {
    return fmt::format("version: {}\ntopic_id: {}", partition_metadata_version, topic.to_string());
}

io_result<std::optional<partition_metadata>> read_partition_metadata(
    file_system& fs, const std::filesystem::path& partition_dir) {
    std::filesystem::path file = partition_dir / partition_metadata_file_name;
    auto text = read_small_file(fs, file, partition_metadata_max_bytes);
    if (!text) {
        if (text.error().code == std::errc::no_such_file_or_directory) {
            return std::optional<partition_metadata>{};
        }
        return failure{text.error()};
    }
    auto parsed = parse_partition_metadata(file, text.value());
    if (!parsed) {
        return failure{parsed.error()};
    }
    return std::optional<partition_metadata>(parsed.value());
}

io_status write_partition_metadata(file_system& fs, const std::filesystem::path& partition_dir,
                                   const topic_id& topic) {
    std::string text = format_partition_metadata(topic);
    return write_file_atomically(
        fs, partition_dir / partition_metadata_file_name,
        std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace samsa::storage
