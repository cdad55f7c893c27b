#pragma once

// Delayed fetches of one shard (Kafka's fetch purgatory): Fetch requests that found fewer
// than min_bytes wait here until a partition they read grows or max_wait_ms passes.
//
// Wake-ups come from the shards owning the partitions: a waiting fetch registers a one-shot
// callback on each partition it read (cluster::partition::on_next_append) which posts
// wake() to this shard. Every delayed fetch of the shard then re-reads its partitions: a
// wake-up says "something grew", and the fetch re-checks, as with a condition variable.
// The generation counter closes the gap between a read and the wait: a fetch notes it
// before reading and does not wait if it moved meanwhile.
//
// Bounded: at most max_waiting fetches wait at once; beyond that a fetch answers with what
// it has, as if its wait had expired. Owned by one shard and used only on its thread.

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <unordered_set>

namespace samsa::server {

class fetch_purgatory {
public:
    fetch_purgatory(const asio::any_io_executor& executor, std::size_t max_waiting)
        : executor_(executor), max_waiting_(max_waiting) {}

    uint64_t generation() const { return generation_; }

    // Some partition a delayed fetch of this shard reads has grown (or closed).
    void wake() {
        ++generation_;
        for (asio::steady_timer* timer : waiting_) {
            timer->cancel();
        }
    }

    // Shutdown: every delayed fetch answers now with what it has, and none waits again
    // (Kafka does not hold a stopping broker for its long polls either).
    void release_all() {
        released_ = true;
        wake();
    }

    bool has_room() const { return !released_ && waiting_.size() < max_waiting_; }
    std::size_t waiting() const { return waiting_.size(); }

    // Waits until wake() or the deadline, whichever comes first. Call only when has_room().
    asio::awaitable<void> wait_until(std::chrono::steady_clock::time_point deadline) {
        // One timer per waiter, expiring at its deadline; wake() cancels them all.
        asio::steady_timer timer(executor_, deadline);
        waiting_.insert(&timer);
        co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        waiting_.erase(&timer);
    }

private:
    asio::any_io_executor executor_;
    std::size_t max_waiting_;
    std::unordered_set<asio::steady_timer*> waiting_;
    uint64_t generation_ = 0;
    bool released_ = false;
};

}  // namespace samsa::server
