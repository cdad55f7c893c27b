#pragma once

// How big the volume holding a directory is, and how much of it this process may still
// write: DescribeLogDirs' total_bytes and usable_bytes (Java's FileStore.getTotalSpace and
// getUsableSpace, which are statvfs's f_blocks and f_bavail in fragment units).

#include <cstdint>
#include <filesystem>

#include "storage/file_system.h"

namespace samsa::storage {

struct volume_space {
    int64_t total_bytes = 0;
    int64_t usable_bytes = 0;  // what an unprivileged writer may use
};

// statvfs(2) of dir; a failure (the directory is gone, the disk failed) is an io_failure.
io_result<volume_space> volume_space_of(const std::filesystem::path& dir);

}  // namespace samsa::storage
