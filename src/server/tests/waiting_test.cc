// The two ways a request waits on its shard: a delayed fetch in the purgatory (woken by its
// partitions, by wake_all, or by its deadline) and a Produce waiting for its turn.

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "server/fetch_purgatory.h"
#include "server/request_turns.h"

namespace samsa::server {
namespace {

using namespace std::chrono_literals;

const storage::topic_partition orders{"orders", partition_id(0)};
const storage::topic_partition payments{"payments", partition_id(0)};

// A deadline no test reaches: a waiter that returns was woken.
std::chrono::steady_clock::time_point far_future() {
    return std::chrono::steady_clock::now() + 1h;
}

TEST(FetchPurgatory, WakesOnlyTheFetchesWaitingForThePartition) {
    asio::io_context io;
    fetch_purgatory purgatory(io.get_executor(), 10);
    std::vector<std::string> woken;
    auto wait_for = [&](storage::topic_partition partition) -> asio::awaitable<void> {
        std::vector<storage::topic_partition> partitions{partition};
        co_await purgatory.wait_until(partitions, far_future());
        woken.push_back(partition.topic);
    };
    asio::co_spawn(io, wait_for(orders), asio::detached);
    asio::co_spawn(io, wait_for(payments), asio::detached);
    io.poll();
    EXPECT_EQ(purgatory.waiting(), 2u);
    purgatory.wake(orders);
    io.poll();
    EXPECT_EQ(woken, std::vector<std::string>{"orders"});
    EXPECT_EQ(purgatory.waiting(), 1u);
    purgatory.wake_all();
    io.poll();
    EXPECT_EQ(woken, (std::vector<std::string>{"orders", "payments"}));
    EXPECT_EQ(purgatory.waiting(), 0u);
}

TEST(FetchPurgatory, EveryWakeMovesTheGenerationSoAReadThatRacedItDoesNotWait) {
    asio::io_context io;
    fetch_purgatory purgatory(io.get_executor(), 10);
    uint64_t before = purgatory.generation();
    purgatory.wake(orders);  // nobody waits: only the generation records it
    EXPECT_NE(purgatory.generation(), before);
}

TEST(FetchPurgatory, DeadlineEndsTheWait) {
    asio::io_context io;
    fetch_purgatory purgatory(io.get_executor(), 10);
    bool returned = false;
    auto wait = [&]() -> asio::awaitable<void> {
        std::vector<storage::topic_partition> partitions{orders};
        co_await purgatory.wait_until(partitions, std::chrono::steady_clock::now() + 10ms);
        returned = true;
    };
    asio::co_spawn(io, wait(), asio::detached);
    io.run_for(5s);
    EXPECT_TRUE(returned);
    EXPECT_EQ(purgatory.waiting(), 0u);
}

TEST(FetchPurgatory, IsBoundedAndReleasedForGoodAtShutdown) {
    asio::io_context io;
    fetch_purgatory purgatory(io.get_executor(), 1);
    int returned = 0;
    auto wait = [&]() -> asio::awaitable<void> {
        std::vector<storage::topic_partition> partitions{orders};
        co_await purgatory.wait_until(partitions, far_future());
        ++returned;
    };
    EXPECT_TRUE(purgatory.has_room());
    asio::co_spawn(io, wait(), asio::detached);
    io.poll();
    EXPECT_FALSE(purgatory.has_room());
    purgatory.release_all();
    io.poll();
    EXPECT_EQ(returned, 1);
    EXPECT_FALSE(purgatory.has_room());
}

TEST(RequestTurns, TurnsFollowTicketOrderWhateverOrderTheWaitsStartIn) {
    asio::io_context io;
    request_turns turns;
    std::vector<int> appended;
    uint64_t first = turns.take();
    uint64_t second = turns.take();
    uint64_t third = turns.take();
    auto append = [&](uint64_t ticket, int value) -> asio::awaitable<void> {
        co_await turns.wait(ticket);
        appended.push_back(value);
        // Holding the turn across a suspension keeps later tickets out.
        co_await asio::post(io, asio::use_awaitable);
        turns.finish(ticket);
    };
    asio::co_spawn(io, append(third, 3), asio::detached);
    asio::co_spawn(io, append(second, 2), asio::detached);
    asio::co_spawn(io, append(first, 1), asio::detached);
    io.run();
    EXPECT_EQ(appended, (std::vector<int>{1, 2, 3}));
}

}  // namespace
}  // namespace samsa::server
