#pragma once

// A shard: one thread running one event loop (an asio::io_context), and the unit of
// ownership in Samsa. The rule the whole broker follows:
//
//   Every partition, connection and piece of mutable state belongs to exactly one shard
//   and is touched only from that shard's thread. Another shard that needs it sends a
//   cross-shard call (cross_shard.h) and awaits the answer; nothing on the data path takes
//   a lock. Immutable snapshots (a metadata image) may be shared by pointer.
//
// The few objects every shard reads and writes (a global connection count) are atomics
// and say so where they are declared.

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "base/strong_id.h"

namespace samsa::runtime {

using shard_id = strong_id<struct shard_id_tag, uint32_t>;

class shard {
public:
    explicit shard(shard_id id);
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;

    shard_id id() const { return id_; }
    asio::io_context& io() { return io_; }
    asio::any_io_executor executor() { return io_.get_executor(); }

    // True on this shard's own thread: the precondition of touching anything it owns.
    bool is_current() const;

private:
    friend class shard_set;
    void run();

    shard_id id_;
    // concurrency hint 1: only this shard's thread runs the loop, so Asio skips locking.
    asio::io_context io_{1};
};

// The shards of the process. Shard 0 runs on the thread that calls run(); the others get
// threads of their own.
class shard_set {
public:
    explicit shard_set(uint32_t count);
    ~shard_set();
    shard_set(const shard_set&) = delete;
    shard_set& operator=(const shard_set&) = delete;

    uint32_t size() const { return static_cast<uint32_t>(shards_.size()); }
    shard& at(shard_id id) { return *shards_.at(id.value()); }
    shard& at(uint32_t index) { return *shards_.at(index); }

    // Runs every shard's loop until stop(); returns on the calling thread (shard 0) once
    // all shard threads have ended.
    void run();
    // Ends every loop, from any thread. Work still queued is dropped: shut down the
    // services first (drain connections, close logs), then stop.
    void stop();

    // The shard whose thread is calling, or nullopt off the shards.
    static std::optional<shard_id> current();

private:
    std::vector<std::unique_ptr<shard>> shards_;
    std::vector<std::thread> threads_;
};

// The number of shards when --smp is not given: one per core the process may run on.
uint32_t default_shard_count();

}  // namespace samsa::runtime
