#include "storage/offset_checkpoint.h"

#include <fmt/format.h>

#include <vector>

#include "base/assert.h"
#include "storage/checkpoint_file.h"

namespace samsa::storage {
namespace {

io_result<partition_offsets> parse_entries(const std::filesystem::path& file,
                                           const std::vector<checkpoint_line>& lines) {
    partition_offsets offsets;
    for (const checkpoint_line& line : lines) {
        std::vector<std::string_view> fields = split_checkpoint_fields(line.text);
        if (fields.size() != 3 || fields[0].empty()) {
            return failure{malformed_checkpoint_line(file, line.number, line.text,
                                                     "expected <topic> <partition> <offset>")};
        }
        std::optional<int32_t> partition = parse_int32(fields[1]);
        if (!partition) {
            return failure{malformed_checkpoint_line(file, line.number, line.text,
                                                     "the partition is not an int")};
        }
        std::optional<int64_t> value = parse_int64(fields[2]);
        if (!value) {
            return failure{malformed_checkpoint_line(file, line.number, line.text,
                                                     "the offset is not a long")};
        }
        offsets.insert_or_assign(topic_partition{std::string(fields[0]), partition_id(*partition)},
                                 offset(*value));
    }
    return offsets;
}

std::vector<std::string> entry_lines(const partition_offsets& offsets) {
    std::vector<std::string> lines;
    lines.reserve(offsets.size());
    for (const auto& [tp, value] : offsets) {
        SAMSA_ASSERT(
            !tp.topic.empty() && tp.topic.find_first_of(" \t\n\v\f\r") == std::string::npos,
            "topic name \"%s\" cannot be written to an offset checkpoint", tp.topic.c_str());
        lines.push_back(fmt::format("{} {} {}", tp.topic, tp.partition.value(), value.value()));
    }
    return lines;
}

}  // namespace

io_result<partition_offsets> parse_offset_checkpoint(const std::filesystem::path& file,
                                                     std::string_view text) {
    auto lines = parse_checkpoint_text(file, text, offset_checkpoint_version);
    if (!lines) {
        return failure{lines.error()};
    }
    return parse_entries(file, lines.value());
}

std::string format_offset_checkpoint(const partition_offsets& offsets) {
    return format_checkpoint_text(offset_checkpoint_version, entry_lines(offsets));
}

io_result<partition_offsets> read_offset_checkpoint(file_system& fs,
                                                    const std::filesystem::path& file) {
    auto lines =
        read_checkpoint_file(fs, file, offset_checkpoint_version, offset_checkpoint_max_bytes);
    if (!lines) {
        return failure{lines.error()};
    }
    return parse_entries(file, lines.value());
}

io_status write_offset_checkpoint(file_system& fs, const std::filesystem::path& file,
                                  const partition_offsets& offsets) {
    return write_checkpoint_file(fs, file, offset_checkpoint_version, entry_lines(offsets));
}

}  // namespace samsa::storage
