#pragma once

// A file_system for tests that passes every call to another one, counts the calls, and
// fails the ones a test arms a fault for (LevelDB's FaultInjectionTestEnv, smaller):
//
//     auto posix = make_posix_file_system(nullptr);
//     faulty_file_system fs(*posix);
//     fs.arm({.operation = file_operation::write,
//             .matches = path_ends_with(".tmp"),
//             .error = std::make_error_code(std::errc::no_space_on_device)});
//     // the next write to a *.tmp file fails with ENOSPC, and only that one
//
// A fault fires on the (skip + 1)th matching call after it is armed, then on every later
// matching call if it repeats (a rule that fires once is then disarmed). When several armed
// rules match a call, every one counts it and the first armed that is due fails it. The
// failed call does not reach the wrapped file system, except a short write, which writes a
// prefix of its data first (a torn write). A fault whose effect is `crash` also fails every
// later call of any kind, until restart(): the process is dead from that point on. It does
// not model the loss of unsynced data (the page cache survives this kind of crash); tests
// that need that truncate files themselves.
//
// Counts include failed calls. async_sync counts as sync. Thread-safe: a mutex guards the
// rules and counts, so the wrapped file system may be used from worker threads too.
// Files opened through it must be closed before it is destroyed, and sync() accepts only
// files it opened.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "storage/file_system.h"

namespace samsa::storage {

enum class file_operation : uint8_t {
    open,
    write,  // data_file::write_at
    read,   // data_file::read_at
    size,   // data_file::size
    truncate,
    sync,  // sync and async_sync
    sync_directory,
    rename,  // matches if either path matches
    remove,
    remove_all,
    list,
    create_directories,
    exists,
};
inline constexpr std::size_t file_operation_count = 13;

std::string_view to_string(file_operation operation);

using path_predicate = std::function<bool(const std::filesystem::path&)>;

path_predicate any_path();
path_predicate path_is(std::filesystem::path path);
// The file name ends with `suffix` (".log", ".tmp", "leader-epoch-checkpoint").
path_predicate path_ends_with(std::string suffix);

enum class fault_repeat : uint8_t { once, always };
enum class fault_effect : uint8_t {
    fail,   // the call fails; later calls are unaffected
    crash,  // the call fails, and so does every later call until restart()
};

struct fault_rule {
    file_operation operation;
    path_predicate matches = any_path();
    std::error_code error = std::make_error_code(std::errc::io_error);
    uint64_t skip = 0;  // matching calls let through before the first failure
    fault_repeat repeat = fault_repeat::once;
    fault_effect effect = fault_effect::fail;
    // For writes: write this many bytes of the data (at most all of it), then fail.
    std::optional<std::size_t> short_write_bytes;
};

using fault_id = uint64_t;

class faulty_file_system final : public file_system {
public:
    // `inner` must outlive this file system.
    explicit faulty_file_system(file_system& inner) : inner_(inner) {}

    fault_id arm(fault_rule rule);
    void disarm(fault_id id);
    void disarm_all();
    // After a crash: calls go through again. Armed rules stay armed.
    void restart();
    bool crashed() const;

    // Calls of `operation` since construction (or reset_counts), failed ones included.
    uint64_t count(file_operation operation) const;
    // Times the rule failed a call (still known after it is disarmed; 0 if never armed).
    uint64_t fired(fault_id id) const;
    // Calls failed by any rule or by a crash.
    uint64_t injected() const;
    void reset_counts();

    // file_system
    io_result<std::unique_ptr<data_file>> open(const std::filesystem::path& path,
                                               open_mode mode) override;
    io_status rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
    io_status remove(const std::filesystem::path& path) override;
    io_status remove_all(const std::filesystem::path& path) override;
    io_result<std::vector<std::string>> list(const std::filesystem::path& dir) override;
    io_status create_directories(const std::filesystem::path& dir) override;
    io_result<bool> exists(const std::filesystem::path& path) override;
    io_status sync(data_file& file) override;
    io_status sync_directory(const std::filesystem::path& dir) override;
    asio::awaitable<io_status> async_sync(data_file& file) override;

    // What a call should do: go ahead (nullopt) or fail, possibly after writing a prefix.
    // Public for the wrapped files; tests use the counters above.
    struct injected_fault {
        io_failure failure;
        std::optional<std::size_t> short_write_bytes;
    };
    std::optional<injected_fault> check(file_operation operation, const std::filesystem::path& path,
                                        const std::filesystem::path* second_path = nullptr);

private:
    struct armed_rule {
        fault_id id;
        fault_rule rule;
        uint64_t matched = 0;
    };

    file_system& inner_;
    mutable std::mutex mutex_;
    std::vector<armed_rule> rules_;  // in arming order; the first that fires decides
    std::map<fault_id, uint64_t> fired_;
    std::array<uint64_t, file_operation_count> counts_{};
    fault_id next_id_ = 1;
    uint64_t injected_ = 0;
    bool crashed_ = false;
};

}  // namespace samsa::storage
