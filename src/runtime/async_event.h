#pragma once

// A condition for coroutines on one shard: waiters suspend in wait() until notify_all().
// Like a condition variable, a wake-up says "something changed", so waiters re-check
// their predicate in a loop:
//
//   while (queue_.full()) co_await space_freed_.wait();
//
// Owned by one shard and used only on its thread. Built on a timer that never expires
// by itself: notify_all() cancels it, which completes every pending wait.

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

namespace samsa::runtime {

class async_event {
public:
    explicit async_event(const asio::any_io_executor& executor)
        : timer_(executor, asio::steady_timer::time_point::max()) {}

    asio::awaitable<void> wait() {
        co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }

    void notify_all() {
        timer_.cancel();
        timer_.expires_at(asio::steady_timer::time_point::max());
    }

private:
    asio::steady_timer timer_;
};

}  // namespace samsa::runtime
