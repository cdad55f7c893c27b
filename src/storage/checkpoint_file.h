#pragma once

// Kafka's checkpoint text format (server-common CheckpointFile), shared by the offset
// checkpoints of a log directory (offset_checkpoint.h) and a partition's
// leader-epoch-checkpoint (leader_epoch_checkpoint.h). UTF-8 text, one item per line:
//
//     0              <- version (a base-10 int32; each kind of file knows its own)
//     2              <- number of entry lines that follow
//     orders 0 42    <- entries; their fields are separated by whitespace
//     orders 1 17
//
// Lines end in "\n" when written; "\r\n" and "\r" are accepted when read, as Java's
// BufferedReader.readLine does. Read leniencies that Kafka has and that this code keeps:
// an empty file, or one that stops after the version line, holds no entries (Kafka creates
// an empty checkpoint file before it first writes one). Everything else that deviates is
// an error: a version other than the expected one, a count that is not an int, an entry
// line the caller cannot parse (including an empty line), and a count that does not match
// the number of entry lines.
//
// Errors are io_failure values, like every other storage file error, with the code
// std::errc::bad_message for a malformed file and the path and line number in the message.
//
// Writes go through write_file_atomically (write `<name>.tmp`, fsync, rename, fsync the
// directory), so a crash leaves the old checkpoint or the new one, never a mix; a `.tmp`
// left by a crash is never read and is overwritten by the next write.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/file_system.h"

namespace samsa::storage {

struct checkpoint_line {
    std::size_t number;  // 1-based line number in the file, for error messages
    std::string text;
};

// The entry lines of a checkpoint's text (everything after the count line), checked
// against the framing described above; `file` only names the file in errors.
io_result<std::vector<checkpoint_line>> parse_checkpoint_text(const std::filesystem::path& file,
                                                              std::string_view text,
                                                              int32_t expected_version);

// The entry lines of the checkpoint at `file`; a missing file holds no entries.
io_result<std::vector<checkpoint_line>> read_checkpoint_file(file_system& fs,
                                                             const std::filesystem::path& file,
                                                             int32_t expected_version,
                                                             std::size_t max_bytes);

// The text of a checkpoint: version, count, then each entry on its own line.
std::string format_checkpoint_text(int32_t version, std::span<const std::string> entries);

// Writes a checkpoint atomically (see above). Blocking: it fsyncs twice.
io_status write_checkpoint_file(file_system& fs, const std::filesystem::path& file, int32_t version,
                                std::span<const std::string> entries);

// The error for a line a parser rejects: "malformed line 3 of checkpoint file <path>: ...".
io_failure malformed_checkpoint_line(const std::filesystem::path& file, std::size_t line_number,
                                     std::string_view line, std::string_view reason);

// A line split the way Kafka splits it (Java's String.split("\\s+")): runs of ASCII
// whitespace separate fields; leading whitespace yields an empty first field, trailing
// whitespace is dropped.
std::vector<std::string_view> split_checkpoint_fields(std::string_view line);

// Java's Integer.parseInt / Long.parseLong for ASCII input: an optional '+' or '-', then
// one or more decimal digits, within range; nothing else (no spaces).
std::optional<int32_t> parse_int32(std::string_view text);
std::optional<int64_t> parse_int64(std::string_view text);

}  // namespace samsa::storage
