#pragma once

// What the server layer needs from the broker's configuration (Kafka's names in the
// comments); the broker fills it from broker_config, tests fill it directly.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace samsa::server {

// A socket to listen on (one entry of `listeners`). Only plaintext is served for now;
// TLS and SASL listeners will wrap the same connection type around another stream.
struct listener_spec {
    std::string name;   // the listener name, e.g. PLAINTEXT
    std::string host;   // empty: every interface
    uint16_t port = 0;  // 0: an ephemeral port, chosen at bind time
};

struct connection_limits {
    // socket.request.max.bytes: a frame announcing more is refused and the connection closed.
    int32_t max_request_bytes = 100 * 1024 * 1024;
    // queued.max.requests, applied per connection: requests read but not yet answered.
    int32_t max_in_flight_requests = 500;
    // connections.max.idle.ms: a connection with no traffic and nothing in flight this
    // long is closed.
    std::chrono::milliseconds max_idle{600'000};
};

struct server_options {
    std::vector<listener_spec> listeners;
    connection_limits limits;
    // queued.max.request.bytes: bytes of requests being served, over every connection
    // (request_memory_pool.h); <= 0: no budget.
    int64_t max_queued_request_bytes = -1;
    int32_t max_connections = INT32_MAX;           // max.connections (broker-wide)
    int32_t max_connections_per_ip = INT32_MAX;    // max.connections.per.ip
    int32_t socket_send_buffer_bytes = 102400;     // socket.send.buffer.bytes, -1: OS default
    int32_t socket_receive_buffer_bytes = 102400;  // socket.receive.buffer.bytes
    int32_t listen_backlog = 50;                   // socket.listen.backlog.size
    // How long a graceful shutdown waits for in-flight requests before closing anyway.
    std::chrono::milliseconds shutdown_drain_timeout{10'000};
};

}  // namespace samsa::server
