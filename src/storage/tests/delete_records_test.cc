// DeleteRecords in storage: the partition log moving its start offset and deleting the
// segments below it, the log manager making the new start durable at once (and a periodic
// checkpoint gathered earlier never undoing it), and the volume space DescribeLogDirs reports.

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <gtest/gtest.h>

#include "base/temporary_directory.h"
#include "storage/log_manager.h"
#include "storage/offset_checkpoint.h"
#include "storage/partition_log.h"
#include "storage/tests/batch_maker.h"
#include "storage/volume_space.h"

namespace samsa::storage {
namespace {

constexpr int64_t t0 = 1'700'000'000'000;
const topic_id orders_id(uuid(7, 7));

class DeleteRecordsTest : public ::testing::Test {
protected:
    std::unique_ptr<partition_log> open_log(log_load_options options = {.now_ms = t0}) {
        auto log = partition_log::open(*fs_, dir_.path() / "orders-0", config_, options);
        EXPECT_TRUE(log) << (log ? "" : log.error().message);
        return log ? std::move(log).value() : nullptr;
    }

    // Appends `batches` batches of one 600-byte record each: with segment.bytes 1024, every
    // batch lands in a segment of its own (offsets 0, 1, 2, ...).
    void append_segments(partition_log& log, int batches) {
        for (int index = 0; index < batches; ++index) {
            auto batch = make_batch(1, t0, 600);
            ASSERT_TRUE(log.append(batch, leader_epoch(0), t0));
        }
        log.set_high_watermark(log.log_end_offset());
    }

    temporary_directory dir_;
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);
    log_config config_{.segment_bytes = 1024, .retention_ms = -1};
};

TEST_F(DeleteRecordsTest, StartMovesInsideASegmentAndOnlyWholeSegmentsBelowItGo) {
    auto log = open_log();
    append_segments(*log, 3);
    auto batch = make_batch(5, t0);  // offsets 3-7, in the active segment after offset 2
    ASSERT_TRUE(log->append(batch, leader_epoch(0), t0));
    log->set_high_watermark(log->log_end_offset());
    ASSERT_EQ(log->segment_base_offsets(), (std::vector<offset>{offset(0), offset(1), offset(2)}));

    auto moved = log->delete_records_before(offset(5), t0);
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved.value(), offset(5));
    EXPECT_EQ(log->log_start_offset(), offset(5));
    EXPECT_EQ(log->segment_base_offsets(), std::vector<offset>{offset(2)});

    auto below = log->read(offset(4), 1 << 20, log->log_end_offset(), true);
    ASSERT_FALSE(below);
    EXPECT_EQ(below.error().code, storage_errc::offset_out_of_range);
    EXPECT_TRUE(log->read(offset(5), 1 << 20, log->log_end_offset(), true));
}

TEST_F(DeleteRecordsTest, NeverMovesBackAndAnswersTheCurrentStart) {
    auto log = open_log();
    append_segments(*log, 3);
    ASSERT_TRUE(log->delete_records_before(offset(2), t0));
    auto again = log->delete_records_before(offset(1), t0);
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value(), offset(2));
    EXPECT_EQ(log->log_start_offset(), offset(2));
}

TEST_F(DeleteRecordsTest, PastTheHighWatermarkIsOffsetOutOfRange) {
    auto log = open_log();
    append_segments(*log, 2);
    log->set_high_watermark(offset(1));
    auto moved = log->delete_records_before(offset(2), t0);
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().code, storage_errc::offset_out_of_range);
    EXPECT_EQ(log->log_start_offset(), offset(0));
    EXPECT_EQ(log->segment_count(), 2u);
}

TEST_F(DeleteRecordsTest, AtTheHighWatermarkEverySegmentGoesAndAppendsContinue) {
    auto log = open_log();
    append_segments(*log, 3);
    auto moved = log->delete_records_before(offset(3), t0);
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved.value(), offset(3));
    // The active segment was rolled and deleted too: one new, empty segment at the end.
    EXPECT_EQ(log->segment_base_offsets(), std::vector<offset>{offset(3)});
    EXPECT_EQ(log->size_bytes(), 0u);
    append_segments(*log, 1);
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(log->log_start_offset(), offset(3));
}

TEST_F(DeleteRecordsTest, RetentionSettingsDoNotDeleteMore) {
    config_.retention_bytes = 1;  // retention would delete all but the active segment
    auto log = open_log();
    append_segments(*log, 3);
    ASSERT_TRUE(log->delete_records_before(offset(1), t0));
    EXPECT_EQ(log->segment_base_offsets(), (std::vector<offset>{offset(1), offset(2)}));
}

TEST_F(DeleteRecordsTest, AClosedLogIsRefused) {
    auto log = open_log();
    append_segments(*log, 1);
    ASSERT_TRUE(log->close());
    auto moved = log->delete_records_before(offset(1), t0);
    ASSERT_FALSE(moved);
    EXPECT_EQ(moved.error().code, storage_errc::closed);
}

class PersistLogStartTest : public ::testing::Test {
protected:
    log_manager make_manager() {
        return log_manager(*fs_, {.log_dirs = {dir_.path() / "a"}, .recovery_threads_per_dir = 1});
    }
    partition_offsets starts_on_disk() {
        auto starts =
            read_offset_checkpoint(*fs_, dir_.path() / "a" / log_start_offset_checkpoint_file_name);
        EXPECT_TRUE(starts);
        return starts ? starts.value() : partition_offsets{};
    }
    log_offsets at(std::string topic, int partition, int64_t start) {
        return {.partition = {std::move(topic), partition_id(partition)},
                .log_dir = dir_.path() / "a",
                .recovery_point = offset(0),
                .log_start_offset = offset(start)};
    }
    static log_config config_for(const topic_partition&) {
        return {.segment_bytes = 1024, .retention_ms = -1};
    }

    temporary_directory dir_;
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);
};

TEST_F(PersistLogStartTest, KeepsTheEntriesOfEveryOtherLog) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    ASSERT_TRUE(manager.write_checkpoints({at("x", 0, 4), at("y", 0, 9)}));
    ASSERT_TRUE(manager.persist_log_start_offsets({at("x", 0, 7)}));
    auto starts = starts_on_disk();
    EXPECT_EQ(starts.at({"x", partition_id(0)}), offset(7));
    EXPECT_EQ(starts.at({"y", partition_id(0)}), offset(9));
}

TEST_F(PersistLogStartTest, APeriodicWriteGatheredBeforeTheMoveDoesNotUndoIt) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    ASSERT_TRUE(manager.persist_log_start_offsets({at("x", 0, 7)}));
    ASSERT_TRUE(manager.write_checkpoints({at("x", 0, 2)}));  // gathered before the move
    EXPECT_EQ(starts_on_disk().at({"x", partition_id(0)}), offset(7));
    // Once a periodic write reports the move (or more), the log's own offsets are written.
    ASSERT_TRUE(manager.write_checkpoints({at("x", 0, 8)}));
    EXPECT_EQ(starts_on_disk().at({"x", partition_id(0)}), offset(8));
}

TEST_F(PersistLogStartTest, AStartOfAGoneLogIsForgotten) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    ASSERT_TRUE(manager.persist_log_start_offsets({at("x", 0, 7)}));
    ASSERT_TRUE(manager.write_checkpoints({}));  // x-0 has no directory: its topic is gone
    EXPECT_TRUE(starts_on_disk().empty());
}

TEST_F(PersistLogStartTest, ANewLogOfTheSameNameDoesNotInheritThePersistedStart) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    ASSERT_TRUE(manager.persist_log_start_offsets({at("orders", 0, 7)}));
    auto created = manager.create_log({"orders", partition_id(0)}, orders_id, config_for({}), t0);
    ASSERT_TRUE(created);
    ASSERT_TRUE(manager.write_checkpoints({at("orders", 0, 0)}));
    EXPECT_EQ(starts_on_disk().at({"orders", partition_id(0)}), offset(0));
}

TEST_F(PersistLogStartTest, ARestartAfterACrashStartsAtThePersistedOffset) {
    {
        auto manager = make_manager();
        ASSERT_TRUE(manager.load_all(config_for, t0));
        auto created =
            manager.create_log({"orders", partition_id(0)}, orders_id, config_for({}), t0);
        ASSERT_TRUE(created);
        partition_log& log = *created.value().log;
        auto batch = make_batch(10, t0);
        ASSERT_TRUE(log.append(batch, leader_epoch(0), t0));
        log.set_high_watermark(log.log_end_offset());
        ASSERT_TRUE(log.flush());
        auto moved = log.delete_records_before(offset(6), t0);
        ASSERT_TRUE(moved);
        ASSERT_TRUE(manager.persist_log_start_offsets({at("orders", 0, moved.value().value())}));
        // No close, no shutdown checkpoints, no clean-shutdown marker: a crash.
    }
    auto manager = make_manager();
    auto loaded = manager.load_all(config_for, t0);
    ASSERT_TRUE(loaded);
    ASSERT_EQ(loaded.value().size(), 1u);
    EXPECT_EQ(loaded.value()[0].log->log_start_offset(), offset(6));
    EXPECT_EQ(loaded.value()[0].log->log_end_offset(), offset(10));
}

asio::awaitable<void> persist_in_background(log_manager* manager, std::vector<log_offsets> moved,
                                            std::optional<std::optional<storage_error>>* outcome) {
    auto persisting = manager->persist_log_start_offsets_in_background(std::move(moved));
    *outcome = co_await std::move(persisting);
}

TEST_F(PersistLogStartTest, InTheBackgroundTheCallerResumesOnItsOwnLoop) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    std::optional<std::optional<storage_error>> outcome;
    asio::io_context io;
    std::vector<log_offsets> moved{at("x", 1, 5)};
    asio::co_spawn(io, persist_in_background(&manager, std::move(moved), &outcome), asio::detached);
    io.run();
    ASSERT_TRUE(outcome.has_value());
    EXPECT_FALSE(outcome->has_value());
    EXPECT_EQ(starts_on_disk().at({"x", partition_id(1)}), offset(5));
}

TEST_F(PersistLogStartTest, AnUnreadableCheckpointIsAnErrorNotAnOverwrite) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    std::filesystem::path file = dir_.path() / "a" / log_start_offset_checkpoint_file_name;
    {
        auto garbage = fs_->open(file, open_mode::read_write_create);
        ASSERT_TRUE(garbage);
        std::string text = "garbage\n";
        ASSERT_TRUE(garbage.value()->write_at(
            0, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    }
    EXPECT_FALSE(manager.persist_log_start_offsets({at("x", 0, 7)}));
}

TEST(VolumeSpace, ReportsTheVolumeOfAnExistingDirectory) {
    temporary_directory dir;
    auto space = volume_space_of(dir.path());
    ASSERT_TRUE(space);
    EXPECT_GT(space.value().total_bytes, 0);
    EXPECT_GE(space.value().usable_bytes, 0);
    EXPECT_LE(space.value().usable_bytes, space.value().total_bytes);
    EXPECT_FALSE(volume_space_of(dir.path() / "missing"));
}

}  // namespace
}  // namespace samsa::storage
