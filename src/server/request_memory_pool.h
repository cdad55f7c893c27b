#pragma once

// queued.max.request.bytes: one memory budget, shared by every shard's connections, for
// the bytes of requests read and still being served (Kafka's SocketServer memory pool): their
// frames, and what their decoded entries are charged (request_decoding.h).
//
// A connection reserves a frame's size before reading its body and, when the pool cannot
// fit it, stops reading its socket and tries again shortly (backpressure: the kernel's
// buffers fill and the client's writes block). The bytes return when the request's
// handler is done. Responses are not charged here: they wait for their client to read
// them, and a client that does not read must not stop the broker from reading everyone
// else; each connection bounds its own unsent responses (connection.h).
//
// Thread-safe: connections on every shard use one pool.

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace samsa::server {

class request_memory_pool {
public:
    // budget_bytes <= 0: no budget (Kafka's -1); bytes are still counted.
    explicit request_memory_pool(int64_t budget_bytes);
    request_memory_pool(const request_memory_pool&) = delete;
    request_memory_pool& operator=(const request_memory_pool&) = delete;

    // Takes bytes when they fit in the budget. A pool with nothing in use takes any size,
    // so a frame larger than the budget cannot wait forever (the broker's configuration
    // refuses such a budget, but a test may build one).
    bool try_reserve(std::size_t bytes);
    void release(std::size_t bytes);

    bool bounded() const { return budget_bytes_ > 0; }
    int64_t budget_bytes() const { return budget_bytes_; }
    // What try_reserve would take now (negative when a lone frame exceeded the budget).
    int64_t free_bytes() const { return budget_bytes_ - used_bytes(); }
    int64_t used_bytes() const { return used_bytes_.load(std::memory_order_relaxed); }
    // Frames of requests waiting for room to decode (request_decoding.h); part of used.
    void add_waiting(std::size_t bytes) {
        waiting_bytes_.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed);
    }
    void remove_waiting(std::size_t bytes) {
        waiting_bytes_.fetch_sub(static_cast<int64_t>(bytes), std::memory_order_relaxed);
    }
    int64_t waiting_bytes() const { return waiting_bytes_.load(std::memory_order_relaxed); }
    // The most ever in use at once.
    int64_t peak_bytes() const { return peak_bytes_.load(std::memory_order_relaxed); }

private:
    void note_use(int64_t used);

    const int64_t budget_bytes_;
    std::atomic<int64_t> used_bytes_{0};
    std::atomic<int64_t> peak_bytes_{0};
    std::atomic<int64_t> waiting_bytes_{0};
};

}  // namespace samsa::server
