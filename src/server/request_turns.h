#pragma once

// Turns in request order for one connection. Kafka handles one request per connection at
// a time, so a producer's batches for a partition are appended in the order it sent them
// (with idempotence, any other order is an OUT_OF_ORDER_SEQUENCE error). Samsa runs a
// connection's requests concurrently; Produce takes a turn when it starts (handlers start
// in request order) and holds it only while appending, not while waiting for durability.
//
// Owned by the connection, used only on its shard.

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdint>
#include <map>

namespace samsa::server {

class request_turns {
public:
    // Taken synchronously at the start of the handler, so tickets follow request order.
    uint64_t take() { return issued_++; }

    // Returns once every earlier ticket has finished.
    asio::awaitable<void> wait(uint64_t ticket) {
        if (ticket == next_) {
            co_return;
        }
        asio::steady_timer timer(co_await asio::this_coro::executor,
                                 asio::steady_timer::time_point::max());
        waiting_[ticket] = &timer;
        // Erased however the wait ends, so finish() never touches a dead timer.
        unregister guard{waiting_, ticket};
        while (ticket != next_) {
            co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        }
    }

    // Ends the turn of the ticket that holds it and lets the next one go.
    void finish(uint64_t ticket) {
        if (ticket != next_) {
            return;
        }
        ++next_;
        if (auto found = waiting_.find(next_); found != waiting_.end()) {
            found->second->cancel();
        }
    }

private:
    // A class member rather than a local class of wait(): g++ 12 cannot mangle a local class
    // of a coroutine in a precompiled header (internal compiler error).
    struct unregister {
        std::map<uint64_t, asio::steady_timer*>& waiting;
        uint64_t ticket;
        ~unregister() { waiting.erase(ticket); }
    };

    uint64_t issued_ = 0;
    uint64_t next_ = 0;
    std::map<uint64_t, asio::steady_timer*> waiting_;
};

}  // namespace samsa::server
