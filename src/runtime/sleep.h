#pragma once

// Timers for coroutines on a shard.

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>

namespace samsa::runtime {

// Suspends the calling coroutine for duration on its own executor. Returns early (false)
// only if the timer is cancelled, which cannot happen to this private timer, so callers
// may ignore the value.
inline asio::awaitable<bool> sleep_for(std::chrono::steady_clock::duration duration) {
    asio::steady_timer timer(co_await asio::this_coro::executor, duration);
    auto [error] = co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    co_return !error;
}

}  // namespace samsa::runtime
