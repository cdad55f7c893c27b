#include "storage/directory_lock.h"

#include <fmt/format.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>

namespace samsa::storage {

io_result<std::vector<std::unique_ptr<data_file>>> lock_directories(
    file_system& fs, std::span<const std::filesystem::path> dirs) {
    std::vector<std::unique_ptr<data_file>> locks;
    for (const auto& dir : dirs) {
        if (auto created = fs.create_directories(dir); !created) {
            return failure{created.error()};
        }
        auto file = fs.open(dir / directory_lock_file_name, open_mode::read_write_create);
        if (!file) {
            return failure{file.error()};
        }
        if (::flock(file.value()->descriptor(), LOCK_EX | LOCK_NB) != 0) {
            int error = errno;
            std::string why = error == EWOULDBLOCK
                                  ? "another process (a broker or a tool) is using this directory"
                                  : std::strerror(error);
            return failure{io_failure{
                std::error_code(error, std::system_category()),
                fmt::format("cannot lock {}: {}", (dir / directory_lock_file_name).string(), why)}};
        }
        locks.push_back(std::move(file).value());
    }
    return locks;
}

}  // namespace samsa::storage
