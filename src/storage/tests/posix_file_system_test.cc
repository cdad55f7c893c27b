#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "base/temporary_directory.h"
#include "storage/file_system.h"

namespace samsa::storage {
namespace {

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(PosixFileSystem, WritesAndReadsAtOffsets) {
    temporary_directory dir;
    auto fs = make_posix_file_system(nullptr);
    auto file = fs->open(dir.path() / "a", open_mode::read_write_create);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file.value()->write_at(0, bytes_of("hello")));
    ASSERT_TRUE(file.value()->write_at(5, bytes_of(" world")));
    std::string buffer(20, '\0');
    auto read = file.value()->read_at(0, std::span(reinterpret_cast<uint8_t*>(buffer.data()), 20));
    ASSERT_TRUE(read);
    EXPECT_EQ(read.value(), 11u);
    EXPECT_EQ(buffer.substr(0, 11), "hello world");
    EXPECT_EQ(file.value()->size().value(), 11u);
    ASSERT_TRUE(file.value()->truncate(5));
    EXPECT_EQ(file.value()->size().value(), 5u);
}

TEST(PosixFileSystem, OpeningAMissingFileNamesThePath) {
    temporary_directory dir;
    auto fs = make_posix_file_system(nullptr);
    auto file = fs->open(dir.path() / "missing", open_mode::read_only);
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, std::errc::no_such_file_or_directory);
    EXPECT_NE(file.error().message.find("missing"), std::string::npos);
}

TEST(PosixFileSystem, AtomicWriteReplacesTheFileAndLeavesNoTemporary) {
    temporary_directory dir;
    auto fs = make_posix_file_system(nullptr);
    auto path = dir.path() / "checkpoint";
    ASSERT_TRUE(write_file_atomically(*fs, path, bytes_of("first")));
    ASSERT_TRUE(write_file_atomically(*fs, path, bytes_of("second")));
    EXPECT_EQ(read_small_file(*fs, path, 100).value(), "second");
    EXPECT_FALSE(fs->exists(dir.path() / "checkpoint.tmp").value());
}

TEST(PosixFileSystem, ReadSmallFileRefusesLargeFiles) {
    temporary_directory dir;
    auto fs = make_posix_file_system(nullptr);
    ASSERT_TRUE(write_file_atomically(*fs, dir.path() / "f", bytes_of("0123456789")));
    EXPECT_FALSE(read_small_file(*fs, dir.path() / "f", 5));
}

TEST(PosixFileSystem, ListsCreatesAndRemoves) {
    temporary_directory dir;
    auto fs = make_posix_file_system(nullptr);
    ASSERT_TRUE(fs->create_directories(dir.path() / "x" / "y"));
    ASSERT_TRUE(fs->open(dir.path() / "x" / "f", open_mode::read_write_create));
    auto names = fs->list(dir.path() / "x");
    ASSERT_TRUE(names);
    EXPECT_EQ(names.value().size(), 2u);
    ASSERT_TRUE(fs->remove_all(dir.path() / "x"));
    EXPECT_FALSE(fs->exists(dir.path() / "x").value());
    EXPECT_TRUE(fs->remove(dir.path() / "never-existed"));
}

}  // namespace
}  // namespace samsa::storage
