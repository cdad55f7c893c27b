#include <gtest/gtest.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/async_event.h"
#include "runtime/cross_shard.h"
#include "runtime/shard.h"
#include "runtime/sleep.h"
#include "runtime/when_all.h"

namespace samsa::runtime {
namespace {

// Runs body on shard 0 of a fresh set of count shards and stops the set when it returns.
template <typename Body>
void run_on_shards(uint32_t count, Body body) {
    shard_set shards(count);
    asio::co_spawn(
        shards.at(0u).executor(),
        [&]() -> asio::awaitable<void> {
            co_await body(shards);
            shards.stop();
        },
        asio::detached);
    shards.run();
}

TEST(ShardSet, CurrentIsTheShardWhoseThreadRuns) {
    EXPECT_FALSE(shard_set::current().has_value());
    run_on_shards(3, [](shard_set& shards) -> asio::awaitable<void> {
        EXPECT_EQ(shard_set::current(), shard_id(0));
        EXPECT_TRUE(shards.at(0u).is_current());
        EXPECT_FALSE(shards.at(1u).is_current());
        co_return;
    });
}

TEST(InvokeOn, RunsOnTheTargetAndResumesOnTheCaller) {
    run_on_shards(2, [](shard_set& shards) -> asio::awaitable<void> {
        auto caller_thread = std::this_thread::get_id();
        auto [ran_on, target_thread] = co_await invoke_on(shards.at(1u), [] {
            return std::pair{shard_set::current(), std::this_thread::get_id()};
        });
        EXPECT_EQ(ran_on, shard_id(1));
        EXPECT_NE(target_thread, caller_thread);
        EXPECT_EQ(std::this_thread::get_id(), caller_thread);
        EXPECT_EQ(shard_set::current(), shard_id(0));
    });
}

TEST(InvokeOn, AwaitsACoroutineOnTheTarget) {
    run_on_shards(2, [](shard_set& shards) -> asio::awaitable<void> {
        int value = co_await invoke_on(shards.at(1u), []() -> asio::awaitable<int> {
            co_await sleep_for(std::chrono::milliseconds(1));
            co_return shard_set::current()->value() * 10 + 7;
        });
        EXPECT_EQ(value, 17);
    });
}

TEST(InvokeOn, VoidFunctionsComplete) {
    run_on_shards(2, [](shard_set& shards) -> asio::awaitable<void> {
        std::atomic<int> calls = 0;
        co_await invoke_on(shards.at(1u), [&calls] { ++calls; });
        EXPECT_EQ(calls.load(), 1);
    });
}

TEST(InvokeOn, ManyConcurrentCallsAllReturn) {
    run_on_shards(2, [](shard_set& shards) -> asio::awaitable<void> {
        // State owned by shard 1, touched only there: no atomics needed.
        int owned_by_shard_1 = 0;
        int finished = 0;
        async_event all_done(co_await asio::this_coro::executor);
        constexpr int calls = 200;
        for (int i = 0; i < calls; ++i) {
            asio::co_spawn(
                shards.at(0u).executor(),
                [&]() -> asio::awaitable<void> {
                    co_await invoke_on(shards.at(1u), [&] { ++owned_by_shard_1; });
                    if (++finished == calls) {
                        all_done.notify_all();
                    }
                },
                asio::detached);
        }
        while (finished < calls) {
            co_await all_done.wait();
        }
        int total = co_await invoke_on(shards.at(1u), [&] { return owned_by_shard_1; });
        EXPECT_EQ(total, calls);
    });
}

TEST(InvokeOn, ACallToTheCallingShardRunsInPlace) {
    run_on_shards(2, [](shard_set& shards) -> asio::awaitable<void> {
        // Nothing else runs between the call and its function: a post would let the
        // spawned coroutine run first.
        bool other_work_ran = false;
        asio::post(co_await asio::this_coro::executor, [&] { other_work_ran = true; });
        bool ran_before_other_work =
            co_await invoke_on(shards.at(0u), [&other_work_ran] { return !other_work_ran; });
        EXPECT_TRUE(ran_before_other_work);
        int value =
            co_await invoke_on(shards.at(0u), []() -> asio::awaitable<int> { co_return 5; });
        EXPECT_EQ(value, 5);
    });
}

TEST(WhenAll, AwaitsEveryTaskConcurrently) {
    run_on_shards(2, [](shard_set& shards) -> asio::awaitable<void> {
        // Each task waits for the next one to have started: run one after another, the
        // first would never finish.
        int started = 0;
        std::vector<int> finished;
        async_event progress(co_await asio::this_coro::executor);
        constexpr int count = 4;
        auto task = [&](int index) -> asio::awaitable<void> {
            ++started;
            progress.notify_all();
            while (started < count) {
                co_await progress.wait();
            }
            co_await invoke_on(shards.at(1u), [] {});
            finished.push_back(index);
        };
        std::vector<asio::awaitable<void>> tasks;
        for (int index = 0; index < count; ++index) {
            tasks.push_back(task(index));
        }
        co_await when_all(std::move(tasks));
        EXPECT_EQ(finished.size(), static_cast<std::size_t>(count));
        std::vector<asio::awaitable<void>> none;
        co_await when_all(std::move(none));
    });
}

TEST(WhenAll, RethrowsAFailureAfterEveryTaskEnded) {
    run_on_shards(1, [](shard_set&) -> asio::awaitable<void> {
        int ended = 0;
        auto failing = [&]() -> asio::awaitable<void> {
            ++ended;
            throw std::runtime_error("failed");
            co_return;
        };
        auto slow = [&]() -> asio::awaitable<void> {
            co_await sleep_for(std::chrono::milliseconds(2));
            ++ended;
        };
        std::vector<asio::awaitable<void>> tasks;
        tasks.push_back(failing());
        tasks.push_back(slow());
        bool thrown = false;
        try {
            co_await when_all(std::move(tasks));
        } catch (const std::runtime_error&) {
            thrown = true;
        }
        EXPECT_TRUE(thrown);
        EXPECT_EQ(ended, 2);
    });
}

TEST(InvokeOnAll, ReturnsResultsInShardOrder) {
    run_on_shards(3, [](shard_set& shards) -> asio::awaitable<void> {
        auto ids = co_await invoke_on_all(shards, [](shard& each) { return each.id().value(); });
        EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 2}));
        std::atomic<int> visited = 0;
        co_await invoke_on_all(shards, [&visited](shard&) { ++visited; });
        EXPECT_EQ(visited.load(), 3);
    });
}

TEST(AsyncEvent, NotifyWakesEveryWaiter) {
    run_on_shards(1, [](shard_set&) -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        async_event event(executor);
        int woken = 0;
        for (int i = 0; i < 3; ++i) {
            asio::co_spawn(
                executor,
                [&]() -> asio::awaitable<void> {
                    co_await event.wait();
                    ++woken;
                },
                asio::detached);
        }
        co_await sleep_for(std::chrono::milliseconds(5));
        EXPECT_EQ(woken, 0);
        event.notify_all();
        co_await sleep_for(std::chrono::milliseconds(5));
        EXPECT_EQ(woken, 3);
    });
}

TEST(SleepFor, WaitsAtLeastTheDuration) {
    run_on_shards(1, [](shard_set&) -> asio::awaitable<void> {
        auto start = std::chrono::steady_clock::now();
        EXPECT_TRUE(co_await sleep_for(std::chrono::milliseconds(20)));
        EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
    });
}

TEST(DefaultShardCount, IsAtLeastOne) {
    EXPECT_GE(default_shard_count(), 1u);
}

}  // namespace
}  // namespace samsa::runtime
