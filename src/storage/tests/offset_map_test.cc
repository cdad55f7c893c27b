// The log cleaner's key -> offset map: the newest offset wins, it fills at its load factor,
// and clear() empties it.

#include <gtest/gtest.h>

#include <string>

#include "storage/offset_map.h"

namespace samsa::storage {
namespace {

std::span<const uint8_t> key(const std::string& text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(OffsetMapTest, KeepsTheNewestOffsetOfEachKey) {
    offset_map map(1024 * offset_map::slot_bytes, 0.9);
    std::string a = "a";
    std::string b = "b";
    EXPECT_EQ(map.get(key(a)), -1);
    map.put(key(a), offset(5));
    map.put(key(b), offset(6));
    map.put(key(a), offset(9));
    map.put(key(a), offset(7));  // older: ignored
    EXPECT_EQ(map.get(key(a)), 9);
    EXPECT_EQ(map.get(key(b)), 6);
    EXPECT_EQ(map.size(), 2u);
    EXPECT_EQ(map.latest_offset(), 9);
    std::string empty;
    map.put(key(empty), offset(10));
    EXPECT_EQ(map.get(key(empty)), 10);
}

TEST(OffsetMapTest, FillsAtItsLoadFactor) {
    offset_map map(100 * offset_map::slot_bytes, 0.5);
    EXPECT_EQ(map.slots(), 100u);
    EXPECT_EQ(map.max_entries(), 50u);
    for (int index = 0; !map.full(); ++index) {
        map.put(key(std::to_string(index)), offset(index));
    }
    EXPECT_EQ(map.size(), 50u);
    EXPECT_DOUBLE_EQ(map.utilization(), 0.5);
    for (int index = 0; index < 50; ++index) {
        EXPECT_EQ(map.get(key(std::to_string(index))), index);
    }
    // A key already there can still move.
    map.put(key("3"), offset(1000));
    EXPECT_EQ(map.get(key("3")), 1000);
    EXPECT_EQ(map.get(key("absent")), -1);
    map.clear();
    EXPECT_EQ(map.size(), 0u);
    EXPECT_EQ(map.get(key("3")), -1);
}

TEST(OffsetMapTest, ATinyMapStillEndsItsProbes) {
    offset_map map(0, 1.0);
    EXPECT_EQ(map.slots(), 2u);
    EXPECT_EQ(map.max_entries(), 1u);
    map.put(key("x"), offset(1));
    EXPECT_TRUE(map.full());
    EXPECT_EQ(map.get(key("y")), -1);
}

}  // namespace
}  // namespace samsa::storage
