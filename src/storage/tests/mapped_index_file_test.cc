#include "storage/mapped_index_file.h"

#include <gtest/gtest.h>

#include <array>

#include "base/temporary_directory.h"
#include "storage/file_system.h"

namespace samsa::storage {
namespace {

// A real file whose truncate fails on demand (ENOSPC while growing, EIO while shrinking).
class failing_truncate_file final : public data_file {
public:
    failing_truncate_file(std::unique_ptr<data_file> file, bool* fail_truncate)
        : file_(std::move(file)), fail_truncate_(fail_truncate) {}

    const std::filesystem::path& path() const override { return file_->path(); }
    io_status write_at(uint64_t offset, std::span<const uint8_t> data) override {
        return file_->write_at(offset, data);
    }
    io_result<std::size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override {
        return file_->read_at(offset, buffer);
    }
    io_result<uint64_t> size() override { return file_->size(); }
    io_status truncate(uint64_t size_bytes) override {
        if (*fail_truncate_) {
            return failure{io_failure{std::make_error_code(std::errc::no_space_on_device),
                                      "injected truncate failure"}};
        }
        return file_->truncate(size_bytes);
    }
    int descriptor() const override { return file_->descriptor(); }

private:
    std::unique_ptr<data_file> file_;
    bool* fail_truncate_;
};

constexpr uint32_t entry_size = 4;

std::array<uint8_t, entry_size> entry_of(uint8_t value) {
    return {value, value, value, value};
}

class MappedIndexFileTest : public ::testing::Test {
protected:
    std::filesystem::path path() const { return dir_.path() / "index"; }

    io_result<mapped_index_file> open_file(uint32_t max_index_bytes, index_access access) {
        auto mode = access == index_access::read_write ? open_mode::read_write_create
                                                       : open_mode::read_only;
        auto file = fs_->open(path(), mode);
        if (!file) {
            return failure{file.error()};
        }
        return mapped_index_file::open(
            std::make_unique<failing_truncate_file>(std::move(file).value(), &fail_truncate_),
            entry_size, max_index_bytes, access);
    }

    uint64_t file_size() { return std::filesystem::file_size(path()); }

    temporary_directory dir_;
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);
    bool fail_truncate_ = false;
};

TEST_F(MappedIndexFileTest, FailedPreallocationFailsTheOpen) {
    fail_truncate_ = true;
    auto index = open_file(64, index_access::read_write);
    ASSERT_FALSE(index);
    EXPECT_EQ(index.error().code, std::errc::no_space_on_device);
}

TEST_F(MappedIndexFileTest, FailedGrowthKeepsTheOldLengthAndEntries) {
    auto index = open_file(64, index_access::read_write);
    ASSERT_TRUE(index);
    index->append(entry_of(1));
    index->append(entry_of(2));
    ASSERT_TRUE(index->trim_to_valid_size());
    fail_truncate_ = true;
    EXPECT_FALSE(index->resize(64));
    EXPECT_EQ(index->length_bytes(), 2u * entry_size);
    EXPECT_EQ(file_size(), 2u * entry_size);
    EXPECT_EQ(index->entries(), 2u);
    EXPECT_EQ(index->entry_bytes(1)[0], 2);
    fail_truncate_ = false;
    ASSERT_TRUE(index->resize(64));
    index->append(entry_of(3));
    EXPECT_EQ(index->entry_bytes(2)[0], 3);
}

TEST_F(MappedIndexFileTest, FailedShrinkKeepsEntriesReadable) {
    auto index = open_file(64, index_access::read_write);
    ASSERT_TRUE(index);
    index->append(entry_of(1));
    fail_truncate_ = true;
    EXPECT_FALSE(index->trim_to_valid_size());
    // The mapping already shrank; the file keeps its tail, as after a crash.
    EXPECT_EQ(index->entries(), 1u);
    EXPECT_EQ(index->entry_bytes(0)[0], 1);
    EXPECT_EQ(file_size(), 64u);
}

TEST_F(MappedIndexFileTest, CloseReportsAFailedTrimAndStillUnmaps) {
    auto index = open_file(64, index_access::read_write);
    ASSERT_TRUE(index);
    index->append(entry_of(1));
    fail_truncate_ = true;
    EXPECT_FALSE(index->close());
    EXPECT_EQ(index->entries(), 0u);
}

TEST_F(MappedIndexFileTest, EmptyReadOnlyFileHasNoEntries) {
    ASSERT_TRUE(fs_->open(path(), open_mode::read_write_create));
    auto index = open_file(64, index_access::read_only);
    ASSERT_TRUE(index);
    EXPECT_EQ(index->entries(), 0u);
    EXPECT_EQ(index->max_entries(), 0u);
    EXPECT_EQ(index->last_at_or_below(0, [](uint32_t) { return int64_t{0}; }), std::nullopt);
    EXPECT_EQ(file_size(), 0u);
}

TEST_F(MappedIndexFileTest, MovedIndexKeepsItsMapping) {
    auto opened = open_file(64, index_access::read_write);
    ASSERT_TRUE(opened);
    mapped_index_file index = std::move(opened).value();
    index.append(entry_of(7));
    mapped_index_file moved = std::move(index);
    EXPECT_EQ(moved.entries(), 1u);
    EXPECT_EQ(moved.entry_bytes(0)[0], 7);
}

// Keys 0, 2, 4, ...: every target between, on and around them, in both the cold section
// and the warm one (the last 2048 four-byte entries).
TEST_F(MappedIndexFileTest, SearchFindsTheLastKeyAtOrBelowTargetInBothSections) {
    constexpr uint32_t count = 5000;
    auto index = open_file(count * entry_size, index_access::read_write);
    ASSERT_TRUE(index);
    for (uint32_t i = 0; i < count; ++i) {
        index->append(entry_of(0));
    }
    auto key_of = [](uint32_t n) { return int64_t{2} * n; };
    EXPECT_EQ(index->last_at_or_below(-1, key_of), std::nullopt);
    for (int64_t target = 0; target < 2 * count + 3; ++target) {
        uint32_t expected = std::min<uint32_t>(static_cast<uint32_t>(target / 2), count - 1);
        ASSERT_EQ(index->last_at_or_below(target, key_of), expected) << "target " << target;
    }
}

TEST_F(MappedIndexFileTest, SearchResolvesRepeatedKeysToTheLast) {
    auto index = open_file(64, index_access::read_write);
    ASSERT_TRUE(index);
    for (int i = 0; i < 6; ++i) {
        index->append(entry_of(0));
    }
    std::array<int64_t, 6> keys = {1, 3, 3, 3, 5, 5};
    auto key_of = [&](uint32_t n) { return keys[n]; };
    EXPECT_EQ(index->last_at_or_below(3, key_of), 3u);
    EXPECT_EQ(index->last_at_or_below(4, key_of), 3u);
    EXPECT_EQ(index->last_at_or_below(5, key_of), 5u);
    EXPECT_EQ(index->last_at_or_below(0, key_of), std::nullopt);
}

}  // namespace
}  // namespace samsa::storage
