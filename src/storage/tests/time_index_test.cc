#include "storage/time_index.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "storage/tests/index_test_fixture.h"

namespace samsa::storage {
namespace {

// The segment every test index belongs to (index_test_fixture.h names its file after it).
constexpr offset base{100};

constexpr int64_t no_timestamp = protocol::record_batch_format::no_timestamp;

class TimeIndexTest : public index_test_fixture<time_index> {
protected:
    TimeIndexTest() : index_test_fixture(".timeindex") {}
};

// One 12-byte entry: big-endian timestamp, then big-endian relative offset.
std::vector<uint8_t> entry_bytes(int64_t timestamp_ms, int32_t relative_offset) {
    std::vector<uint8_t> bytes(12);
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(timestamp_ms) >> (56 - 8 * i));
    }
    for (int i = 0; i < 4; ++i) {
        bytes[8 + i] = static_cast<uint8_t>(static_cast<uint32_t>(relative_offset) >> (24 - 8 * i));
    }
    return bytes;
}

std::vector<uint8_t> concatenate(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> all;
    for (const auto& part : parts) {
        all.insert(all.end(), part.begin(), part.end());
    }
    return all;
}

// Entries (1000, 110), (2000, 120), ..., (1000 * count, 100 + 10 * count).
void append_every_tenth(time_index& index, int count) {
    for (int i = 1; i <= count; ++i) {
        index.maybe_append(1000 * i, offset(base.value() + 10 * i));
    }
}

TEST_F(TimeIndexTest, NewFileIsPreallocated) {
    auto index = open_index(100);
    ASSERT_TRUE(index);
    EXPECT_EQ(file_size(), 96u);
    EXPECT_EQ(index->max_entries(), 8u);
    EXPECT_EQ(index->entries(), 0u);
    EXPECT_FALSE(index->is_full());
}

TEST_F(TimeIndexTest, MaxIndexBytesBelowOneEntryFailsToOpen) {
    EXPECT_FALSE(open_index(11));
}

TEST_F(TimeIndexTest, EmptyIndexLooksUpToNoTimestampAndBase) {
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{no_timestamp, base}));
    EXPECT_EQ(index->lookup(0), (timestamp_offset{no_timestamp, base}));
    EXPECT_EQ(index->lookup(INT64_MAX), (timestamp_offset{no_timestamp, base}));
}

TEST_F(TimeIndexTest, EntriesAreTimestampThenRelativeOffsetBigEndian) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->maybe_append(0x0102030405060708, offset(105));
    std::vector<uint8_t> bytes = read_file();
    ASSERT_GE(bytes.size(), 12u);
    std::vector<uint8_t> expected = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 5};
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 12), expected);
    EXPECT_EQ(expected, entry_bytes(0x0102030405060708, 5));
}

TEST_F(TimeIndexTest, LookupReturnsLargestTimestampAtOrBelowTarget) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 5);
    EXPECT_EQ(index->lookup(2500), (timestamp_offset{2000, offset(120)}));
    EXPECT_EQ(index->lookup(3000), (timestamp_offset{3000, offset(130)}));
    EXPECT_EQ(index->lookup(3999), (timestamp_offset{3000, offset(130)}));
}

TEST_F(TimeIndexTest, LookupBelowFirstTimestampReturnsNoTimestampAndBase) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 5);
    EXPECT_EQ(index->lookup(999), (timestamp_offset{no_timestamp, base}));
    EXPECT_EQ(index->lookup(-5), (timestamp_offset{no_timestamp, base}));
}

TEST_F(TimeIndexTest, LookupFindsTheLastEntry) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 5);
    EXPECT_EQ(index->lookup(5000), (timestamp_offset{5000, offset(150)}));
    EXPECT_EQ(index->lookup(INT64_MAX), (timestamp_offset{5000, offset(150)}));
    EXPECT_EQ(index->last_entry(), (timestamp_offset{5000, offset(150)}));
}

// 3000 entries span the cold section and the warm one (the last 682 entries).
TEST_F(TimeIndexTest, LookupAgreesWithALinearScanInBothSections) {
    auto index = open_index(3001 * 12);
    ASSERT_TRUE(index);
    std::mt19937_64 random(7);
    std::vector<timestamp_offset> entries;
    int64_t timestamp_ms = 1'700'000'000'000;
    for (int i = 0; i < 3000; ++i) {
        timestamp_ms += 1 + static_cast<int64_t>(random() % 50);
        entries.push_back({timestamp_ms, offset(base.value() + 3 * i)});
        index->maybe_append(entries.back().timestamp_ms, entries.back().offset);
    }
    ASSERT_EQ(index->entries(), 3000u);
    ASSERT_TRUE(index->is_full());
    int64_t first = entries.front().timestamp_ms;
    for (int i = 0; i < 20000; ++i) {
        int64_t target = first - 10 + static_cast<int64_t>(random() % (timestamp_ms - first + 20));
        timestamp_offset expected{no_timestamp, base};
        for (const auto& entry : entries) {
            if (entry.timestamp_ms > target) {
                break;
            }
            expected = entry;
        }
        ASSERT_EQ(index->lookup(target), expected) << "target " << target;
    }
}

TEST_F(TimeIndexTest, TimeIndexIgnoresNonIncreasingTimestamps) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->maybe_append(1000, offset(110));
    index->maybe_append(1000, offset(120));
    index->maybe_append(900, offset(130));
    EXPECT_EQ(index->entries(), 1u);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{1000, offset(110)}));
    index->maybe_append(1001, offset(140));
    EXPECT_EQ(index->entries(), 2u);
}

TEST_F(TimeIndexTest, RecordsWithoutTimestampsAreNeverIndexed) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->maybe_append(no_timestamp, offset(110));
    EXPECT_EQ(index->entries(), 0u);
}

// The roll of a segment that never saw a timestamp passes Kafka's "unknown" pair (-1, -1).
TEST_F(TimeIndexTest, RollOfAnEmptySegmentAppendsNothing) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->maybe_append(no_timestamp, offset(-1), reserved_slot::use);
    EXPECT_EQ(index->entries(), 0u);
}

TEST_F(TimeIndexTest, IsFullKeepsTheLastSlotForTheRoll) {
    auto index = open_index(3 * 12);
    ASSERT_TRUE(index);
    append_every_tenth(*index, 2);
    EXPECT_TRUE(index->is_full());
    EXPECT_DEATH(index->maybe_append(3000, offset(130)), "full");
    index->maybe_append(3000, offset(130), reserved_slot::use);
    EXPECT_EQ(index->entries(), 3u);
    // The repeat of the final entry when the segment then closes adds nothing.
    index->maybe_append(3000, offset(130), reserved_slot::use);
    EXPECT_EQ(index->entries(), 3u);
}

TEST_F(TimeIndexTest, AppendOfAnEarlierOffsetAborts) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->maybe_append(1000, offset(120));
    EXPECT_DEATH(index->maybe_append(2000, offset(119)), "offset 119 after 120");
}

TEST_F(TimeIndexTest, AppendOfAnOffsetOutsideTheSegmentAborts) {
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_FALSE(index->can_append_offset(offset(99)));
    EXPECT_DEATH(index->maybe_append(1000, offset(99)), "outside the time index");
}

TEST_F(TimeIndexTest, TruncateToRemovesEntriesAtAndAbove) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(130));
    EXPECT_EQ(index->entries(), 2u);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{2000, offset(120)}));
    // The next append compares against the restored last entry.
    index->maybe_append(2000, offset(125));
    EXPECT_EQ(index->entries(), 2u);
    index->maybe_append(2500, offset(125));
    EXPECT_EQ(index->last_entry(), (timestamp_offset{2500, offset(125)}));
}

TEST_F(TimeIndexTest, TruncateToBetweenEntriesKeepsTheEntryBelow) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(131));
    EXPECT_EQ(index->entries(), 3u);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{3000, offset(130)}));
}

TEST_F(TimeIndexTest, TruncateToAtOrBelowFirstEntryRemovesAll) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 4);
    index->truncate_to(offset(110));
    EXPECT_EQ(index->entries(), 0u);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{no_timestamp, base}));
}

TEST_F(TimeIndexTest, TruncateToRemovesEveryEntryOfARepeatedOffset) {
    auto index = open_index();
    ASSERT_TRUE(index);
    index->maybe_append(1000, offset(110));
    index->maybe_append(2000, offset(120));
    index->maybe_append(3000, offset(120));
    index->maybe_append(4000, offset(130));
    index->truncate_to(offset(121));
    EXPECT_EQ(index->entries(), 3u);
    index->truncate_to(offset(120));
    EXPECT_EQ(index->entries(), 1u);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{1000, offset(110)}));
}

TEST_F(TimeIndexTest, TrimShrinksFileToEntries) {
    auto index = open_index();
    ASSERT_TRUE(index);
    append_every_tenth(*index, 3);
    ASSERT_TRUE(index->trim_to_valid_size());
    EXPECT_EQ(file_size(), 3u * 12);
    EXPECT_EQ(index->max_entries(), 3u);
}

TEST_F(TimeIndexTest, ReopenAfterTrimKeepsEntries) {
    {
        auto index = open_index();
        ASSERT_TRUE(index);
        append_every_tenth(*index, 3);
        ASSERT_TRUE(index->close());
        EXPECT_EQ(file_size(), 3u * 12);
    }
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->entries(), 3u);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{3000, offset(130)}));
    EXPECT_EQ(index->lookup(2999), (timestamp_offset{2000, offset(120)}));
    EXPECT_TRUE(index->sanity_check());
    ASSERT_TRUE(index->resize(16 * 12));
    index->maybe_append(4000, offset(140));
    EXPECT_EQ(index->entries(), 4u);
}

TEST_F(TimeIndexTest, ResetRemovesAllEntriesAndPreallocatesAgain) {
    auto index = open_index(16 * 12);
    ASSERT_TRUE(index);
    append_every_tenth(*index, 3);
    ASSERT_TRUE(index->trim_to_valid_size());
    ASSERT_TRUE(index->reset());
    EXPECT_EQ(index->entries(), 0u);
    EXPECT_EQ(index->last_entry(), (timestamp_offset{no_timestamp, base}));
    EXPECT_EQ(file_size(), 16u * 12);
}

TEST_F(TimeIndexTest, CorruptLengthFailsSanityCheck) {
    auto bytes = concatenate({entry_bytes(1000, 1), entry_bytes(2000, 2)});
    bytes.resize(bytes.size() + 5);
    write_file(bytes);
    auto index = open_index();
    ASSERT_TRUE(index);
    auto check = index->sanity_check();
    ASSERT_FALSE(check);
    EXPECT_NE(check.error().message.find("not a whole number"), std::string::npos);
}

TEST_F(TimeIndexTest, LastTimestampBelowFirstFailsSanityCheck) {
    write_file(concatenate({entry_bytes(1000, 1), entry_bytes(2000, 2), entry_bytes(500, 3)}));
    auto index = open_index();
    ASSERT_TRUE(index);
    auto check = index->sanity_check();
    ASSERT_FALSE(check);
    EXPECT_NE(check.error().message.find("below the first"), std::string::npos);
}

TEST_F(TimeIndexTest, LastOffsetBelowBaseFailsSanityCheck) {
    write_file(concatenate({entry_bytes(1000, 1), entry_bytes(2000, -1)}));
    auto index = open_index();
    ASSERT_TRUE(index);
    auto check = index->sanity_check();
    ASSERT_FALSE(check);
    EXPECT_NE(check.error().message.find("below the base offset"), std::string::npos);
}

// A crash before the trim leaves the preallocated zeros after the entries; here the
// timestamps are negative so that Kafka's first-versus-last check would not notice.
TEST_F(TimeIndexTest, UntrimmedZeroTailFailsSanityCheck) {
    auto bytes = concatenate({entry_bytes(-3000, 1), entry_bytes(-2000, 2)});
    bytes.resize(bytes.size() + 3 * 12);
    write_file(bytes);
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_EQ(index->entries(), 5u);
    auto check = index->sanity_check();
    ASSERT_FALSE(check);
    EXPECT_NE(check.error().message.find("do not increase"), std::string::npos);
}

TEST_F(TimeIndexTest, PreallocatedFileNeverWrittenFailsSanityCheck) {
    write_file(std::vector<uint8_t>(10 * 12, 0));
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_FALSE(index->sanity_check());
}

TEST_F(TimeIndexTest, WrittenIndexPassesSanityCheck) {
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_TRUE(index->sanity_check());
    append_every_tenth(*index, 3);
    EXPECT_TRUE(index->sanity_check());
    ASSERT_TRUE(index->close());
    auto reopened = open_index();
    ASSERT_TRUE(reopened);
    EXPECT_TRUE(reopened->sanity_check());
}

}  // namespace
}  // namespace samsa::storage
