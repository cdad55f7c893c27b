// The periodic log tasks: what is due when, one pass of each task over a shard's
// partitions, and the loops' start and stop.

#include "broker/log_maintenance.h"

#include <gtest/gtest.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <filesystem>

#include "base/temporary_directory.h"
#include "runtime/sleep.h"
#include "storage/log_segment.h"
#include "storage/offset_checkpoint.h"
#include "storage/tests/batch_maker.h"

namespace samsa::broker {
namespace {

using enum maintenance_task;

constexpr int64_t t0 = 1'700'000'000'000;

TEST(maintenance_schedule, ATaskIsDueAtItsFirstTimeThenOneIntervalAfterItRan) {
    maintenance_schedule schedule;
    schedule.add(retention, 100, 1000);
    schedule.add(flush, 10, 1005);
    EXPECT_EQ(schedule.next_due_ms(), 1000);
    EXPECT_TRUE(schedule.take_due(999).empty());
    EXPECT_EQ(schedule.take_due(1000), std::vector{retention});
    EXPECT_EQ(schedule.next_due_ms(), 1005);
    // Late: both are due, in the order they were added, and each is rescheduled from now.
    EXPECT_EQ(schedule.take_due(1200), (std::vector{retention, flush}));
    EXPECT_EQ(schedule.next_due_ms(), 1210);
    EXPECT_EQ(schedule.take_due(1210), std::vector{flush});
    EXPECT_EQ(schedule.next_due_ms(), 1220);
}

TEST(maintenance_schedule, AnIntervalOfZeroRunsOnce) {
    maintenance_schedule schedule;
    schedule.add(recovery_point_checkpoint, 0, 50);
    EXPECT_EQ(schedule.take_due(50), std::vector{recovery_point_checkpoint});
    EXPECT_EQ(schedule.next_due_ms(), std::nullopt);
    EXPECT_TRUE(schedule.take_due(1'000'000).empty());
}

TEST(maintenance_schedule, TasksStartAfterTheSmallerOfTheirIntervalAndTheInitialDelay) {
    log_maintenance_settings settings{.retention_check_interval_ms = 300'000,
                                      .flush_check_interval_ms = 1'000,
                                      .recovery_point_checkpoint_interval_ms = 60'000,
                                      .log_start_offset_checkpoint_interval_ms = 60'000,
                                      .file_deletion_check_interval_ms = 1'000,
                                      .initial_delay_ms = 30'000};
    auto other_shard = make_maintenance_schedule(settings, false, 0);
    EXPECT_EQ(other_shard.next_due_ms(), 1'000);
    EXPECT_EQ(other_shard.take_due(1'000), (std::vector{file_deletion, flush}));
    // log.cleaner.backoff.ms (15 s) is below the initial delay.
    EXPECT_EQ(other_shard.take_due(15'000), (std::vector{file_deletion, compaction, flush}));
    EXPECT_EQ(other_shard.take_due(30'000),
              (std::vector{retention, file_deletion, producer_expiration, compaction, flush}));
    EXPECT_TRUE(other_shard.take_due(30'000).empty());

    auto first_shard = make_maintenance_schedule(settings, true, 0);
    first_shard.take_due(1'000);
    first_shard.take_due(15'000);
    EXPECT_EQ(first_shard.take_due(30'000),
              (std::vector{retention, file_deletion, producer_expiration, compaction, flush,
                           recovery_point_checkpoint, log_start_offset_checkpoint}));

    // Without cleaner threads (log.cleaner.enable=false) there is no compaction task.
    settings.cleaner_threads = 0;
    auto no_cleaner = make_maintenance_schedule(settings, false, 0);
    EXPECT_EQ(no_cleaner.take_due(15'000), (std::vector{file_deletion, flush}));
}

TEST(log_maintenance_settings, FlushChecksRunAtLeastOnceASecond) {
    auto config = make_broker_config({}, {});
    ASSERT_TRUE(config);
    auto settings = make_log_maintenance_settings(config.value().log, config.value().transaction,
                                                  config.value().cleaner);
    EXPECT_EQ(settings.retention_check_interval_ms, 300'000);
    EXPECT_EQ(settings.flush_check_interval_ms, 1'000);  // Kafka's default: Long.MAX_VALUE
    EXPECT_EQ(settings.recovery_point_checkpoint_interval_ms, 60'000);
    EXPECT_EQ(settings.log_start_offset_checkpoint_interval_ms, 60'000);
    EXPECT_EQ(settings.cleaner_threads, 1);
    EXPECT_EQ(settings.cleaner_backoff_ms, 15'000);
    EXPECT_EQ(settings.cleaner_map_bytes_per_thread, 128u * 1024 * 1024);
    EXPECT_EQ(settings.cleaner_io_buffer_bytes_per_thread, 256u * 1024);
    EXPECT_EQ(settings.cleaner_io_max_bytes_per_second, 0);  // Double.MAX_VALUE: unlimited

    auto faster =
        make_broker_config({}, std::vector<std::string>{"log.flush.scheduler.interval.ms=200",
                                                        "log.retention.check.interval.ms=5000"});
    ASSERT_TRUE(faster);
    auto faster_settings = make_log_maintenance_settings(
        faster.value().log, faster.value().transaction, faster.value().cleaner);
    EXPECT_EQ(faster_settings.flush_check_interval_ms, 200);
    EXPECT_EQ(faster_settings.retention_check_interval_ms, 5000);
}

class LogMaintenancePassTest : public ::testing::Test {
protected:
    // A hosted partition "orders-<index>" whose log has config_.
    cluster::partition& host(int index) {
        storage::topic_partition id{.topic = "orders", .partition = partition_id(index)};
        auto log = storage::partition_log::open(*fs_, dir_.path() / storage::partition_dir_name(id),
                                                config_, {.now_ms = t0});
        EXPECT_TRUE(log);
        return partitions_.add(std::make_shared<cluster::partition>(
            id, std::nullopt, dir_.path(), leader_epoch(0), std::move(log).value()));
    }

    void append(cluster::partition& hosted, int64_t timestamp_ms, std::size_t value_bytes = 600) {
        auto batch = storage::make_batch(1, timestamp_ms, value_bytes);
        ASSERT_TRUE(hosted.append(batch, timestamp_ms));
        hosted.log().set_high_watermark(hosted.log().log_end_offset());
    }

    int flush(int64_t now_ms) {
        int flushed = -1;
        asio::co_spawn(
            io_,
            [&]() -> asio::awaitable<void> { flushed = co_await run_flush(partitions_, now_ms); },
            asio::detached);
        io_.restart();
        io_.run();
        return flushed;
    }

    // Declared before the partitions: a log's durability waits are bound to this loop,
    // which must outlive them.
    asio::io_context io_;
    temporary_directory dir_;
    std::unique_ptr<storage::file_system> fs_ = storage::make_posix_file_system(nullptr);
    storage::log_config config_{.segment_bytes = 1024, .retention_ms = 10'000};
    cluster::partition_manager partitions_;
};

TEST_F(LogMaintenancePassTest, RetentionDeletesExpiredSegmentsOfEveryLogAndSkipsClosedOnes) {
    auto& first = host(0);
    auto& second = host(1);
    auto& closed = host(2);
    for (auto* hosted : {&first, &second, &closed}) {
        append(*hosted, t0);
        append(*hosted, t0 + 20'000);  // rolls: one batch per segment
    }
    ASSERT_TRUE(closed.log().close());

    EXPECT_EQ(run_retention(partitions_, t0 + 5'000), 0);
    EXPECT_EQ(run_retention(partitions_, t0 + 12'000), 2);
    EXPECT_EQ(first.log().log_start_offset(), offset(1));
    EXPECT_EQ(second.log().log_start_offset(), offset(1));
    EXPECT_EQ(closed.log().segment_count(), 2u);
}

TEST_F(LogMaintenancePassTest, FileDeletionRemovesDeletedSegmentsOnceTheirDelayPassed) {
    config_.file_delete_delay_ms = 1'000;
    auto& hosted = host(0);
    append(hosted, t0);
    append(hosted, t0 + 20'000);
    ASSERT_EQ(run_retention(partitions_, t0 + 12'000), 1);
    auto deleted_log = hosted.log().dir() / storage::segment_file_name(offset(0), ".log.deleted");
    ASSERT_TRUE(std::filesystem::exists(deleted_log));

    run_file_deletion(partitions_, t0 + 12'500);
    EXPECT_TRUE(std::filesystem::exists(deleted_log));
    run_file_deletion(partitions_, t0 + 13'000);
    EXPECT_FALSE(std::filesystem::exists(deleted_log));
}

TEST_F(LogMaintenancePassTest, FlushMakesDueLogsDurable) {
    config_.segment_bytes = 1 << 20;
    config_.flush_messages = 2;
    auto& due = host(0);
    auto& not_due = host(1);
    append(due, t0);
    append(due, t0);
    append(not_due, t0);

    EXPECT_EQ(flush(t0), 1);
    EXPECT_EQ(due.log().recovery_point(), offset(2));
    EXPECT_EQ(not_due.log().recovery_point(), offset(0));
    EXPECT_EQ(flush(t0), 0);
}

TEST_F(LogMaintenancePassTest, FlushMsIsMeasuredFromTheLastFlush) {
    config_.segment_bytes = 1 << 20;
    config_.flush_ms = 1'000;
    auto& hosted = host(0);
    append(hosted, t0);
    EXPECT_EQ(flush(t0 + 999), 0);
    EXPECT_EQ(flush(t0 + 1'000), 1);
    EXPECT_EQ(hosted.log().recovery_point(), offset(1));
}

TEST(log_maintenance, WritesCheckpointsAndStopsWhenAsked) {
    temporary_directory dir;
    auto fs = storage::make_posix_file_system(nullptr);
    storage::log_manager logs(*fs, {.log_dirs = {dir.path()}});
    runtime::shard_set shards(2);
    std::vector<cluster::partition_manager> partitions(2);
    storage::topic_partition id{.topic = "orders", .partition = partition_id(1)};
    auto log = storage::partition_log::open(*fs, dir.path() / "orders-1", {}, {.now_ms = t0});
    ASSERT_TRUE(log);
    partitions[1].add(std::make_shared<cluster::partition>(
        id, std::nullopt, dir.path(), leader_epoch(0), std::move(log).value()));

    log_maintenance maintenance(shards, {&partitions[0], &partitions[1]}, logs,
                                {.retention_check_interval_ms = 10,
                                 .flush_check_interval_ms = 10,
                                 .recovery_point_checkpoint_interval_ms = 10,
                                 .log_start_offset_checkpoint_interval_ms = 10,
                                 .file_deletion_check_interval_ms = 10,
                                 .initial_delay_ms = 0});
    auto checkpoint = dir.path() / storage::recovery_point_checkpoint_file_name;
    bool written = false;
    auto scenario = [&]() -> asio::awaitable<void> {
        co_await maintenance.start();
        for (int attempt = 0; attempt < 1000 && !written; ++attempt) {
            co_await runtime::sleep_for(std::chrono::milliseconds(10));
            written = std::filesystem::exists(checkpoint);
        }
        co_await maintenance.stop();
        // Stopped for good: a start after stop does nothing.
        co_await maintenance.start();
        shards.stop();
    };
    asio::co_spawn(shards.at(0u).executor(), std::move(scenario), asio::detached);
    shards.run();

    ASSERT_TRUE(written);
    auto offsets = storage::read_offset_checkpoint(*fs, checkpoint);
    ASSERT_TRUE(offsets);
    ASSERT_EQ(offsets.value().size(), 1u);
    EXPECT_EQ(offsets.value().begin()->first, id);
}

}  // namespace
}  // namespace samsa::broker
