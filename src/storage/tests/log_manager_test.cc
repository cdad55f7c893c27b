#include "storage/log_manager.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/temporary_directory.h"
#include "storage/clean_shutdown_marker.h"
#include "storage/offset_checkpoint.h"
#include "storage/tests/batch_maker.h"

namespace samsa::storage {
namespace {

constexpr int64_t t0 = 1'700'000'000'000;

class LogManagerTest : public ::testing::Test {
protected:
    log_manager make_manager() {
        return log_manager(*fs_, {.log_dirs = {dir_.path() / "a", dir_.path() / "b"},
                                  .recovery_threads_per_dir = 2});
    }
    static log_config config_for(const topic_partition&) { return {.segment_bytes = 4096}; }

    std::vector<log_offsets> offsets_of(const std::vector<loaded_log>& logs) {
        std::vector<log_offsets> offsets;
        for (const auto& each : logs) {
            offsets.push_back({each.partition, each.log_dir, each.log->recovery_point(),
                               each.log->log_start_offset()});
        }
        return offsets;
    }

    temporary_directory dir_;
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);
};

TEST(PartitionDirName, ParsesTopicAndPartitionAtTheLastDash) {
    auto parsed = parse_partition_dir_name("my-topic-12");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->topic, "my-topic");
    EXPECT_EQ(parsed->partition, partition_id(12));
    EXPECT_FALSE(parse_partition_dir_name("orders-0.abc-delete"));
    EXPECT_FALSE(parse_partition_dir_name("orders"));
    EXPECT_FALSE(parse_partition_dir_name("-3"));
    EXPECT_FALSE(parse_partition_dir_name("__cluster_metadata-0"));
    EXPECT_EQ(partition_dir_name({"orders", partition_id(3)}), "orders-3");
}

TEST_F(LogManagerTest, NewLogsGoToTheLeastLoadedDirectory) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    auto first = manager.create_log({"t", partition_id(0)}, topic_id(uuid(1, 1)), {}, t0);
    auto second = manager.create_log({"t", partition_id(1)}, topic_id(uuid(1, 1)), {}, t0);
    ASSERT_TRUE(first && second);
    EXPECT_NE(first.value().log_dir, second.value().log_dir);
    EXPECT_TRUE(std::filesystem::exists(first.value().log_dir / "t-0" / "partition.metadata"));
}

TEST_F(LogManagerTest, CleanShutdownRestartsWithoutRecoveryAndKeepsEverything) {
    {
        auto manager = make_manager();
        ASSERT_TRUE(manager.load_all(config_for, t0));
        std::vector<loaded_log> logs;
        for (int partition = 0; partition < 4; ++partition) {
            auto created = manager.create_log({"orders", partition_id(partition)},
                                              topic_id(uuid(7, 7)), config_for({}), t0);
            ASSERT_TRUE(created);
            logs.push_back(std::move(created).value());
            for (int batch = 0; batch <= partition; ++batch) {
                auto bytes = make_batch(3, t0);
                ASSERT_TRUE(logs.back().log->append(bytes, leader_epoch(0), t0));
            }
        }
        for (auto& each : logs) {
            ASSERT_TRUE(each.log->close());
        }
        ASSERT_TRUE(manager.mark_clean_shutdown(offsets_of(logs)));
    }
    EXPECT_TRUE(clean_shutdown_marker_exists(*fs_, dir_.path() / "a").value());
    auto manager = make_manager();
    auto loaded = manager.load_all(config_for, t0);
    ASSERT_TRUE(loaded);
    ASSERT_EQ(loaded.value().size(), 4u);
    for (int partition = 0; partition < 4; ++partition) {
        const auto& each = loaded.value()[partition];
        EXPECT_EQ(each.partition.partition, partition_id(partition));
        EXPECT_EQ(each.log->log_end_offset(), offset(3 * (partition + 1)));
        EXPECT_EQ(each.log->recovery_point(), each.log->log_end_offset());
        ASSERT_TRUE(each.topic);
        EXPECT_EQ(*each.topic, topic_id(uuid(7, 7)));
    }
    // The marker is gone while the broker runs: a crash now is noticed.
    EXPECT_FALSE(clean_shutdown_marker_exists(*fs_, dir_.path() / "a").value());
}

TEST_F(LogManagerTest, AfterACrashLogsAreRecoveredFromTheirCheckpointedRecoveryPoint) {
    std::filesystem::path torn;
    {
        auto manager = make_manager();
        ASSERT_TRUE(manager.load_all(config_for, t0));
        auto created = manager.create_log({"orders", partition_id(0)}, topic_id(uuid(7, 7)),
                                          config_for({}), t0);
        ASSERT_TRUE(created);
        auto& log = *created.value().log;
        for (int batch = 0; batch < 3; ++batch) {
            auto bytes = make_batch(2, t0);
            ASSERT_TRUE(log.append(bytes, leader_epoch(0), t0));
        }
        ASSERT_TRUE(log.flush());
        ASSERT_TRUE(manager.write_checkpoints({{created.value().partition, created.value().log_dir,
                                                log.recovery_point(), log.log_start_offset()}}));
        auto more = make_batch(2, t0);
        ASSERT_TRUE(log.append(more, leader_epoch(0), t0));
        torn = created.value().log_dir / "orders-0" / "00000000000000000000.log";
        // No close, no marker: a crash. Then a torn tail in the last batch.
    }
    std::filesystem::resize_file(torn, std::filesystem::file_size(torn) - 5);
    auto manager = make_manager();
    auto loaded = manager.load_all(config_for, t0);
    ASSERT_TRUE(loaded);
    ASSERT_EQ(loaded.value().size(), 1u);
    EXPECT_EQ(loaded.value()[0].log->log_end_offset(), offset(6));
    EXPECT_EQ(loaded.value()[0].log->recovery_point(), offset(6));
}

TEST_F(LogManagerTest, CheckpointsListEveryLogOfTheirDirectory) {
    auto manager = make_manager();
    ASSERT_TRUE(manager.load_all(config_for, t0));
    std::vector<log_offsets> offsets{
        {{"x", partition_id(0)}, dir_.path() / "a", offset(10), offset(2)},
        {{"x", partition_id(1)}, dir_.path() / "b", offset(20), offset(0)},
        {{"y", partition_id(0)}, dir_.path() / "a", offset(5), offset(5)},
    };
    ASSERT_TRUE(manager.write_checkpoints(offsets));
    auto in_a =
        read_offset_checkpoint(*fs_, dir_.path() / "a" / recovery_point_checkpoint_file_name);
    ASSERT_TRUE(in_a);
    EXPECT_EQ(in_a.value().size(), 2u);
    EXPECT_EQ(in_a.value().at({"x", partition_id(0)}), offset(10));
    auto starts =
        read_offset_checkpoint(*fs_, dir_.path() / "a" / log_start_offset_checkpoint_file_name);
    ASSERT_TRUE(starts);
    EXPECT_EQ(starts.value().at({"y", partition_id(0)}), offset(5));
}

TEST_F(LogManagerTest, AnUnreadableCheckpointMeansFullRecoveryNotAFailedStart) {
    {
        auto manager = make_manager();
        ASSERT_TRUE(manager.load_all(config_for, t0));
        auto created = manager.create_log({"orders", partition_id(0)}, topic_id(uuid(7, 7)),
                                          config_for({}), t0);
        ASSERT_TRUE(created);
        auto bytes = make_batch(2, t0);
        ASSERT_TRUE(created.value().log->append(bytes, leader_epoch(0), t0));
        ASSERT_TRUE(created.value().log->close());
        std::ofstream(created.value().log_dir / recovery_point_checkpoint_file_name) << "garbage\n";
    }
    auto manager = make_manager();
    auto loaded = manager.load_all(config_for, t0);
    ASSERT_TRUE(loaded);
    ASSERT_EQ(loaded.value().size(), 1u);
    EXPECT_EQ(loaded.value()[0].log->log_end_offset(), offset(2));
}

}  // namespace
}  // namespace samsa::storage
