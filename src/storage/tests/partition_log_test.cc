#include "storage/partition_log.h"

#include <gtest/gtest.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <array>
#include <fstream>
#include <limits>

#include "base/endian.h"
#include "base/temporary_directory.h"
#include "protocol/record_batch.h"
#include "storage/log_segment.h"
#include "storage/tests/batch_maker.h"

namespace samsa::storage {
namespace {

constexpr int64_t t0 = 1'700'000'000'000;

class PartitionLogTest : public ::testing::Test {
protected:
    std::unique_ptr<partition_log> open_log(log_load_options options = {.now_ms = t0}) {
        auto log = partition_log::open(*fs_, dir_.path() / "orders-0", config_, options);
        EXPECT_TRUE(log) << (log ? "" : log.error().message);
        return log ? std::move(log).value() : nullptr;
    }

    append_result append(partition_log& log, int records, int64_t timestamp = t0,
                         std::size_t value_bytes = 16, int64_t now = t0) {
        auto batch = make_batch(records, timestamp, value_bytes);
        auto appended = log.append(batch, leader_epoch(3), now);
        EXPECT_TRUE(appended) << (appended ? "" : appended.error().message);
        log.set_high_watermark(log.log_end_offset());
        return appended.value();
    }

    // Every batch readable from `start`, as (base offset, last offset), following reads
    // from segment to segment.
    std::vector<std::pair<int64_t, int64_t>> read_all(partition_log& log, offset start) {
        std::vector<std::pair<int64_t, int64_t>> batches;
        offset next = start;
        while (next < log.log_end_offset()) {
            auto read = log.read(next, 1 << 20, log.log_end_offset(), true);
            EXPECT_TRUE(read);
            if (!read || read.value().regions.empty()) {
                break;
            }
            for (const auto& region : read.value().regions) {
                std::vector<uint8_t> bytes(region.size_bytes);
                EXPECT_TRUE(region.file->read_at(region.position, bytes));
                protocol::record_batch_splitter splitter(bytes);
                while (auto bounds = splitter.next().value()) {
                    auto view = protocol::record_batch_view::parse(
                        std::span(bytes).subspan(bounds->position, bounds->size_bytes));
                    EXPECT_TRUE(view);
                    batches.emplace_back(view.value().base_offset().value(),
                                         view.value().last_offset().value());
                }
            }
            next = read.value().next_offset;
        }
        return batches;
    }

    std::filesystem::path segment_path(offset base, std::string_view suffix) {
        return dir_.path() / "orders-0" / segment_file_name(base, suffix);
    }

    temporary_directory dir_;
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);
    log_config config_{.segment_bytes = 1024, .index_interval_bytes = 100};
};

TEST_F(PartitionLogTest, AppendAssignsOffsetsFromTheLogEnd) {
    auto log = open_log();
    EXPECT_EQ(log->log_end_offset(), offset(0));
    auto first = append(*log, 3);
    EXPECT_EQ(first.base_offset, offset(0));
    EXPECT_EQ(first.last_offset, offset(2));
    auto second = append(*log, 2);
    EXPECT_EQ(second.base_offset, offset(3));
    EXPECT_EQ(second.last_offset, offset(4));
    EXPECT_EQ(log->log_end_offset(), offset(5));
    EXPECT_EQ(first.log_append_time_ms, -1);
}

TEST_F(PartitionLogTest, AppendAndReadAcrossSegmentBoundaries) {
    auto log = open_log();
    for (int index = 0; index < 40; ++index) {
        append(*log, 2, t0 + index, 60);
    }
    EXPECT_GT(log->segment_count(), 3u);
    auto batches = read_all(*log, offset(0));
    ASSERT_EQ(batches.size(), 40u);
    for (int index = 0; index < 40; ++index) {
        EXPECT_EQ(batches[index].first, index * 2);
        EXPECT_EQ(batches[index].second, index * 2 + 1);
    }
    // From the middle of a batch: the whole batch containing it.
    auto from_middle = read_all(*log, offset(21));
    ASSERT_FALSE(from_middle.empty());
    EXPECT_EQ(from_middle.front().first, 20);
}

TEST_F(PartitionLogTest, ReadsStopAtTheUpperBoundAndTheByteLimit) {
    auto log = open_log();
    for (int index = 0; index < 5; ++index) {
        append(*log, 1, t0, 10);
    }
    auto below_bound = log->read(offset(0), 1 << 20, offset(3), true);
    ASSERT_TRUE(below_bound);
    EXPECT_EQ(below_bound.value().next_offset, offset(3));
    auto one_batch = log->read(offset(0), 1, log->log_end_offset(), true);
    ASSERT_TRUE(one_batch);
    EXPECT_EQ(one_batch.value().next_offset, offset(1));
    auto none = log->read(offset(0), 1, log->log_end_offset(), false);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none.value().regions.empty());
    auto at_end = log->read(log->log_end_offset(), 100, log->log_end_offset(), true);
    ASSERT_TRUE(at_end);
    EXPECT_TRUE(at_end.value().regions.empty());
}

TEST_F(PartitionLogTest, ReadOutsideTheLogIsOffsetOutOfRange) {
    auto log = open_log();
    append(*log, 2);
    auto past_end = log->read(offset(3), 100, offset(3), true);
    ASSERT_FALSE(past_end);
    EXPECT_EQ(past_end.error().code, storage_errc::offset_out_of_range);
    ASSERT_TRUE(log->increment_log_start_offset(offset(1)));
    auto below_start = log->read(offset(0), 100, offset(2), true);
    ASSERT_FALSE(below_start);
    EXPECT_EQ(below_start.error().code, storage_errc::offset_out_of_range);
}

TEST_F(PartitionLogTest, RollsWhenTheSegmentWouldPassSegmentBytes) {
    auto log = open_log();
    append(*log, 1, t0, 600);
    EXPECT_EQ(log->segment_count(), 1u);
    append(*log, 1, t0, 600);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segment_base_offsets()[1], offset(1));
}

TEST_F(PartitionLogTest, RollsWhenTheSegmentIsOlderThanSegmentMs) {
    config_.segment_bytes = 1 << 20;
    config_.segment_ms = 1000;
    auto log = open_log();
    append(*log, 1, t0);
    append(*log, 1, t0 + 500);
    EXPECT_EQ(log->segment_count(), 1u);
    append(*log, 1, t0 + 1001);
    EXPECT_EQ(log->segment_count(), 2u);
}

TEST_F(PartitionLogTest, RetentionByTimeDeletesExpiredSegmentsOnly) {
    config_.retention_ms = 10'000;
    auto log = open_log();
    append(*log, 1, t0, 600);
    append(*log, 1, t0 + 5'000, 600);
    append(*log, 1, t0 + 20'000, 600);
    ASSERT_EQ(log->segment_count(), 3u);
    auto deleted = log->delete_old_segments(t0 + 12'000);
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted.value(), 1);
    EXPECT_EQ(log->log_start_offset(), offset(1));
    EXPECT_TRUE(std::filesystem::exists(segment_path(offset(0), ".log.deleted")));
    EXPECT_FALSE(std::filesystem::exists(segment_path(offset(0), ".log")));
    ASSERT_TRUE(log->remove_expired_files(t0 + 12'000 + config_.file_delete_delay_ms - 1));
    EXPECT_TRUE(std::filesystem::exists(segment_path(offset(0), ".log.deleted")));
    ASSERT_TRUE(log->remove_expired_files(t0 + 12'000 + config_.file_delete_delay_ms));
    EXPECT_FALSE(std::filesystem::exists(segment_path(offset(0), ".log.deleted")));
}

TEST_F(PartitionLogTest, RetentionByTimeRollsAnExpiredActiveSegment) {
    config_.retention_ms = 10'000;
    auto log = open_log();
    append(*log, 1, t0);
    auto deleted = log->delete_old_segments(t0 + 60'000);
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted.value(), 1);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->log_start_offset(), offset(1));
    EXPECT_EQ(log->log_end_offset(), offset(1));
    EXPECT_EQ(append(*log, 1).base_offset, offset(1));
}

TEST_F(PartitionLogTest, RetentionBySizeDeletesWholeSegmentsWhileTheExcessCoversThem) {
    config_.retention_ms = -1;
    auto log = open_log();
    for (int index = 0; index < 4; ++index) {
        append(*log, 1, t0, 600);  // one batch per segment
    }
    ASSERT_EQ(log->segment_count(), 4u);
    uint64_t segment_bytes = log->size_bytes() / 4;
    // Kafka's rule: delete the oldest segment while the log minus it is still at least
    // retention.bytes; so the log may stay up to one segment above the limit.
    config_.retention_bytes = static_cast<int64_t>(2 * segment_bytes - 1);
    log->close().value();
    log = open_log({.recovery_point = offset(4), .clean_shutdown = true, .now_ms = t0});
    auto deleted = log->delete_old_segments(t0);
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted.value(), 2);
    EXPECT_EQ(log->size_bytes(), 2 * segment_bytes);
    EXPECT_EQ(log->log_start_offset(), offset(2));
}

TEST_F(PartitionLogTest, LogStartOffsetMovesAndDeletesSegmentsBelowIt) {
    config_.retention_ms = -1;
    auto log = open_log();
    for (int index = 0; index < 3; ++index) {
        append(*log, 1, t0, 600);
    }
    ASSERT_TRUE(log->increment_log_start_offset(offset(2)));
    EXPECT_EQ(log->log_start_offset(), offset(2));
    ASSERT_TRUE(log->increment_log_start_offset(offset(1)));  // never backwards
    EXPECT_EQ(log->log_start_offset(), offset(2));
    auto deleted = log->delete_old_segments(t0);
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted.value(), 2);
    EXPECT_EQ(log->segment_base_offsets().front(), offset(2));
}

TEST_F(PartitionLogTest, OffsetForTimestampFindsTheFirstRecordAtOrAfter) {
    auto log = open_log();
    append(*log, 3, t0);        // offsets 0-2 at t0, t0+1, t0+2
    append(*log, 3, t0 + 100);  // offsets 3-5
    auto found = log->offset_for_timestamp(t0 + 1);
    ASSERT_TRUE(found && found.value());
    EXPECT_EQ(found.value()->position, offset(1));
    EXPECT_EQ(found.value()->timestamp_ms, t0 + 1);
    auto later = log->offset_for_timestamp(t0 + 50);
    ASSERT_TRUE(later && later.value());
    EXPECT_EQ(later.value()->position, offset(3));
    auto none = log->offset_for_timestamp(t0 + 1000);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none.value());
}

TEST_F(PartitionLogTest, LogAppendTimeStampsBatches) {
    config_.log_append_time = true;
    auto log = open_log();
    auto appended = append(*log, 2, t0, 16, t0 + 777);
    EXPECT_EQ(appended.log_append_time_ms, t0 + 777);
    auto read = log->read(offset(0), 1000, log->log_end_offset(), true);
    ASSERT_TRUE(read);
    std::vector<uint8_t> bytes(read.value().size_bytes);
    ASSERT_TRUE(read.value().regions[0].file->read_at(read.value().regions[0].position, bytes));
    auto view = protocol::record_batch_view::parse(bytes);
    ASSERT_TRUE(view);  // the CRC was recomputed
    EXPECT_EQ(view.value().max_timestamp_ms(), t0 + 777);
    EXPECT_EQ(view.value().partition_leader_epoch(), leader_epoch(3));
}

TEST_F(PartitionLogTest, ReopenAfterCloseKeepsEverything) {
    {
        auto log = open_log();
        for (int index = 0; index < 10; ++index) {
            append(*log, 2, t0 + index, 100);
        }
        ASSERT_TRUE(log->close());
    }
    auto log = open_log({.recovery_point = offset(20), .clean_shutdown = true, .now_ms = t0});
    EXPECT_EQ(log->log_end_offset(), offset(20));
    EXPECT_EQ(read_all(*log, offset(0)).size(), 10u);
    EXPECT_EQ(append(*log, 1).base_offset, offset(20));
}

TEST_F(PartitionLogTest, RecoveryTruncatesATornTailMidBatch) {
    uint64_t whole_size = 0;
    {
        auto log = open_log();
        append(*log, 2);
        append(*log, 2);
        whole_size = std::filesystem::file_size(segment_path(offset(0), ".log"));
    }
    std::filesystem::resize_file(segment_path(offset(0), ".log"), whole_size - 10);
    auto log = open_log({.recovery_point = offset(0), .clean_shutdown = false, .now_ms = t0});
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(read_all(*log, offset(0)).size(), 1u);
    EXPECT_EQ(append(*log, 1).base_offset, offset(2));
}

TEST_F(PartitionLogTest, RecoveryCutsAtExactlyTheBatchWithAFlippedByte) {
    std::vector<uint64_t> batch_positions;
    {
        auto log = open_log();
        for (int index = 0; index < 4; ++index) {
            batch_positions.push_back(log->size_bytes());
            append(*log, 1, t0, 40);
        }
    }
    {
        std::fstream file(segment_path(offset(0), ".log"),
                          std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(static_cast<std::streamoff>(batch_positions[2] + 70));
        char byte = 0;
        file.read(&byte, 1);
        file.seekp(static_cast<std::streamoff>(batch_positions[2] + 70));
        byte = static_cast<char>(byte ^ 0x40);
        file.write(&byte, 1);
    }
    auto log = open_log({.recovery_point = offset(0), .clean_shutdown = false, .now_ms = t0});
    EXPECT_EQ(log->log_end_offset(), offset(2));
    EXPECT_EQ(std::filesystem::file_size(segment_path(offset(0), ".log")), batch_positions[2]);
}

// The CRC does not cover the base offset: one near INT64_MAX (last offset past it) is
// corruption, found by the recovery scan rather than overflowing (segment_recovery_fuzzer).
TEST_F(PartitionLogTest, RecoveryCutsAtABaseOffsetWhoseLastOffsetOverflows) {
    std::vector<uint64_t> batch_positions;
    {
        auto log = open_log();
        for (int index = 0; index < 3; ++index) {
            batch_positions.push_back(log->size_bytes());
            append(*log, 4, t0, 40);
        }
    }
    {
        std::fstream file(segment_path(offset(0), ".log"),
                          std::ios::in | std::ios::out | std::ios::binary);
        std::array<uint8_t, 8> base{};
        store_big_endian<int64_t>(base.data(), std::numeric_limits<int64_t>::max() - 1);
        file.seekp(static_cast<std::streamoff>(batch_positions[1]));
        file.write(reinterpret_cast<const char*>(base.data()), base.size());
    }
    auto log = open_log({.recovery_point = offset(0), .clean_shutdown = false, .now_ms = t0});
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(std::filesystem::file_size(segment_path(offset(0), ".log")), batch_positions[1]);
}

TEST_F(PartitionLogTest, RecoveryRemovesSegmentsAfterACorruptOne) {
    {
        auto log = open_log();
        for (int index = 0; index < 3; ++index) {
            append(*log, 1, t0, 600);
        }
        ASSERT_EQ(log->segment_count(), 3u);
    }
    std::filesystem::resize_file(segment_path(offset(1), ".log"), 30);
    auto log = open_log({.recovery_point = offset(0), .clean_shutdown = false, .now_ms = t0});
    EXPECT_EQ(log->log_end_offset(), offset(1));
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_FALSE(std::filesystem::exists(segment_path(offset(2), ".log")));
}

TEST_F(PartitionLogTest, ADeletedIndexIsRebuilt) {
    {
        auto log = open_log();
        for (int index = 0; index < 30; ++index) {
            append(*log, 1, t0 + index, 20);
        }
        ASSERT_TRUE(log->close());
    }
    std::filesystem::remove(segment_path(offset(0), ".index"));
    std::filesystem::remove(segment_path(offset(0), ".timeindex"));
    auto log = open_log({.recovery_point = offset(30), .clean_shutdown = true, .now_ms = t0});
    EXPECT_EQ(log->log_end_offset(), offset(30));
    EXPECT_GT(std::filesystem::file_size(segment_path(offset(0), ".index")), 0u);
    auto batches = read_all(*log, offset(17));
    ASSERT_FALSE(batches.empty());
    EXPECT_EQ(batches.front().first, 17);
    auto found = log->offset_for_timestamp(t0 + 25);
    ASSERT_TRUE(found && found.value());
    EXPECT_EQ(found.value()->position, offset(25));
}

TEST_F(PartitionLogTest, LeftoverDeletedAndTemporaryFilesAreRemovedOnOpen) {
    std::filesystem::create_directories(dir_.path() / "orders-0");
    std::ofstream(segment_path(offset(5), ".log.deleted")) << "old";
    std::ofstream(dir_.path() / "orders-0" / "leader-epoch-checkpoint.tmp") << "x";
    auto log = open_log();
    EXPECT_FALSE(std::filesystem::exists(segment_path(offset(5), ".log.deleted")));
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "orders-0" / "leader-epoch-checkpoint.tmp"));
}

TEST_F(PartitionLogTest, TruncateToRemovesEverythingFromTheOffset) {
    auto log = open_log();
    for (int index = 0; index < 6; ++index) {
        append(*log, 2, t0, 200);
    }
    ASSERT_TRUE(log->truncate_to(offset(5)));  // inside the batch 4-5: the batch goes
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(read_all(*log, offset(0)).size(), 2u);
    EXPECT_EQ(append(*log, 1).base_offset, offset(4));
}

TEST_F(PartitionLogTest, WaitDurableSharesOneFsyncRoundAmongWaiters) {
    asio::io_context io;  // outlives the log, whose group commit waits on it
    auto log = open_log();
    int finished = 0;
    for (int index = 0; index < 5; ++index) {
        append(*log, 1);
        asio::co_spawn(
            io,
            [&, end = log->log_end_offset()]() -> asio::awaitable<void> {
                auto durable = co_await log->wait_durable(end);
                EXPECT_TRUE(durable);
                ++finished;
            },
            asio::detached);
    }
    io.run();
    EXPECT_EQ(finished, 5);
    EXPECT_EQ(log->recovery_point(), offset(5));
    EXPECT_FALSE(log->flush_due(t0));
}

TEST_F(PartitionLogTest, FlushIsDueAfterFlushMessages) {
    config_.flush_messages = 3;
    auto log = open_log();
    append(*log, 2);
    EXPECT_FALSE(log->flush_due(t0));
    append(*log, 1);
    EXPECT_TRUE(log->flush_due(t0));
    ASSERT_TRUE(log->flush());
    EXPECT_FALSE(log->flush_due(t0));
}

TEST_F(PartitionLogTest, ASmallerSegmentBytesRollsAtTheNextAppend) {
    config_.segment_bytes = 1 << 20;
    auto log = open_log();
    append(*log, 1, t0, 600);
    append(*log, 1, t0, 600);
    EXPECT_EQ(log->segment_count(), 1u);
    log_config smaller = log->config();
    smaller.segment_bytes = 1024;
    log->set_config(smaller);
    EXPECT_EQ(log->config().segment_bytes, 1024);
    append(*log, 1, t0, 600);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segment_base_offsets()[1], offset(2));
}

}  // namespace
}  // namespace samsa::storage
