// The POSIX file_system (file_system.h): plain system calls, errors as errno with the
// operation and path.

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/file_io.h"
#include "storage/file_system.h"

namespace samsa::storage {
namespace {

io_failure errno_failure(int error, std::string_view operation, const std::filesystem::path& path) {
    return {std::error_code(error, std::system_category()),
            fmt::format("{} {}: {}", operation, path.string(), std::strerror(error))};
}

class posix_file final : public data_file {
public:
    posix_file(std::filesystem::path path, int descriptor)
        : path_(std::move(path)), descriptor_(descriptor) {}
    ~posix_file() override { ::close(descriptor_); }

    const std::filesystem::path& path() const override { return path_; }
    int descriptor() const override { return descriptor_; }

    io_status write_at(uint64_t offset, std::span<const uint8_t> data) override {
        std::size_t written = 0;
        while (written < data.size()) {
            ssize_t count = ::pwrite(descriptor_, data.data() + written, data.size() - written,
                                     static_cast<off_t>(offset + written));
            if (count < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return failure{
                    errno_failure(errno, fmt::format("write at {}", offset + written), path_)};
            }
            if (count == 0) {
                return failure{errno_failure(EIO, "write made no progress", path_)};
            }
            written += static_cast<std::size_t>(count);
        }
        return io_ok();
    }

    io_result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override {
        std::size_t total = 0;
        while (total < buffer.size()) {
            ssize_t count = ::pread(descriptor_, buffer.data() + total, buffer.size() - total,
                                    static_cast<off_t>(offset + total));
            if (count < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return failure{
                    errno_failure(errno, fmt::format("read at {}", offset + total), path_)};
            }
            if (count == 0) {
                break;
            }
            total += static_cast<std::size_t>(count);
        }
        return total;
    }

    io_result<uint64_t> size() override {
        struct stat status {};
        if (::fstat(descriptor_, &status) != 0) {
            return failure{errno_failure(errno, "stat", path_)};
        }
        return static_cast<uint64_t>(status.st_size);
    }

    io_status truncate(uint64_t size_bytes) override {
        if (::ftruncate(descriptor_, static_cast<off_t>(size_bytes)) != 0) {
            return failure{errno_failure(errno, fmt::format("truncate to {}", size_bytes), path_)};
        }
        return io_ok();
    }

private:
    std::filesystem::path path_;
    int descriptor_;
};

class posix_file_system final : public file_system {
public:
    explicit posix_file_system(runtime::file_io* io) : io_(io) {}

    io_result<std::unique_ptr<data_file>> open(const std::filesystem::path& path,
                                               open_mode mode) override {
        int flags = O_CLOEXEC;
        switch (mode) {
            case open_mode::read_only:
                flags |= O_RDONLY;
                break;
            case open_mode::read_write:
                flags |= O_RDWR;
                break;
            case open_mode::read_write_create:
                flags |= O_RDWR | O_CREAT;
                break;
        }
        int descriptor = ::open(path.c_str(), flags, 0644);
        if (descriptor < 0) {
            return failure{errno_failure(errno, "open", path)};
        }
        return std::unique_ptr<data_file>(std::make_unique<posix_file>(path, descriptor));
    }

    io_status rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0) {
            return failure{errno_failure(errno, fmt::format("rename to {}", to.string()), from)};
        }
        return io_ok();
    }

    io_status remove(const std::filesystem::path& path) override {
        if (::remove(path.c_str()) != 0 && errno != ENOENT) {
            return failure{errno_failure(errno, "remove", path)};
        }
        return io_ok();
    }

    io_status remove_all(const std::filesystem::path& path) override {
        std::error_code error;
        std::filesystem::remove_all(path, error);
        if (error) {
            return failure{errno_failure(error.value(), "remove recursively", path)};
        }
        return io_ok();
    }

    io_result<std::vector<std::string>> list(const std::filesystem::path& dir) override {
        DIR* stream = ::opendir(dir.c_str());
        if (stream == nullptr) {
            return failure{errno_failure(errno, "list", dir)};
        }
        std::vector<std::string> names;
        while (dirent* entry = ::readdir(stream)) {
            std::string_view name = entry->d_name;
            if (name != "." && name != "..") {
                names.emplace_back(name);
            }
        }
        ::closedir(stream);
        return names;
    }

    io_status create_directories(const std::filesystem::path& dir) override {
        std::error_code error;
        std::filesystem::create_directories(dir, error);
        if (error) {
            return failure{errno_failure(error.value(), "create directory", dir)};
        }
        return io_ok();
    }

    io_result<bool> exists(const std::filesystem::path& path) override {
        struct stat status {};
        if (::stat(path.c_str(), &status) == 0) {
            return true;
        }
        if (errno == ENOENT || errno == ENOTDIR) {
            return false;
        }
        return failure{errno_failure(errno, "stat", path)};
    }

    io_status sync(data_file& file) override {
        if (::fsync(file.descriptor()) != 0) {
            return failure{errno_failure(errno, "fsync", file.path())};
        }
        return io_ok();
    }

    io_status sync_directory(const std::filesystem::path& dir) override {
        int descriptor = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (descriptor < 0) {
            return failure{errno_failure(errno, "open directory", dir)};
        }
        int result = ::fsync(descriptor);
        int error = errno;
        ::close(descriptor);
        if (result != 0) {
            return failure{errno_failure(error, "fsync directory", dir)};
        }
        return io_ok();
    }

    asio::awaitable<io_status> async_sync(data_file& file) override {
        runtime::file_io* io = io_ != nullptr ? io_ : runtime::thread_file_io();
        if (io == nullptr) {
            co_return sync(file);
        }
        auto synced = co_await io->sync_data(file.descriptor());
        if (!synced) {
            co_return failure{errno_failure(synced.error().value(), "fdatasync", file.path())};
        }
        co_return io_ok();
    }

private:
    runtime::file_io* io_;
};

}  // namespace

std::unique_ptr<file_system> make_posix_file_system(runtime::file_io* io) {
    return std::make_unique<posix_file_system>(io);
}

io_status write_file_atomically(file_system& fs, const std::filesystem::path& path,
                                std::span<const uint8_t> contents) {
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    {
        auto file = fs.open(temporary, open_mode::read_write_create);
        if (!file) {
            return failure{file.error()};
        }
        if (auto cut = file.value()->truncate(0); !cut) {
            return cut;
        }
        if (auto written = file.value()->write_at(0, contents); !written) {
            return written;
        }
        if (auto synced = fs.sync(*file.value()); !synced) {
            return synced;
        }
    }
    if (auto renamed = fs.rename(temporary, path); !renamed) {
        return renamed;
    }
    return fs.sync_directory(path.parent_path().empty() ? "." : path.parent_path());
}

io_result<std::string> read_small_file(file_system& fs, const std::filesystem::path& path,
                                       std::size_t max_bytes) {
    auto file = fs.open(path, open_mode::read_only);
    if (!file) {
        return failure{file.error()};
    }
    auto size = file.value()->size();
    if (!size) {
        return failure{size.error()};
    }
    if (size.value() > max_bytes) {
        return failure{io_failure{std::make_error_code(std::errc::file_too_large),
                                  fmt::format("{} is {} bytes, more than the {} expected",
                                              path.string(), size.value(), max_bytes)}};
    }
    std::string contents(size.value(), '\0');
    auto read = file.value()->read_at(
        0, std::span(reinterpret_cast<uint8_t*>(contents.data()), contents.size()));
    if (!read) {
        return failure{read.error()};
    }
    contents.resize(read.value());
    return contents;
}

}  // namespace samsa::storage
