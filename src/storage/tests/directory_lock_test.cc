#include "storage/directory_lock.h"

#include <gtest/gtest.h>

#include "base/temporary_directory.h"

namespace samsa::storage {
namespace {

TEST(DirectoryLock, ASecondLockOfTheSameDirectoryFailsUntilTheFirstIsReleased) {
    temporary_directory dir;
    auto fs = make_posix_file_system(nullptr);
    std::vector<std::filesystem::path> dirs{dir / "a", dir / "b"};
    auto first = lock_directories(*fs, dirs);
    ASSERT_TRUE(first);
    EXPECT_EQ(first.value().size(), 2u);
    // flock locks belong to the open file description: a second open conflicts, as a
    // second process would.
    auto second = lock_directories(*fs, std::span(dirs).subspan(1));
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("another process"), std::string::npos);
    first.value().clear();
    EXPECT_TRUE(lock_directories(*fs, dirs));
}

}  // namespace
}  // namespace samsa::storage
