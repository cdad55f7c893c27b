// The fault-injecting file system (storage/faulty_file_system.h).

#include "storage/faulty_file_system.h"

#include <gtest/gtest.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <string>

#include "base/temporary_directory.h"

namespace samsa::storage {
namespace {

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string contents_of(file_system& fs, const std::filesystem::path& path) {
    auto text = read_small_file(fs, path, 1 << 20);
    EXPECT_TRUE(text) << text.error().message;
    return text ? text.value() : "";
}

class FaultyFileSystem : public ::testing::Test {
protected:
    std::unique_ptr<data_file> open(const std::string& name) {
        auto file = fs.open(dir.path() / name, open_mode::read_write_create);
        EXPECT_TRUE(file) << file.error().message;
        return file ? std::move(file.value()) : nullptr;
    }

    temporary_directory dir;
    std::unique_ptr<file_system> posix = make_posix_file_system(nullptr);
    faulty_file_system fs{*posix};
};

TEST_F(FaultyFileSystem, PassesCallsThroughAndCountsThem) {
    auto file = open("a.log");
    ASSERT_TRUE(file->write_at(0, bytes_of("hello")));
    ASSERT_TRUE(fs.sync(*file));
    ASSERT_TRUE(fs.rename(dir.path() / "a.log", dir.path() / "b.log"));
    EXPECT_EQ(contents_of(fs, dir.path() / "b.log"), "hello");
    EXPECT_EQ(fs.count(file_operation::open), 2u);  // one more by read_small_file
    EXPECT_EQ(fs.count(file_operation::write), 1u);
    EXPECT_EQ(fs.count(file_operation::sync), 1u);
    EXPECT_EQ(fs.count(file_operation::rename), 1u);
    EXPECT_EQ(fs.injected(), 0u);
    fs.reset_counts();
    EXPECT_EQ(fs.count(file_operation::open), 0u);
}

TEST_F(FaultyFileSystem, FailsOnlyTheNthMatchingCall) {
    auto log = open("00000000000000000000.log");
    auto index = open("00000000000000000000.index");
    fault_id id = fs.arm({.operation = file_operation::write,
                          .matches = path_ends_with(".log"),
                          .error = std::make_error_code(std::errc::no_space_on_device),
                          .skip = 2});
    ASSERT_TRUE(log->write_at(0, bytes_of("a")));
    ASSERT_TRUE(index->write_at(0, bytes_of("x")));  // does not match: not counted
    ASSERT_TRUE(log->write_at(1, bytes_of("b")));
    auto third = log->write_at(2, bytes_of("c"));
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().code, std::errc::no_space_on_device);
    EXPECT_NE(third.error().message.find("00000000000000000000.log"), std::string::npos);
    EXPECT_NE(third.error().message.find("injected"), std::string::npos);
    EXPECT_TRUE(log->write_at(2, bytes_of("c")));  // a fault fires once by default
    EXPECT_EQ(fs.fired(id), 1u);
    EXPECT_EQ(fs.injected(), 1u);
    EXPECT_EQ(contents_of(fs, dir.path() / "00000000000000000000.log"), "abc");
}

TEST_F(FaultyFileSystem, ARepeatingFaultFailsEveryMatchingCallUntilDisarmed) {
    auto file = open("a.log");
    fault_id id = fs.arm({.operation = file_operation::sync, .repeat = fault_repeat::always});
    for (int i = 0; i < 3; ++i) {
        auto synced = fs.sync(*file);
        ASSERT_FALSE(synced);
        EXPECT_EQ(synced.error().code, std::errc::io_error);
    }
    fs.disarm(id);
    EXPECT_TRUE(fs.sync(*file));
    EXPECT_EQ(fs.fired(id), 3u);
    EXPECT_EQ(fs.count(file_operation::sync), 4u);
}

TEST_F(FaultyFileSystem, AShortWriteWritesAPrefixThenFails) {
    auto file = open("a.log");
    fs.arm({.operation = file_operation::write,
            .error = std::make_error_code(std::errc::no_space_on_device),
            .short_write_bytes = 3});
    auto written = file->write_at(0, bytes_of("abcdef"));
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, std::errc::no_space_on_device);
    EXPECT_EQ(contents_of(fs, dir.path() / "a.log"), "abc");
}

TEST_F(FaultyFileSystem, ARenameMatchesEitherPath) {
    open("checkpoint.tmp");
    fs.arm({.operation = file_operation::rename, .matches = path_is(dir.path() / "checkpoint")});
    EXPECT_FALSE(fs.rename(dir.path() / "checkpoint.tmp", dir.path() / "checkpoint"));
    EXPECT_TRUE(fs.exists(dir.path() / "checkpoint.tmp").value());
    EXPECT_FALSE(fs.exists(dir.path() / "checkpoint").value());
}

TEST_F(FaultyFileSystem, EveryKindOfCallCanFail) {
    auto file = open("a.log");
    const file_operation operations[] = {
        file_operation::open,          file_operation::read,   file_operation::size,
        file_operation::truncate,      file_operation::remove, file_operation::remove_all,
        file_operation::list,          file_operation::exists, file_operation::create_directories,
        file_operation::sync_directory};
    for (file_operation operation : operations) {
        fs.arm({.operation = operation});
    }
    uint8_t buffer[4];
    EXPECT_FALSE(fs.open(dir.path() / "a.log", open_mode::read_only));
    EXPECT_FALSE(file->read_at(0, buffer));
    EXPECT_FALSE(file->size());
    EXPECT_FALSE(file->truncate(0));
    EXPECT_FALSE(fs.remove(dir.path() / "a.log"));
    EXPECT_FALSE(fs.remove_all(dir.path() / "x"));
    EXPECT_FALSE(fs.list(dir.path()));
    EXPECT_FALSE(fs.exists(dir.path() / "a.log"));
    EXPECT_FALSE(fs.create_directories(dir.path() / "x"));
    EXPECT_FALSE(fs.sync_directory(dir.path()));
    EXPECT_EQ(fs.injected(), std::size(operations));
    // Each fired once and is gone.
    EXPECT_TRUE(fs.exists(dir.path() / "a.log").value());
}

TEST_F(FaultyFileSystem, ACrashFailsEveryLaterCallUntilRestart) {
    auto file = open("a.log");
    fs.arm({.operation = file_operation::sync, .effect = fault_effect::crash});
    EXPECT_FALSE(fs.sync(*file));
    EXPECT_TRUE(fs.crashed());
    EXPECT_FALSE(file->write_at(0, bytes_of("lost")));
    EXPECT_FALSE(fs.exists(dir.path() / "a.log"));
    EXPECT_EQ(fs.injected(), 3u);
    fs.restart();
    EXPECT_FALSE(fs.crashed());
    EXPECT_TRUE(file->write_at(0, bytes_of("back")));
    EXPECT_EQ(contents_of(fs, dir.path() / "a.log"), "back");
}

TEST_F(FaultyFileSystem, AsyncSyncCountsAndFailsAsSync) {
    auto file = open("a.log");
    fs.arm({.operation = file_operation::sync,
            .error = std::make_error_code(std::errc::no_space_on_device)});
    std::optional<io_status> first;
    std::optional<io_status> second;
    asio::io_context context;
    asio::co_spawn(
        context,
        [&]() -> asio::awaitable<void> {
            first = co_await fs.async_sync(*file);
            second = co_await fs.async_sync(*file);
        },
        asio::detached);
    context.run();
    ASSERT_TRUE(first && second);
    ASSERT_FALSE(*first);
    EXPECT_EQ(first->error().code, std::errc::no_space_on_device);
    EXPECT_TRUE(*second);
    EXPECT_EQ(fs.count(file_operation::sync), 2u);
}

TEST_F(FaultyFileSystem, AtomicWritesFailAtEachStepWithoutTouchingTheTarget) {
    const auto target = dir.path() / "checkpoint";
    ASSERT_TRUE(write_file_atomically(fs, target, bytes_of("old")));
    const file_operation steps[] = {file_operation::open, file_operation::truncate,
                                    file_operation::write, file_operation::sync,
                                    file_operation::rename};
    for (file_operation step : steps) {
        fs.arm({.operation = step});
        EXPECT_FALSE(write_file_atomically(fs, target, bytes_of("new")))
            << "failing " << to_string(step);
        EXPECT_EQ(contents_of(fs, target), "old") << "failing " << to_string(step);
    }
    EXPECT_TRUE(write_file_atomically(fs, target, bytes_of("new")));
    EXPECT_EQ(contents_of(fs, target), "new");
}

}  // namespace
}  // namespace samsa::storage
