#include "storage/volume_space.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <limits>
#include <system_error>

#include <fmt/format.h>

namespace samsa::storage {
namespace {

// Kafka reports Long.MAX_VALUE for a volume too large for a signed 64-bit count
// (ReplicaManager.adjustForLargeFileSystems).
int64_t clamped_bytes(uint64_t blocks, uint64_t block_bytes) {
    constexpr auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (block_bytes != 0 && blocks > max / block_bytes) {
        return std::numeric_limits<int64_t>::max();
    }
    return static_cast<int64_t>(blocks * block_bytes);
}

}  // namespace

io_result<volume_space> volume_space_of(const std::filesystem::path& dir) {
    struct statvfs stats {};
    if (::statvfs(dir.c_str(), &stats) != 0) {
        int error = errno;
        std::error_code code(error, std::system_category());
        return failure{
            io_failure{code, fmt::format("statvfs {}: {}", dir.string(), code.message())}};
    }
    return volume_space{.total_bytes = clamped_bytes(stats.f_blocks, stats.f_frsize),
                        .usable_bytes = clamped_bytes(stats.f_bavail, stats.f_frsize)};
}

}  // namespace samsa::storage
