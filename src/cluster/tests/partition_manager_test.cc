#include "cluster/partition_manager.h"

#include <gtest/gtest.h>

#include "base/temporary_directory.h"
#include "protocol/record_batch_builder.h"

namespace samsa::cluster {
namespace {

std::vector<uint8_t> one_record_batch() {
    protocol::record_batch_builder builder({});
    builder.append({.timestamp_ms = 1000});
    return std::move(builder).build().value();
}

class PartitionManagerTest : public ::testing::Test {
protected:
    std::unique_ptr<partition> make_partition(const std::string& topic, int index) {
        storage::topic_partition id{topic, partition_id(index)};
        auto log = storage::partition_log::open(*fs_, dir_ / storage::partition_dir_name(id), {},
                                                {.now_ms = 1000});
        EXPECT_TRUE(log);
        return std::make_unique<partition>(id, std::nullopt, dir_.path(), leader_epoch(2),
                                           std::move(log).value());
    }

    temporary_directory dir_;
    std::unique_ptr<storage::file_system> fs_ = storage::make_posix_file_system(nullptr);
};

TEST_F(PartitionManagerTest, HostsFindsAndRemovesPartitions) {
    partition_manager manager;
    manager.add(make_partition("orders", 0));
    manager.add(make_partition("orders", 1));
    EXPECT_EQ(manager.size(), 2u);
    ASSERT_NE(manager.find({"orders", partition_id(1)}), nullptr);
    EXPECT_EQ(manager.find({"orders", partition_id(2)}), nullptr);
    auto removed = manager.remove({"orders", partition_id(0)});
    ASSERT_NE(removed, nullptr);
    EXPECT_EQ(manager.find({"orders", partition_id(0)}), nullptr);
    EXPECT_EQ(manager.remove({"orders", partition_id(0)}), nullptr);
}

TEST_F(PartitionManagerTest, AppendsUnderTheLeaderEpochAndAdvanceTheHighWatermark) {
    partition_manager manager;
    partition& hosted = manager.add(make_partition("orders", 0));
    auto batch = one_record_batch();
    auto appended = hosted.append(batch, 1000);
    ASSERT_TRUE(appended);
    EXPECT_EQ(hosted.high_watermark(), offset(1));
    EXPECT_EQ(hosted.log().epochs().latest_epoch(), leader_epoch(2));
    auto offsets = manager.offsets();
    ASSERT_EQ(offsets.size(), 1u);
    EXPECT_EQ(offsets[0].log_dir, dir_.path());
}

}  // namespace
}  // namespace samsa::cluster
