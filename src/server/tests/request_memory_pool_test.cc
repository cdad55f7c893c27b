#include "server/request_memory_pool.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace samsa::server {
namespace {

TEST(RequestMemoryPoolTest, ReservesWhatFitsAndRefusesWhatDoesNot) {
    request_memory_pool pool(100);
    EXPECT_TRUE(pool.try_reserve(60));
    EXPECT_TRUE(pool.try_reserve(40));
    EXPECT_FALSE(pool.try_reserve(1));
    pool.release(40);
    EXPECT_FALSE(pool.try_reserve(41));
    EXPECT_TRUE(pool.try_reserve(40));
    EXPECT_EQ(pool.used_bytes(), 100);
}

TEST(RequestMemoryPoolTest, AnEmptyPoolTakesAFrameLargerThanTheBudget) {
    request_memory_pool pool(100);
    EXPECT_TRUE(pool.try_reserve(150));
    EXPECT_FALSE(pool.try_reserve(1));
    pool.release(150);
    EXPECT_EQ(pool.used_bytes(), 0);
}

TEST(RequestMemoryPoolTest, PeakIsTheMostEverInUse) {
    request_memory_pool pool(100);
    ASSERT_TRUE(pool.try_reserve(70));
    pool.release(70);
    ASSERT_TRUE(pool.try_reserve(20));
    EXPECT_EQ(pool.used_bytes(), 20);
    EXPECT_EQ(pool.peak_bytes(), 70);
}

TEST(RequestMemoryPoolTest, WithoutABudgetEverythingFitsAndIsStillCounted) {
    request_memory_pool pool(-1);
    EXPECT_FALSE(pool.bounded());
    EXPECT_TRUE(pool.try_reserve(1'000'000'000));
    EXPECT_TRUE(pool.try_reserve(1'000'000'000));
    EXPECT_EQ(pool.used_bytes(), 2'000'000'000);
}

TEST(RequestMemoryPoolTest, ConcurrentReservationsNeverExceedTheBudget) {
    request_memory_pool pool(1000);
    std::vector<std::thread> threads;
    for (int thread = 0; thread < 4; ++thread) {
        threads.emplace_back([&pool] {
            for (int round = 0; round < 20'000; ++round) {
                if (pool.try_reserve(300)) {
                    pool.release(300);
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(pool.used_bytes(), 0);
    EXPECT_LE(pool.peak_bytes(), 900);
}

}  // namespace
}  // namespace samsa::server
