#pragma once

// What the offset-index and time-index tests share: one index file of segment 100 in a
// temporary directory, opened as Index, and raw access to its bytes.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/temporary_directory.h"
#include "storage/file_system.h"
#include "storage/mapped_index_file.h"

namespace samsa::storage {

template <typename Index>
class index_test_fixture : public ::testing::Test {
protected:
    static constexpr offset base{100};

    explicit index_test_fixture(std::string_view suffix)
        : file_name_("00000000000000000100" + std::string(suffix)) {}

    std::filesystem::path path() const { return dir_.path() / file_name_; }

    // An index of 16 entries unless told otherwise.
    io_result<Index> open_index(uint32_t max_index_bytes = 16 * Index::entry_size_bytes,
                                index_access access = index_access::read_write) {
        auto mode = access == index_access::read_write ? open_mode::read_write_create
                                                       : open_mode::read_only;
        auto file = fs_->open(path(), mode);
        if (!file) {
            return failure{file.error()};
        }
        return Index::open(std::move(file).value(), base, max_index_bytes, access);
    }

    void write_file(const std::vector<uint8_t>& bytes) {
        auto file = fs_->open(path(), open_mode::read_write_create);
        ASSERT_TRUE(file);
        ASSERT_TRUE(file.value()->truncate(0));
        ASSERT_TRUE(file.value()->write_at(0, bytes));
    }

    std::vector<uint8_t> read_file() {
        auto file = fs_->open(path(), open_mode::read_only);
        EXPECT_TRUE(file);
        std::vector<uint8_t> bytes(file.value()->size().value());
        EXPECT_EQ(file.value()->read_at(0, bytes).value(), bytes.size());
        return bytes;
    }

    uint64_t file_size() { return std::filesystem::file_size(path()); }

    temporary_directory dir_;
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);

private:
    std::string file_name_;
};

}  // namespace samsa::storage
