// A partition's leader epoch cache and its checkpoint (storage/leader_epoch_cache.h,
// storage/leader_epoch_checkpoint.h). The semantic cases follow Kafka's
// LeaderEpochFileCacheTest, so that OffsetForLeaderEpoch answers as Kafka does.

#include "storage/leader_epoch_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/temporary_directory.h"
#include "storage/faulty_file_system.h"

namespace samsa::storage {
namespace {

epoch_entry entry(int32_t epoch, int64_t start_offset) {
    return {leader_epoch(epoch), offset(start_offset)};
}

epoch_end_offset answer(int32_t epoch, int64_t end_offset) {
    return {leader_epoch(epoch), offset(end_offset)};
}

const epoch_end_offset undefined{undefined_epoch, undefined_epoch_offset};

using entries = std::vector<epoch_entry>;

class LeaderEpochCache : public ::testing::Test {
protected:
    leader_epoch_cache opened() {
        auto opened = leader_epoch_cache::open(fs, dir.path());
        EXPECT_TRUE(opened) << opened.error().message;
        SAMSA_ASSERT(opened.has_value(), "cannot open the leader epoch cache");
        return std::move(opened).value();
    }
    void assign(int32_t epoch, int64_t start_offset) {
        ASSERT_TRUE(cache.assign(leader_epoch(epoch), offset(start_offset)));
    }
    epoch_end_offset end_offset_for(int32_t epoch, int64_t log_end_offset) {
        return cache.end_offset_for(leader_epoch(epoch), offset(log_end_offset));
    }
    entries on_disk() {
        auto read = read_leader_epoch_checkpoint(*posix, dir.path());
        EXPECT_TRUE(read) << read.error().message;
        return read ? read.value() : entries{};
    }
    void write_raw(std::string_view text) {
        auto file = posix->open(checkpoint, open_mode::read_write_create);
        ASSERT_TRUE(file);
        ASSERT_TRUE(file.value()->truncate(0));
        ASSERT_TRUE(file.value()->write_at(
            0, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    }

    temporary_directory dir;
    std::unique_ptr<file_system> posix = make_posix_file_system(nullptr);
    faulty_file_system fs{*posix};
    std::filesystem::path checkpoint = dir.path() / "leader-epoch-checkpoint";
    leader_epoch_cache cache = opened();
};

TEST_F(LeaderEpochCache, AssignsAnEpochToItsStartOffset) {
    assign(2, 10);
    EXPECT_EQ(cache.latest_epoch(), leader_epoch(2));
    EXPECT_EQ(cache.entries(), (entries{entry(2, 10)}));
    EXPECT_EQ(end_offset_for(2, 11), answer(2, 11));
}

TEST_F(LeaderEpochCache, KeepsTheFirstStartOffsetOfAnEpoch) {
    assign(2, 6);
    assign(2, 7);
    assign(2, 10);
    EXPECT_EQ(cache.entries(), (entries{entry(2, 6)}));
}

TEST_F(LeaderEpochCache, AnEarlierStartOffsetForTheLatestEpochReplacesIt) {
    assign(5, 11);
    assign(6, 12);
    assign(7, 13);
    assign(7, 12);  // removes 6@12 too: start offsets must increase
    EXPECT_EQ(cache.entries(), (entries{entry(5, 11), entry(7, 12)}));
    EXPECT_EQ(end_offset_for(5, 0), answer(5, 12));
    EXPECT_EQ(end_offset_for(6, 0), answer(5, 12));
}

TEST_F(LeaderEpochCache, ANewEpochAtTheSameOffsetReplacesTheOldOne) {
    assign(2, 9);
    assign(3, 9);
    EXPECT_EQ(cache.entries(), (entries{entry(3, 9)}));
}

TEST_F(LeaderEpochCache, AnOlderEpochTruncatesTheNewerEntries) {
    assign(1, 5);
    assign(2, 6);
    assign(1, 7);
    EXPECT_EQ(cache.entries(), (entries{entry(1, 7)}));
    EXPECT_EQ(cache.latest_epoch(), leader_epoch(1));
    EXPECT_EQ(end_offset_for(1, 8), answer(1, 8));
    EXPECT_EQ(end_offset_for(2, 8), undefined);
}

TEST_F(LeaderEpochCache, ASmallerStartOffsetTruncatesTheEntriesAtOrAfterIt) {
    assign(2, 6);
    assign(3, 5);
    EXPECT_EQ(cache.entries(), (entries{entry(3, 5)}));

    assign(4, 10);
    assign(5, 20);
    assign(6, 15);
    EXPECT_EQ(cache.entries(), (entries{entry(3, 5), entry(4, 10), entry(6, 15)}));
}

TEST_F(LeaderEpochCache, TracksEpochsAsLeadersChange) {
    assign(0, 0);
    assign(1, 0);
    EXPECT_EQ(cache.latest_epoch(), leader_epoch(1));
    EXPECT_EQ(end_offset_for(1, 0), answer(1, 0));
    EXPECT_EQ(end_offset_for(0, 0), answer(0, 0));
    EXPECT_EQ(end_offset_for(1, 5), answer(1, 5));
    assign(2, 5);
    EXPECT_EQ(end_offset_for(2, 10), answer(2, 10));
    EXPECT_EQ(end_offset_for(1, 10), answer(1, 5));
    EXPECT_EQ(end_offset_for(0, 10), answer(0, 0));
}

TEST_F(LeaderEpochCache, TracksEpochsAsAFollowerAppendsBatches) {
    for (int64_t offset = 0; offset < 9; ++offset) {
        assign(static_cast<int32_t>(offset / 3), offset);
    }
    EXPECT_EQ(cache.entries(), (entries{entry(0, 0), entry(1, 3), entry(2, 6)}));
    EXPECT_EQ(end_offset_for(2, 9), answer(2, 9));
    EXPECT_EQ(end_offset_for(0, 9), answer(0, 3));
    EXPECT_EQ(end_offset_for(1, 9), answer(1, 6));
}

TEST_F(LeaderEpochCache, EndOffsetOfAnUnknownEpochIsThatOfTheLargestEpochBelowIt) {
    assign(0, 10);
    assign(2, 13);
    assign(4, 17);
    EXPECT_EQ(end_offset_for(1, 0), answer(0, 13));
    EXPECT_EQ(end_offset_for(2, 0), answer(2, 17));
    EXPECT_EQ(end_offset_for(3, 0), answer(2, 17));
}

TEST_F(LeaderEpochCache, EndOffsetOfAnEpochBeforeTheFirstIsTheFirstStartOffset) {
    assign(5, 11);
    assign(6, 12);
    assign(7, 13);
    EXPECT_EQ(end_offset_for(4, 0), answer(4, 11));
}

TEST_F(LeaderEpochCache, EndOffsetIsUndefinedForAnUndefinedOrFutureEpochOrAnEmptyCache) {
    EXPECT_EQ(end_offset_for(0, 0), undefined);
    EXPECT_EQ(end_offset_for(7, 0), undefined);
    EXPECT_EQ(end_offset_for(-1, 73), undefined);
    assign(2, 11);
    assign(3, 12);
    EXPECT_EQ(end_offset_for(-1, 0), undefined);
    EXPECT_EQ(end_offset_for(4, 100), undefined);
}

TEST_F(LeaderEpochCache, TruncatingFromTheEndDropsEntriesStartingAtOrAfterTheEnd) {
    assign(2, 6);
    assign(3, 8);
    assign(4, 11);
    ASSERT_TRUE(cache.truncate_from_end(offset(9)));
    EXPECT_EQ(cache.entries(), (entries{entry(2, 6), entry(3, 8)}));
    EXPECT_EQ(cache.latest_epoch(), leader_epoch(3));
    ASSERT_TRUE(cache.truncate_from_end(offset(8)));  // on an epoch boundary
    EXPECT_EQ(cache.entries(), (entries{entry(2, 6)}));
}

TEST_F(LeaderEpochCache, TruncatingFromTheStartMovesTheStartOfTheEpochItFallsIn) {
    assign(2, 6);
    assign(3, 8);
    assign(4, 11);
    ASSERT_TRUE(cache.truncate_from_start(offset(9)));
    EXPECT_EQ(cache.entries(), (entries{entry(3, 9), entry(4, 11)}));
}

TEST_F(LeaderEpochCache, TruncatingFromTheStartOnAnEpochBoundaryKeepsThatEpoch) {
    assign(2, 6);
    assign(3, 8);
    assign(4, 11);
    ASSERT_TRUE(cache.truncate_from_start(offset(8)));
    EXPECT_EQ(cache.entries(), (entries{entry(3, 8), entry(4, 11)}));
    ASSERT_TRUE(cache.truncate_from_start(offset(11)));
    EXPECT_EQ(cache.entries(), (entries{entry(4, 11)}));
}

TEST_F(LeaderEpochCache, TruncatingFromTheStartPastTheLastEpochKeepsItFromThere) {
    assign(2, 6);
    assign(3, 8);
    assign(4, 11);
    ASSERT_TRUE(cache.truncate_from_start(offset(15)));
    EXPECT_EQ(cache.entries(), (entries{entry(4, 15)}));
}

TEST_F(LeaderEpochCache, TruncatingFromTheStartWithinTheFirstEpochMovesOnlyIt) {
    assign(0, 0);
    assign(1, 7);
    assign(2, 10);
    ASSERT_TRUE(cache.truncate_from_start(offset(5)));
    EXPECT_EQ(cache.entries(), (entries{entry(0, 5), entry(1, 7), entry(2, 10)}));
}

TEST_F(LeaderEpochCache, TruncationsAtOrBeforeTheEdgesChangeNothing) {
    assign(2, 6);
    assign(3, 8);
    assign(4, 11);
    fs.reset_counts();
    const entries all{entry(2, 6), entry(3, 8), entry(4, 11)};
    ASSERT_TRUE(cache.truncate_from_start(offset(1)));
    ASSERT_TRUE(cache.truncate_from_start(offset(6)));
    ASSERT_TRUE(cache.truncate_from_start(undefined_epoch_offset));
    ASSERT_TRUE(cache.truncate_from_end(offset(12)));
    ASSERT_TRUE(cache.truncate_from_end(undefined_epoch_offset));
    EXPECT_EQ(cache.entries(), all);
    EXPECT_EQ(fs.count(file_operation::rename), 0u) << "nothing changed, nothing written";
}

TEST_F(LeaderEpochCache, AnEmptyCacheAnswersEmpty) {
    EXPECT_TRUE(cache.empty());
    EXPECT_EQ(cache.latest_epoch(), std::nullopt);
    EXPECT_EQ(cache.latest_entry(), std::nullopt);
    EXPECT_EQ(cache.earliest_entry(), std::nullopt);
    EXPECT_EQ(cache.epoch_for_offset(offset(0)), std::nullopt);
    EXPECT_TRUE(cache.truncate_from_start(offset(7)));
    EXPECT_TRUE(cache.truncate_from_end(offset(7)));
    EXPECT_TRUE(cache.empty());
}

TEST_F(LeaderEpochCache, FindsTheEpochOfAnOffset) {
    assign(0, 10);
    assign(1, 20);
    assign(5, 30);
    EXPECT_EQ(cache.epoch_for_offset(offset(25)), leader_epoch(1));
    EXPECT_EQ(cache.epoch_for_offset(offset(20)), leader_epoch(1));
    EXPECT_EQ(cache.epoch_for_offset(offset(30)), leader_epoch(5));
    EXPECT_EQ(cache.epoch_for_offset(offset(50)), leader_epoch(5));
    EXPECT_EQ(cache.epoch_for_offset(offset(5)), std::nullopt);
}

TEST_F(LeaderEpochCache, FindsNeighbouringEpochs) {
    assign(0, 0);
    assign(2, 100);
    assign(4, 200);
    EXPECT_EQ(cache.previous_epoch(leader_epoch(4)), leader_epoch(2));
    EXPECT_EQ(cache.previous_epoch(leader_epoch(3)), leader_epoch(2));
    EXPECT_EQ(cache.previous_epoch(leader_epoch(0)), std::nullopt);
    EXPECT_EQ(cache.next_epoch(leader_epoch(-1)), leader_epoch(0));
    EXPECT_EQ(cache.next_epoch(leader_epoch(2)), leader_epoch(4));
    EXPECT_EQ(cache.next_epoch(leader_epoch(4)), std::nullopt);
    EXPECT_EQ(cache.entry_for(leader_epoch(2)), entry(2, 100));
    EXPECT_EQ(cache.entry_for(leader_epoch(3)), std::nullopt);
    EXPECT_EQ(cache.earliest_entry(), entry(0, 0));
    EXPECT_EQ(cache.latest_entry(), entry(4, 200));
}

TEST_F(LeaderEpochCache, EveryChangeIsInTheCheckpointWhenTheCallReturns) {
    assign(2, 6);
    EXPECT_EQ(on_disk(), (entries{entry(2, 6)}));
    assign(3, 8);
    assign(4, 11);
    ASSERT_TRUE(cache.truncate_from_end(offset(11)));
    EXPECT_EQ(on_disk(), (entries{entry(2, 6), entry(3, 8)}));
    ASSERT_TRUE(cache.truncate_from_start(offset(8)));
    EXPECT_EQ(on_disk(), (entries{entry(3, 8)}));
    ASSERT_TRUE(cache.clear());
    EXPECT_EQ(on_disk(), entries{});
}

TEST_F(LeaderEpochCache, AnAssignThatChangesNothingWritesNothing) {
    assign(2, 6);
    fs.reset_counts();
    assign(2, 7);
    assign(2, 6);
    EXPECT_EQ(fs.count(file_operation::open), 0u);
}

TEST_F(LeaderEpochCache, IsWrittenInKafkasFormat) {
    assign(0, 0);
    assign(2, 1500);
    assign(5, 1720);
    auto text = read_small_file(*posix, checkpoint, 1024);
    ASSERT_TRUE(text);
    EXPECT_EQ(text.value(), "0\n3\n0 0\n2 1500\n5 1720\n");
}

TEST_F(LeaderEpochCache, ReopeningRestoresTheEntries) {
    assign(2, 6);
    assign(4, 9);
    leader_epoch_cache reopened = opened();
    EXPECT_EQ(reopened.entries(), (entries{entry(2, 6), entry(4, 9)}));
}

TEST_F(LeaderEpochCache, LoadingDropsEntriesThatBreakTheOrderAsKafkaDoes) {
    write_raw("0\n4\n1 0\n3 10\n2 20\n4 30\n");
    leader_epoch_cache loaded = opened();
    // 2@20 truncates 3@10 (a newer epoch), as assign would.
    EXPECT_EQ(loaded.entries(), (entries{entry(1, 0), entry(2, 20), entry(4, 30)}));
}

TEST_F(LeaderEpochCache, AMalformedCheckpointIsAnErrorNamingTheLine) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"0\n2\n1 0\n2\n", "line 4"},        // a field missing
        {"0\n1\n-1 0\n", "line 3"},          // no epoch
        {"0\n1\n1 -5\n", "line 3"},          // a negative start offset
        {"0\n1\n2147483648 0\n", "line 3"},  // beyond int32
        {"1\n0\n", "version 1"},             // a future version
        {"0\n2\n1 0\n", "holds 1"},          // fewer entries than announced
    };
    for (auto [text, where] : cases) {
        write_raw(text);
        auto loaded = leader_epoch_cache::open(fs, dir.path());
        ASSERT_FALSE(loaded) << text;
        EXPECT_EQ(loaded.error().code, std::errc::bad_message) << text;
        EXPECT_NE(loaded.error().message.find(checkpoint.string()), std::string::npos)
            << loaded.error().message;
        EXPECT_NE(loaded.error().message.find(where), std::string::npos) << loaded.error().message;
    }
}

TEST_F(LeaderEpochCache, AFailedCheckpointWriteIsReportedAndTheOldFileKept) {
    assign(2, 6);
    fs.arm({.operation = file_operation::write,
            .error = std::make_error_code(std::errc::no_space_on_device)});
    auto assigned = cache.assign(leader_epoch(3), offset(8));
    ASSERT_FALSE(assigned);
    EXPECT_EQ(assigned.error().code, std::errc::no_space_on_device);
    // Memory moved on (the caller fails the log); the disk still holds the last good state.
    EXPECT_EQ(cache.latest_epoch(), leader_epoch(3));
    EXPECT_EQ(on_disk(), (entries{entry(2, 6)}));
}

TEST_F(LeaderEpochCache, ACrashBeforeTheRenameLeavesTheOldCheckpoint) {
    assign(2, 6);
    fs.arm({.operation = file_operation::rename, .effect = fault_effect::crash});
    EXPECT_FALSE(cache.assign(leader_epoch(3), offset(8)));
    fs.restart();
    leader_epoch_cache reopened = opened();
    EXPECT_EQ(reopened.entries(), (entries{entry(2, 6)}));
    // The stale temporary file does not disturb the next write.
    ASSERT_TRUE(reopened.assign(leader_epoch(4), offset(10)));
    EXPECT_EQ(on_disk(), (entries{entry(2, 6), entry(4, 10)}));
    EXPECT_FALSE(posix->exists(dir.path() / "leader-epoch-checkpoint.tmp").value());
}

TEST_F(LeaderEpochCache, WritesGoToTheNewDirectoryAfterAMove) {
    assign(2, 6);
    auto moved = dir.path().parent_path() / (dir.path().filename().string() + "-moved");
    ASSERT_TRUE(posix->rename(dir.path(), moved));
    cache.move_to(moved);
    ASSERT_TRUE(cache.assign(leader_epoch(3), offset(8)));
    auto read = read_leader_epoch_checkpoint(*posix, moved);
    ASSERT_TRUE(posix->rename(moved, dir.path()));
    ASSERT_TRUE(read);
    EXPECT_EQ(read.value(), (entries{entry(2, 6), entry(3, 8)}));
}

TEST(LeaderEpochCacheDeath, AssigningANegativeEpochIsACallerBug) {
    temporary_directory dir;
    auto posix = make_posix_file_system(nullptr);
    auto cache = leader_epoch_cache::open(*posix, dir.path());
    ASSERT_TRUE(cache);
    EXPECT_DEATH((void)cache->assign(leader_epoch(-1), offset(0)), "cannot be assigned");
}

}  // namespace
}  // namespace samsa::storage
