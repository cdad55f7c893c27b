// A failing disk: every I/O error surfaces as a storage error, fails the log for good
// (Kafka's KAFKA_STORAGE_ERROR), and loses nothing that was acknowledged before.

#include <gtest/gtest.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include "base/temporary_directory.h"
#include "storage/faulty_file_system.h"
#include "storage/partition_log.h"
#include "storage/tests/batch_maker.h"

namespace samsa::storage {
namespace {

constexpr int64_t t0 = 1'700'000'000'000;

class PartitionLogFaultTest : public ::testing::Test {
protected:
    std::unique_ptr<partition_log> open_log() {
        auto log = partition_log::open(faulty_, dir_.path() / "t-0", config_,
                                       {.recovery_point = offset(0), .now_ms = t0});
        EXPECT_TRUE(log) << (log ? "" : log.error().message);
        return log ? std::move(log).value() : nullptr;
    }

    storage_result<append_result> append(partition_log& log, int records = 1) {
        auto batch = make_batch(records, t0, 100);
        return log.append(batch, leader_epoch(1), t0);
    }

    temporary_directory dir_;
    std::unique_ptr<file_system> posix_ = make_posix_file_system(nullptr);
    faulty_file_system faulty_{*posix_};
    log_config config_{.segment_bytes = 1 << 20};
};

TEST_F(PartitionLogFaultTest, NoSpaceOnAppendIsAnIoErrorAndFailsTheLog) {
    auto log = open_log();
    ASSERT_TRUE(append(*log));
    faulty_.arm({.operation = file_operation::write,
                 .matches = path_ends_with(".log"),
                 .error = std::make_error_code(std::errc::no_space_on_device)});
    auto failed = append(*log);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, storage_errc::io_error);
    EXPECT_NE(failed.error().message.find("No space left"), std::string::npos);
    EXPECT_TRUE(log->failed());
    auto after = append(*log);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, storage_errc::log_failed);
    auto read = log->read(offset(0), 1000, offset(1), true);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, storage_errc::log_failed);
}

TEST_F(PartitionLogFaultTest, ATornWriteIsCutByRecoveryAndEarlierRecordsSurvive) {
    {
        auto log = open_log();
        ASSERT_TRUE(append(*log, 2));
        faulty_.arm({.operation = file_operation::write,
                     .matches = path_ends_with(".log"),
                     .error = std::make_error_code(std::errc::io_error),
                     .short_write_bytes = 30});
        ASSERT_FALSE(append(*log, 2));
        EXPECT_TRUE(log->failed());
    }
    faulty_.disarm_all();
    auto log = open_log();
    EXPECT_EQ(log->log_end_offset(), offset(2));
    ASSERT_TRUE(append(*log));
    EXPECT_EQ(log->log_end_offset(), offset(3));
}

TEST_F(PartitionLogFaultTest, FsyncFailureFailsEveryWaiterAndTheLog) {
    asio::io_context io;  // outlives the log, whose group commit waits on it
    auto log = open_log();
    ASSERT_TRUE(append(*log));
    faulty_.arm({.operation = file_operation::sync,
                 .error = std::make_error_code(std::errc::io_error),
                 .repeat = fault_repeat::always});
    int failures = 0;
    for (int waiter = 0; waiter < 3; ++waiter) {
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                auto durable = co_await log->wait_durable(offset(1));
                if (!durable) {
                    ++failures;
                }
            },
            asio::detached);
    }
    io.run();
    EXPECT_EQ(failures, 3);
    EXPECT_TRUE(log->failed());
    EXPECT_EQ(log->recovery_point(), offset(0));
}

TEST_F(PartitionLogFaultTest, FailureToCreateTheNextSegmentFailsTheRoll) {
    config_.segment_bytes = 300;
    auto log = open_log();
    ASSERT_TRUE(append(*log, 2));
    faulty_.arm({.operation = file_operation::open,
                 .matches = path_ends_with(".log"),
                 .error = std::make_error_code(std::errc::no_space_on_device)});
    auto failed = append(*log, 2);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, storage_errc::io_error);
    EXPECT_EQ(log->log_end_offset(), offset(2));
}

TEST_F(PartitionLogFaultTest, OpeningAnUnreadableLogIsAnError) {
    faulty_.arm(
        {.operation = file_operation::list, .error = std::make_error_code(std::errc::io_error)});
    auto log = partition_log::open(faulty_, dir_.path() / "t-0", config_, {.now_ms = t0});
    ASSERT_FALSE(log);
    EXPECT_EQ(log.error().code, storage_errc::io_error);
}

TEST_F(PartitionLogFaultTest, ANewLeaderEpochIsCheckpointedAndTrimmedByTruncation) {
    auto log = open_log();
    auto first = make_batch(2, t0);
    ASSERT_TRUE(log->append(first, leader_epoch(1), t0));
    auto second = make_batch(2, t0);
    ASSERT_TRUE(log->append(second, leader_epoch(4), t0));
    ASSERT_EQ(log->epochs().entries().size(), 2u);
    EXPECT_EQ(log->epochs().latest_epoch(), leader_epoch(4));
    ASSERT_TRUE(log->truncate_to(offset(2)));
    EXPECT_EQ(log->epochs().latest_epoch(), leader_epoch(1));
    log.reset();
    auto reopened = open_log();
    EXPECT_EQ(reopened->epochs().latest_epoch(), leader_epoch(1));
    EXPECT_EQ(reopened->log_end_offset(), offset(2));
}

}  // namespace
}  // namespace samsa::storage
