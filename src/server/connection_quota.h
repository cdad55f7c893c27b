#pragma once

// max.connections and max.connections.per.ip, counted where connections are accepted.
//
// Owned by shard 0, which runs every acceptor: acquire() and the waits happen there, and
// a connection closing on another shard posts its release() to shard 0, so the counts
// need no lock. Kafka's behaviour: at the broker-wide limit the acceptor stops accepting
// (new connections wait in the listen backlog) until a slot frees; over the per-IP limit
// the new connection is closed.

#include <asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "runtime/async_event.h"

namespace samsa::server {

class connection_quota {
public:
    connection_quota(asio::any_io_executor executor, int32_t max_connections,
                     int32_t max_connections_per_ip);

    // Returns once the broker-wide count is below max.connections, or stop() was called.
    asio::awaitable<void> wait_for_slot();
    // Ends every wait_for_slot (shutdown).
    void stop();
    // Counts a new connection from address; false (nothing counted) when the address is
    // at max.connections.per.ip.
    bool try_acquire(const std::string& address);
    void release(const std::string& address);

    int32_t total() const { return total_; }

private:
    int32_t max_connections_;
    int32_t max_connections_per_ip_;
    int32_t total_ = 0;
    bool stopped_ = false;
    std::unordered_map<std::string, int32_t> per_address_;
    runtime::async_event released_;
};

}  // namespace samsa::server
