#pragma once

// Decoding a request body within the broker's request memory (queued.max.request.bytes).
//
// The pool holds a request's frame from the moment its body is read (connection.cc). Decoded
// and answered, a request costs more than its wire bytes when it names many small entries:
// each topic or partition becomes a struct with strings and vectors, then a row of the
// answer (measured 300 to 800 bytes per entry for Metadata, ListOffsets, Produce and Fetch,
// against 6 to 33 wire bytes). So every array element a body holds is charged
// decoded_entry_bytes to the pool as well, until the handler is done:
//
//   - the decoder stops as soon as the entries would pass what the pool has free, so a
//     request never allocates more than its charge;
//   - a request that does not fit now waits, and is decoded again once the pool has room
//     (the same backpressure as a frame waiting to be read);
//   - a request whose entries would not fit even the whole budget (less the frames of the
//     requests waiting with it, see decoded_entries_charge) can never be served: the
//     connection is closed, as for a frame over socket.request.max.bytes.
//
// Kafka's pool counts wire bytes only; this charge is Samsa's (docs/robustness.md).

#include <asio/awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "protocol/wire_reader.h"
#include "runtime/sleep.h"
#include "server/request_memory_pool.h"

namespace samsa::server {

// What one decoded array element is charged: above the costs measured per entry.
inline constexpr std::size_t decoded_entry_bytes = 1024;

// One request's decoded entries in the pool, returned when it is destroyed (the connection
// destroys it when the request's handler is done).
//
// A request that does not fit waits holding its frame, so waiting requests could hold the
// room each other needs. The pool counts the frames of waiting requests, and a request
// whose entries exceed the budget less those frames is refused: once the requests being
// served are done, every waiting request either fits or is refused, so none waits forever.
//
// A connection decodes its requests one at a time, in order (it reads the next frame once
// on_decoded ran): so requests start their handlers in request order (Produce appends in
// that order, request_turns.h), and a connection has at most one request waiting.
class decoded_entries_charge {
public:
    // on_decoded runs once, when the body is decoded or refused; connection_closed (may be
    // nullptr) stops a request that waits for room once its connection is gone.
    decoded_entries_charge(request_memory_pool& pool, std::size_t frame_bytes,
                           std::function<void()> on_decoded = {},
                           const bool* connection_closed = nullptr)
        : pool_(pool),
          frame_bytes_(frame_bytes),
          on_decoded_(std::move(on_decoded)),
          connection_closed_(connection_closed) {}
    decoded_entries_charge(const decoded_entries_charge&) = delete;
    decoded_entries_charge& operator=(const decoded_entries_charge&) = delete;
    ~decoded_entries_charge();

    bool bounded() const { return pool_.bounded(); }
    // The entries the pool could take now.
    uint64_t entries_free_now() const;
    // The most entries this request may ever be charged: the budget less the frames of
    // every waiting request, this one's included.
    uint64_t entries_at_most() const;
    // Takes the entries' bytes when they fit now.
    bool try_charge(uint64_t entries);
    // Marks the request as waiting for room, or no longer waiting.
    void start_waiting();
    void stop_waiting();
    // The decode is over, whatever its outcome: stops waiting and runs on_decoded once.
    void finish_decoding();
    bool connection_closed() const { return connection_closed_ != nullptr && *connection_closed_; }
    std::size_t charged_bytes() const { return charged_bytes_; }

private:
    request_memory_pool& pool_;
    std::size_t frame_bytes_;
    std::function<void()> on_decoded_;
    const bool* connection_closed_;
    std::size_t charged_bytes_ = 0;
    bool waiting_ = false;
};

inline constexpr std::chrono::milliseconds first_decode_retry{1};
inline constexpr std::chrono::milliseconds last_decode_retry{50};

// Reads request from body at version, charging its entries to charge (nullptr or an
// unbounded pool: no charge). Returns decode_error::none, the body's error, or
// too_many_entries when the request can never fit the budget.
template <typename Request>
asio::awaitable<protocol::decode_error> decode_request(decoded_entries_charge* charge,
                                                       protocol::wire_reader& body, int16_t version,
                                                       Request& request) {
    if (charge == nullptr) {
        request.read(body, version);
        co_return body.error();
    }
    if (!charge->bounded()) {
        request.read(body, version);
        charge->finish_decoding();
        co_return body.error();
    }
    const protocol::wire_reader start = body;
    std::chrono::milliseconds retry_after = first_decode_retry;
    while (true) {
        protocol::entry_count entries{.limit = charge->entries_free_now()};
        body.count_entries(&entries);
        request.read(body, version);
        body.count_entries(nullptr);
        if (body.ok() && charge->try_charge(entries.read)) {
            charge->finish_decoding();
            co_return protocol::decode_error::none;
        }
        if (!body.ok() && body.error() != protocol::decode_error::too_many_entries) {
            charge->finish_decoding();
            co_return body.error();
        }
        // Too many entries for the room there is, or another shard took the room between
        // the decode and the charge: wait for room.
        charge->start_waiting();
        if ((!body.ok() && entries.limit >= charge->entries_at_most()) ||
            charge->connection_closed()) {
            charge->finish_decoding();
            co_return protocol::decode_error::too_many_entries;
        }
        request = Request{};
        body = start;
        co_await runtime::sleep_for(retry_after);
        retry_after = std::min(retry_after * 2, last_decode_retry);
    }
}

}  // namespace samsa::server
