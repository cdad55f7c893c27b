#include "storage/offset_index.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "storage/tests/index_test_fixture.h"

namespace samsa::storage {
namespace {

// The segment every test index belongs to (index_test_fixture.h names its file after it).
constexpr offset base{100};

class OffsetIndexTest : public index_test_fixture<offset_index> {
protected:
    OffsetIndexTest() : index_test_fixture(".index") {}
};

// Entries at offsets 110, 120, ..., 100 + 10 * count with positions 1000, 2000, ...
void append_every_tenth(offset_index& index, int count) {
    for (int i = 1; i <= count; ++i) {
        index.append(offset(base.value() + 10 * i), static_cast<uint32_t>(1000 * i));
    }
}

TEST_F(OffsetIndexTest, NewFileIsPreallocated) {
    auto index = open_index(16 * 8);
    ASSERT_TRUE(index);
    EXPECT_EQ(file_size(), 16u * 8);
    EXPECT_EQ(index->length_bytes(), 16u * 8);
    EXPECT_EQ(index->max_entries(), 16u);
    EXPECT_EQ(index->entries(), 0u);
    EXPECT_EQ(index->size_bytes(), 0u);
    EXPECT_FALSE(index->is_full());
}

TEST_F(OffsetIndexTest, PreallocationRoundsDownToWholeEntries) {
    auto index = open_index(100);
    ASSERT_TRUE(index);
    EXPECT_EQ(file_size(), 96u);
    EXPECT_EQ(index->max_entries(), 12u);
}

TEST_F(OffsetIndexTest, MaxIndexBytesBelowOneEntryFailsToOpen) {
    auto index = open_index(7);
    ASSERT_FALSE(index);
    EXPECT_EQ(index.error().code, std::errc::invalid_argument);
}

TEST_F(OffsetIndexTest, EmptyIndexLooksUpToBase) {
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->last_offset(), base);
    EXPECT_EQ(index->lookup(offset(0)), (offset_position{base, 0}));
    EXPECT_EQ(index->lookup(offset(150)), (offset_position{base, 0}));
}

TEST_F(OffsetIndexTest, EntriesAreRelativeOffsetThenPositionBigEndian) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->append(offset(105), 0x01020304);
    index->append(offset(100 + 0x10000), 0x7fffffff);
    // Written through the shared mapping, visible to read(2) before any trim or sync.
    std::vector<uint8_t> bytes = read_file();
    ASSERT_EQ(bytes.size(), 16u * 8);
    std::vector<uint8_t> expected = {0, 0, 0, 5, 1, 2, 3, 4, 0, 1, 0, 0, 0x7f, 0xff, 0xff, 0xff};
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 16), expected);
    EXPECT_EQ(index->entry(1), (offset_position{offset(100 + 0x10000), 0x7fffffff}));
}

TEST_F(OffsetIndexTest, FirstEntryMayBeAtTheBaseOffset) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->append(base, 0);
    EXPECT_EQ(index->entries(), 1u);
    EXPECT_EQ(index->last_offset(), base);
    index->append(offset(101), 64);
    EXPECT_EQ(index->lookup(offset(100)), (offset_position{base, 0}));
}

TEST_F(OffsetIndexTest, LookupReturnsLargestEntryAtOrBelowTarget) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 5);
    EXPECT_EQ(index->lookup(offset(125)), (offset_position{offset(120), 2000}));
    EXPECT_EQ(index->lookup(offset(139)), (offset_position{offset(130), 3000}));
}

TEST_F(OffsetIndexTest, LookupOfAnIndexedOffsetReturnsItsEntry) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 5);
    for (int i = 1; i <= 5; ++i) {
        EXPECT_EQ(index->lookup(offset(100 + 10 * i)),
                  (offset_position{offset(100 + 10 * i), static_cast<uint32_t>(1000 * i)}));
    }
}

TEST_F(OffsetIndexTest, LookupBelowFirstEntryReturnsBaseOffsetAndPositionZero) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 5);
    EXPECT_EQ(index->lookup(offset(109)), (offset_position{base, 0}));
    EXPECT_EQ(index->lookup(offset(100)), (offset_position{base, 0}));
    EXPECT_EQ(index->lookup(offset(3)), (offset_position{base, 0}));
}

TEST_F(OffsetIndexTest, LookupFindsTheLastEntry) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 5);
    EXPECT_EQ(index->lookup(offset(150)), (offset_position{offset(150), 5000}));
    EXPECT_EQ(index->lookup(offset(1'000'000)), (offset_position{offset(150), 5000}));
    EXPECT_EQ(index->lookup(offset(INT64_MAX)), (offset_position{offset(150), 5000}));
}

// 5000 entries span the cold section and the warm one (the last 1024 entries).
TEST_F(OffsetIndexTest, LookupAgreesWithALinearScanInBothSections) {
    auto index = open_index(5000 * 8);
    ASSERT_TRUE(index);
    std::mt19937_64 random(42);
    std::vector<int64_t> offsets;
    int64_t next = base.value();
    for (uint32_t i = 0; i < 5000; ++i) {
        next += 1 + static_cast<int64_t>(random() % 7);
        offsets.push_back(next);
        index->append(offset(next), i * 100);
    }
    ASSERT_TRUE(index->is_full());
    for (int i = 0; i < 20000; ++i) {
        int64_t target = base.value() + static_cast<int64_t>(random() % (next - base.value() + 20));
        offset_position expected{base, 0};
        for (uint32_t slot = 0; slot < offsets.size() && offsets[slot] <= target; ++slot) {
            expected = {offset(offsets[slot]), slot * 100};
        }
        ASSERT_EQ(index->lookup(offset(target)), expected) << "target " << target;
    }
}

TEST_F(OffsetIndexTest, FullIndexReportsFull) {
    auto index = open_index(3 * 8);
    ASSERT_TRUE(index);
    append_every_tenth(*index, 2);
    EXPECT_FALSE(index->is_full());
    index->append(offset(130), 3000);
    EXPECT_TRUE(index->is_full());
    EXPECT_EQ(index->entries(), index->max_entries());
}

TEST_F(OffsetIndexTest, AppendToAFullIndexAborts) {
    auto index = open_index(1 * 8);
    ASSERT_TRUE(index);
    index->append(offset(110), 0);
    EXPECT_DEATH(index->append(offset(120), 10), "full");
}

TEST_F(OffsetIndexTest, AppendOfANonIncreasingOffsetAborts) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->append(offset(110), 0);
    EXPECT_DEATH(index->append(offset(110), 10), "append offset 110 after 110");
    EXPECT_DEATH(index->append(offset(105), 10), "append offset 105 after 110");
}

TEST_F(OffsetIndexTest, CanAppendOffsetOnlyWithinInt32OfBase) {
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_FALSE(index->can_append_offset(offset(99)));
    EXPECT_TRUE(index->can_append_offset(base));
    EXPECT_TRUE(index->can_append_offset(offset(100 + int64_t{INT32_MAX})));
    EXPECT_FALSE(index->can_append_offset(offset(101 + int64_t{INT32_MAX})));
    EXPECT_DEATH(index->append(offset(101 + int64_t{INT32_MAX}), 0), "outside the index");
}

TEST_F(OffsetIndexTest, TruncateToRemovesEntriesAtAndAbove) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(130));
    EXPECT_EQ(index->entries(), 2u);
    EXPECT_EQ(index->last_offset(), offset(120));
    EXPECT_EQ(index->lookup(offset(135)), (offset_position{offset(120), 2000}));
}

TEST_F(OffsetIndexTest, TruncateToBetweenEntriesKeepsTheEntryBelow) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(125));
    EXPECT_EQ(index->entries(), 2u);
    EXPECT_EQ(index->last_offset(), offset(120));
}

TEST_F(OffsetIndexTest, TruncateToAtOrBelowFirstEntryRemovesAll) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(110));
    EXPECT_EQ(index->entries(), 0u);
    EXPECT_EQ(index->last_offset(), base);
    append_every_tenth(*index, 1);
    index->truncate_to(offset(5));
    EXPECT_EQ(index->entries(), 0u);
}

TEST_F(OffsetIndexTest, TruncateToPastTheLastEntryChangesNothing) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(141));
    EXPECT_EQ(index->entries(), 4u);
    EXPECT_EQ(index->last_offset(), offset(140));
}

TEST_F(OffsetIndexTest, AppendAfterTruncateOverwritesTheRemovedSlots) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(125));
    index->append(offset(125), 2500);
    EXPECT_EQ(index->entries(), 3u);
    EXPECT_EQ(index->lookup(offset(140)), (offset_position{offset(125), 2500}));
}

TEST_F(OffsetIndexTest, TrimShrinksFileToEntries) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 3);
    ASSERT_TRUE(index->trim_to_valid_size());
    EXPECT_EQ(file_size(), 3u * 8);
    EXPECT_EQ(index->max_entries(), 3u);
    EXPECT_TRUE(index->is_full());
    EXPECT_EQ(index->lookup(offset(125)), (offset_position{offset(120), 2000}));
}

TEST_F(OffsetIndexTest, TrimOfAnEmptyIndexLeavesAnEmptyFile) {
    auto index = open_index();
    ASSERT_TRUE(index);
    ASSERT_TRUE(index->trim_to_valid_size());
    EXPECT_EQ(file_size(), 0u);
    EXPECT_EQ(index->lookup(offset(120)), (offset_position{base, 0}));
    ASSERT_TRUE(index->resize(4 * 8));
    index->append(offset(110), 10);
    EXPECT_EQ(index->lookup(offset(120)), (offset_position{offset(110), 10}));
}

TEST_F(OffsetIndexTest, CloseTrimsTheFile) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 2);
    ASSERT_TRUE(index->close());
    EXPECT_EQ(file_size(), 2u * 8);
}

TEST_F(OffsetIndexTest, ReopenAfterTrimKeepsEntries) {
    {
        auto index = open_index();
        ASSERT_TRUE(index);
        append_every_tenth(*index, 3);
        ASSERT_TRUE(index->close());
    }
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->entries(), 3u);
    EXPECT_EQ(index->last_offset(), offset(130));
    EXPECT_EQ(index->lookup(offset(125)), (offset_position{offset(120), 2000}));
    EXPECT_TRUE(index->sanity_check());
    // A reopened index is full until the owner resizes it for appends.
    EXPECT_TRUE(index->is_full());
    ASSERT_TRUE(index->resize(16 * 8));
    EXPECT_EQ(index->max_entries(), 16u);
    index->append(offset(140), 4000);
    EXPECT_EQ(index->lookup(offset(145)), (offset_position{offset(140), 4000}));
}

TEST_F(OffsetIndexTest, ReadOnlyIndexServesLookups) {
    {
        auto index = open_index();
        ASSERT_TRUE(index);
        append_every_tenth(*index, 3);
        ASSERT_TRUE(index->close());
    }
    auto index = open_index(16 * 8, index_access::read_only);
    ASSERT_TRUE(index);
    EXPECT_EQ(index->entries(), 3u);
    EXPECT_EQ(index->lookup(offset(131)), (offset_position{offset(130), 3000}));
    ASSERT_TRUE(index->close());
    EXPECT_EQ(file_size(), 3u * 8);
}

TEST_F(OffsetIndexTest, ResizeRoundsDownAndNeverDropsEntries) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 3);
    ASSERT_TRUE(index->resize(8 * 8 + 5));
    EXPECT_EQ(file_size(), 8u * 8);
    ASSERT_TRUE(index->resize(8));
    EXPECT_EQ(file_size(), 3u * 8);
    EXPECT_EQ(index->entries(), 3u);
    EXPECT_TRUE(index->is_full());
}

TEST_F(OffsetIndexTest, ResetRemovesAllEntriesAndPreallocatesAgain) {
    auto index = open_index(16 * 8);
    ASSERT_TRUE(index);
    append_every_tenth(*index, 3);
    ASSERT_TRUE(index->trim_to_valid_size());
    ASSERT_TRUE(index->reset());
    EXPECT_EQ(index->entries(), 0u);
    EXPECT_EQ(index->last_offset(), base);
    EXPECT_EQ(file_size(), 16u * 8);
    EXPECT_EQ(index->lookup(offset(130)), (offset_position{base, 0}));
}

TEST_F(OffsetIndexTest, WrittenIndexPassesSanityCheck) {
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_TRUE(index->sanity_check());
    index->append(offset(110), 1000);
    EXPECT_TRUE(index->sanity_check());
    index->append(offset(120), 2000);
    ASSERT_TRUE(index->trim_to_valid_size());
    EXPECT_TRUE(index->sanity_check());
}

TEST_F(OffsetIndexTest, CorruptLengthFailsSanityCheck) {
    write_file({0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0});
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->entries(), 2u);
    auto check = index->sanity_check();
    ASSERT_FALSE(check);
    EXPECT_NE(check.error().message.find("not a whole number"), std::string::npos);
}

TEST_F(OffsetIndexTest, LastOffsetBelowBaseFailsSanityCheck) {
    write_file({0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9});
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->last_offset(), offset(99));
    auto check = index->sanity_check();
    ASSERT_FALSE(check);
    EXPECT_NE(check.error().message.find("below the base offset"), std::string::npos);
}

// A crash before the trim leaves the preallocated zeros after the entries.
TEST_F(OffsetIndexTest, UntrimmedZeroTailFailsSanityCheck) {
    std::vector<uint8_t> bytes = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9};
    bytes.resize(10 * 8);
    write_file(bytes);
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->entries(), 10u);
    EXPECT_FALSE(index->sanity_check());
}

TEST_F(OffsetIndexTest, PreallocatedFileNeverWrittenFailsSanityCheck) {
    write_file(std::vector<uint8_t>(10 * 8, 0));
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_FALSE(index->sanity_check());
}

}  // namespace
}  // namespace samsa::storage
