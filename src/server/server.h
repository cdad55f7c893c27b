#pragma once

// The Kafka protocol server: listeners, connections and request dispatch across shards.
//
// Acceptors run on shard 0. Each accepted socket is handed, round robin, to a shard that
// then owns the connection for its whole life (shard.h: the ownership rule); requests are
// handled on that shard with its shard_services. Per shard, a registry of its open
// connections lets shutdown drain them.
//
// Life cycle, all driven from shard 0:
//   bind()      before the shards run: opens every listener and learns ephemeral ports;
//   start()     accepting begins;
//   shutdown()  stops accepting, drains every connection on every shard (requests read
//               are answered), closes what is left after the drain timeout.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "runtime/shard.h"
#include "server/connection.h"
#include "server/connection_quota.h"
#include "server/request_memory_pool.h"
#include "server/server_options.h"
#include "server/shard_services.h"

namespace samsa::server {

struct bound_listener {
    std::string name;
    std::string host;   // as configured; empty means every interface
    uint16_t port = 0;  // the port actually bound
};

class server {
public:
    // services holds one entry per shard, in shard order, each used only on its shard.
    server(runtime::shard_set& shards, server_options options,
           std::vector<shard_services*> services);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Opens the listeners; an error names the listener and the reason.
    result<std::vector<bound_listener>, std::string> bind();
    // Starts the accept loops (on shard 0).
    void start();
    // Graceful stop; run on shard 0.
    asio::awaitable<void> shutdown();

private:
    // A shard's open connections, touched only on that shard.
    struct shard_connections {
        std::unordered_map<uint64_t, std::weak_ptr<connection>> open;
        bool draining = false;
    };
    struct listener {
        std::string name;
        std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
    };

    asio::awaitable<void> accept_loop(listener& source);
    // On owner's thread: wraps the socket in a connection owned by that shard.
    void adopt(runtime::shard& owner, asio::ip::tcp::socket socket, uint64_t id,
               const std::string& listener_name, const std::string& address, std::string peer);
    asio::awaitable<void> drain_shard(runtime::shard& owner,
                                      std::chrono::steady_clock::time_point deadline);
    void configure_socket(asio::ip::tcp::socket& socket) const;

    runtime::shard_set& shards_;
    server_options options_;
    std::vector<shard_services*> services_;
    std::vector<shard_connections> connections_;  // index: shard
    std::vector<listener> listeners_;
    connection_quota quota_;      // shard 0
    request_memory_pool memory_;  // every shard
    uint32_t next_shard_ = 0;
    uint64_t next_connection_id_ = 0;  // shard 0
    bool stopping_ = false;
};

}  // namespace samsa::server
