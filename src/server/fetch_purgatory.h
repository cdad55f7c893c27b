#pragma once

// Delayed fetches of one shard (Kafka's fetch purgatory): Fetch requests that found fewer
// than min_bytes wait here until a partition they read grows or max_wait_ms passes.
//
// Wake-ups come from the shards owning the partitions: a waiting fetch registers a one-shot
// callback on each partition it read (cluster::partition::on_next_append) which posts
// wake(partition) to this shard; only the fetches waiting for that partition wake, and
// they read again (a wake-up says "it grew", as with a condition variable). The generation
// counter closes the gap between a read and the wait: a fetch notes it before reading and
// does not wait if it moved meanwhile. wake_all() serves events that concern every waiter
// of the shard (a connection closing, shutdown).
//
// Bounded: at most max_waiting fetches wait at once; beyond that a fetch answers with what
// it has, as if its wait had expired. Owned by one shard and used only on its thread.

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "storage/topic_partition.h"

namespace samsa::server {

class fetch_purgatory {
public:
    fetch_purgatory(const asio::any_io_executor& executor, std::size_t max_waiting)
        : executor_(executor), max_waiting_(max_waiting) {}

    uint64_t generation() const { return generation_; }

    // The partition grew (or closed): the fetches waiting for it read again.
    void wake(const storage::topic_partition& partition) {
        ++generation_;
        auto found = by_partition_.find(partition);
        if (found == by_partition_.end()) {
            return;
        }
        for (asio::steady_timer* timer : found->second) {
            timer->cancel();
        }
    }

    void wake_all() {
        ++generation_;
        for (asio::steady_timer* timer : waiting_) {
            timer->cancel();
        }
    }

    // Shutdown: every delayed fetch answers now with what it has, and none waits again
    // (Kafka does not hold a stopping broker for its long polls either).
    void release_all() {
        released_ = true;
        wake_all();
    }

    bool has_room() const { return !released_ && waiting_.size() < max_waiting_; }
    std::size_t waiting() const { return waiting_.size(); }

    // Waits until one of the partitions is woken, wake_all(), or the deadline. Call only
    // when has_room().
    asio::awaitable<void> wait_until(const std::vector<storage::topic_partition>& partitions,
                                     std::chrono::steady_clock::time_point deadline) {
        // One timer per waiter, expiring at its deadline; a wake-up cancels it.
        asio::steady_timer timer(executor_, deadline);
        // Registered and unregistered by one object, so no path leaves a dead timer behind.
        registration registered(*this, partitions, &timer);
        co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }

private:
    class registration {
    public:
        registration(fetch_purgatory& purgatory,
                     const std::vector<storage::topic_partition>& partitions,
                     asio::steady_timer* timer)
            : purgatory_(purgatory), partitions_(partitions), timer_(timer) {
            purgatory_.waiting_.insert(timer_);
            for (const auto& partition : partitions_) {
                purgatory_.by_partition_[partition].insert(timer_);
            }
        }
        ~registration() {
            purgatory_.waiting_.erase(timer_);
            for (const auto& partition : partitions_) {
                auto found = purgatory_.by_partition_.find(partition);
                if (found != purgatory_.by_partition_.end()) {
                    found->second.erase(timer_);
                    if (found->second.empty()) {
                        purgatory_.by_partition_.erase(found);
                    }
                }
            }
        }
        registration(const registration&) = delete;
        registration& operator=(const registration&) = delete;

    private:
        fetch_purgatory& purgatory_;
        const std::vector<storage::topic_partition>& partitions_;
        asio::steady_timer* timer_;
    };

    asio::any_io_executor executor_;
    std::size_t max_waiting_;
    std::set<asio::steady_timer*> waiting_;
    std::map<storage::topic_partition, std::set<asio::steady_timer*>> by_partition_;
    uint64_t generation_ = 0;
    bool released_ = false;
};

}  // namespace samsa::server
