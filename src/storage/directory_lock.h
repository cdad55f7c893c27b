#pragma once

// Kafka's `.lock` file in every log dir: an exclusive flock(2) held for the life of the
// process, so that two brokers (or a broker and a tool) never use one directory at once.
// The lock goes when the process does, however it ends: nothing to clean up after kill -9.

#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "storage/file_system.h"

namespace samsa::storage {

inline constexpr std::string_view directory_lock_file_name = ".lock";

// Locks every directory (creating it and its .lock file if needed); an error names the
// directory another process holds. Keep the result alive as long as the directories are used.
io_result<std::vector<std::unique_ptr<data_file>>> lock_directories(
    file_system& fs, std::span<const std::filesystem::path> dirs);

}  // namespace samsa::storage
