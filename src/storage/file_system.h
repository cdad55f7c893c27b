#pragma once

// Every file operation of the storage layer goes through this interface (LevelDB's Env),
// so that tests can inject short writes, ENOSPC, EIO and torn tails
// (faulty_file_system.h) and the log code never calls the OS directly.
//
// Data calls (write_at, read_at, truncate, size) are synchronous: they hit the page cache
// and are what Kafka does on its request threads too. Durability calls come in two forms:
// sync() blocks and is for start-up, recovery and background threads; async_sync() is for
// code on a shard's event loop and never blocks it (io_uring or a worker thread, through
// runtime::file_io).
//
// Errors are errno values with the operation and path, ready for a log line.

#include <asio/awaitable.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "base/result.h"

namespace samsa::runtime {
class file_io;
}

namespace samsa::storage {

struct io_failure {
    std::error_code code;
    std::string message;  // "write /data/t-0/00000000000000000000.log at 4096: No space left..."
};

template <typename T>
using io_result = result<T, io_failure>;
using io_status = io_result<std::monostate>;

inline io_status io_ok() {
    return std::monostate{};
}

// An open file. Owned by one shard at a time (or by a loading thread before a shard takes
// it); not thread-safe.
class data_file {
public:
    virtual ~data_file() = default;

    virtual const std::filesystem::path& path() const = 0;
    // Writes all of data at offset; on failure some prefix may have been written.
    virtual io_status write_at(uint64_t offset, std::span<const uint8_t> data) = 0;
    // Reads until buffer is full or the file ends; returns the count (short only at EOF).
    virtual io_result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) = 0;
    virtual io_result<uint64_t> size() = 0;
    // Sets the size: cuts a torn tail, trims a preallocated index, or grows (with zeros).
    virtual io_status truncate(uint64_t size_bytes) = 0;
    // The descriptor, for mmap (indexes), sendfile (fetch) and file_io (async sync).
    virtual int descriptor() const = 0;
};

enum class open_mode : uint8_t {
    read_only,
    read_write,         // must exist
    read_write_create,  // created if missing
};

class file_system {
public:
    virtual ~file_system() = default;

    virtual io_result<std::unique_ptr<data_file>> open(const std::filesystem::path& path,
                                                       open_mode mode) = 0;
    // rename(2): atomic, replaces `to`.
    virtual io_status rename(const std::filesystem::path& from,
                             const std::filesystem::path& to) = 0;
    // Removes a file or an empty directory; a missing path is not an error.
    virtual io_status remove(const std::filesystem::path& path) = 0;
    // Removes a directory and everything below it; a missing path is not an error.
    virtual io_status remove_all(const std::filesystem::path& path) = 0;
    // The names (not paths) in a directory, unsorted.
    virtual io_result<std::vector<std::string>> list(const std::filesystem::path& dir) = 0;
    virtual io_status create_directories(const std::filesystem::path& dir) = 0;
    virtual io_result<bool> exists(const std::filesystem::path& path) = 0;

    // fsync(2) of the file: blocks the caller.
    virtual io_status sync(data_file& file) = 0;
    // fsync(2) of a directory, so that creations, renames and removals in it are durable.
    virtual io_status sync_directory(const std::filesystem::path& dir) = 0;
    // fdatasync(2) of the file without blocking the calling shard's event loop. Must be
    // called on the shard whose file_io this file system was given.
    virtual asio::awaitable<io_status> async_sync(data_file& file) = 0;
};

// The real thing: POSIX calls. async_sync goes through io (io_uring or its worker
// threads), or with no io through the calling shard's (runtime::thread_file_io), so one
// file system serves every shard; on a thread with neither it syncs inline, which is
// only for start-up, tests and tools.
std::unique_ptr<file_system> make_posix_file_system(runtime::file_io* io);

// Writes `contents` to `path` so that a crash leaves either the old file or the new one:
// write path.tmp, fsync it, rename over path, fsync the directory (Kafka's checkpoint
// discipline). Blocking.
io_status write_file_atomically(file_system& fs, const std::filesystem::path& path,
                                std::span<const uint8_t> contents);
// Reads a whole small file (checkpoints, metadata). Blocking.
io_result<std::string> read_small_file(file_system& fs, const std::filesystem::path& path,
                                       std::size_t max_bytes);

}  // namespace samsa::storage
