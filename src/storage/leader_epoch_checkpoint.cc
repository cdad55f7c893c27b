#include "storage/leader_epoch_checkpoint.h"

#include <fmt/format.h>

#include "storage/checkpoint_file.h"

namespace samsa::storage {
namespace {

io_result<std::vector<epoch_entry>> parse_entries(const std::filesystem::path& file,
                                                  const std::vector<checkpoint_line>& lines) {
    std::vector<epoch_entry> entries;
    entries.reserve(lines.size());
    for (const checkpoint_line& line : lines) {
        std::vector<std::string_view> fields = split_checkpoint_fields(line.text);
        if (fields.size() != 2) {
            return failure{malformed_checkpoint_line(file, line.number, line.text,
                                                     "expected <leader epoch> <start offset>")};
        }
        std::optional<int32_t> epoch = parse_int32(fields[0]);
        if (!epoch || *epoch < 0) {
            return failure{malformed_checkpoint_line(file, line.number, line.text,
                                                     "the leader epoch is not an int >= 0")};
        }
        std::optional<int64_t> start_offset = parse_int64(fields[1]);
        if (!start_offset || *start_offset < 0) {
            return failure{malformed_checkpoint_line(file, line.number, line.text,
                                                     "the start offset is not a long >= 0")};
        }
        entries.push_back(epoch_entry{leader_epoch(*epoch), offset(*start_offset)});
    }
    return entries;
}

std::vector<std::string> entry_lines(std::span<const epoch_entry> entries) {
    std::vector<std::string> lines;
    lines.reserve(entries.size());
    for (const epoch_entry& entry : entries) {
        lines.push_back(fmt::format("{} {}", entry.epoch.value(), entry.start_offset.value()));
    }
    return lines;
}

std::filesystem::path file_in(const std::filesystem::path& partition_dir) {
    return partition_dir / leader_epoch_checkpoint_file_name;
}

}  // namespace

io_result<std::vector<epoch_entry>> parse_leader_epoch_checkpoint(const std::filesystem::path& file,
                                                                  std::string_view text) {
    auto lines = parse_checkpoint_text(file, text, leader_epoch_checkpoint_version);
    if (!lines) {
        return failure{lines.error()};
    }
    return parse_entries(file, lines.value());
}

std::string format_leader_epoch_checkpoint(std::span<const epoch_entry> entries) {
    return format_checkpoint_text(leader_epoch_checkpoint_version, entry_lines(entries));
}

io_result<std::vector<epoch_entry>> read_leader_epoch_checkpoint(
    file_system& fs, const std::filesystem::path& partition_dir) {
    std::filesystem::path file = file_in(partition_dir);
    auto lines = read_checkpoint_file(fs, file, leader_epoch_checkpoint_version,
                                      leader_epoch_checkpoint_max_bytes);
    if (!lines) {
        return failure{lines.error()};
    }
    return parse_entries(file, lines.value());
}

io_status write_leader_epoch_checkpoint(file_system& fs, const std::filesystem::path& partition_dir,
                                        std::span<const epoch_entry> entries) {
    return write_checkpoint_file(fs, file_in(partition_dir), leader_epoch_checkpoint_version,
                                 entry_lines(entries));
}

}  // namespace samsa::storage
