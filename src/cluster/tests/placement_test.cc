#include "cluster/placement.h"

#include <gtest/gtest.h>

#include <set>

namespace samsa::cluster {
namespace {

TEST(Placement, IsStableForAPartition) {
    storage::topic_partition orders{"orders", partition_id(3)};
    EXPECT_EQ(shard_for(orders, 4), shard_for(orders, 4));
    EXPECT_EQ(shard_for(orders, 1), runtime::shard_id(0));
}

TEST(Placement, SpreadsATopicsPartitionsOverEveryShard) {
    std::set<uint32_t> used;
    for (int partition = 0; partition < 8; ++partition) {
        used.insert(shard_for({"orders", partition_id(partition)}, 4).value());
    }
    EXPECT_EQ(used.size(), 4u);
}

}  // namespace
}  // namespace samsa::cluster
