#pragma once

// One client connection, on the shard that owns it (it never moves). Three coroutines
// share it:
//
//   reader   reads a frame (4-byte size, then that many bytes, never more than
//            socket.request.max.bytes), parses the header, queues a pending slot, starts
//            the handler and waits until it has decoded the body (request_decoding.h:
//            bodies are decoded one at a time, in order). Backpressure (the socket is simply not
//            read): it waits while queued.max.requests slots, or socket.request.max.bytes of
//            requests being served and unsent responses, are held by the connection; and before
//            reading a frame's body until the broker-wide request_memory_pool
//            (queued.max.request.bytes) can hold it until its handler is done.
//   handlers run concurrently, each filling its slot when done.
//   writer   sends finished slots strictly in request order (Kafka's guarantee), batching
//            consecutive finished responses into one gathered write. A response with file
//            regions (Fetch records, zero copy) splits that write: the bytes before a
//            region go in a gathered write, the region with sendfile(2), and so on.
//   idle     closes the connection after connections.max.idle.ms without traffic and
//            with no request still being served (answered requests whose responses the
//            client does not read count as idle: such a client cannot hold memory forever).
//
// A malformed frame, an API or version that is not served, or a failed write closes the
// connection at once (Kafka's behaviour), and so does a file region that ends early (a
// truncated segment: the frame could not have its announced size); end of input stops reading but
// still answers what was read (a half-closed client gets its responses). drain() does the same for
// a graceful shutdown.

#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/shared_bytes.h"
#include "runtime/async_event.h"
#include "server/handler.h"
#include "server/request_frame.h"
#include "server/request_memory_pool.h"
#include "server/server_options.h"
#include "server/shard_services.h"
#include "storage/partition_log.h"

namespace samsa::server {

// A response as it goes on the wire: bytes (4-byte size, response header, body) with file
// regions inserted, positions counted in bytes and ascending. The size prefix counts the
// regions' bytes.
struct response_frame {
    std::vector<uint8_t> bytes;
    std::vector<spliced_region> regions;
};

class connection : public std::enable_shared_from_this<connection> {
public:
    // on_closed runs once, on this shard, when the connection has closed.
    connection(asio::ip::tcp::socket socket, connection_info info, const connection_limits& limits,
               request_memory_pool& memory, shard_services& services,
               std::function<void()> on_closed);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start();
    // Stops reading; closes once every request already read has been answered.
    void drain();
    // Closes now: handlers in flight still finish, their responses are dropped.
    void close(std::string_view reason);

    bool is_closed() const { return closed_; }
    const connection_info& info() const { return info_; }

private:
    // A request read and not yet answered, in request order.
    struct pending_request {
        // The request's frame, held in the pool and by the connection until the handler
        // is done; then the response frame's bytes (not its file regions), held by the
        // connection until sent.
        std::size_t request_bytes = 0;
        std::size_t response_bytes = 0;
        // Its body is decoded (or refused): the reader may read the next frame.
        bool decoded = false;
        bool done = false;
        std::optional<response_frame> response;   // nullopt: nothing to send
        std::optional<std::string> close_reason;  // set: close instead of answering
    };

    asio::awaitable<void> read_loop();
    asio::awaitable<void> write_loop();
    // Each helper returns false when the connection was closed (a write failed).
    asio::awaitable<bool> send_responses(std::span<const std::shared_ptr<pending_request>> batch,
                                         std::vector<asio::const_buffer>& buffers);
    // Writes and clears buffers.
    asio::awaitable<bool> write_buffers(std::vector<asio::const_buffer>& buffers);
    asio::awaitable<bool> send_region(const storage::file_region& region);
    asio::awaitable<void> idle_loop();
    asio::awaitable<void> serve(std::shared_ptr<pending_request> slot, request_frame request);
    // The next frame, or nullopt when the connection should stop reading (end of input,
    // an error, cancellation, or a size out of bounds, which also closes).
    asio::awaitable<std::optional<shared_bytes>> read_frame();
    bool has_room_for_another_request() const;
    // Waits until the pool holds a request's bytes for this connection; false when reading
    // stopped.
    asio::awaitable<bool> reserve_request(std::size_t bytes);
    void release_request(std::size_t bytes);
    bool serving_requests() const;
    void touch() { last_activity_ = std::chrono::steady_clock::now(); }

    asio::ip::tcp::socket socket_;
    connection_info info_;
    connection_limits limits_;
    shard_services& services_;
    std::function<void()> on_closed_;

    request_memory_pool& memory_;
    std::deque<std::shared_ptr<pending_request>> in_flight_;
    // Bytes of requests being served and of unsent responses: at most
    // socket.request.max.bytes before the reader waits.
    std::size_t held_bytes_ = 0;
    // The requests' part of it, reserved in memory_.
    std::size_t pooled_bytes_ = 0;
    // Signalled whenever in-flight state changes: a slot finished, slots were freed, the
    // connection is draining or closed. Reader and writer re-check their conditions.
    runtime::async_event changed_;
    asio::cancellation_signal cancel_read_;
    asio::steady_timer idle_timer_;
    std::chrono::steady_clock::time_point last_activity_;
    bool reading_stopped_ = false;
    // Why the connection closes once everything read has been answered.
    std::string drained_reason_ = "drained";
    bool closed_ = false;
};

// Builds a response frame: 4-byte size, response header (correlation id, and an empty
// tagged-field section in header v1), then the body.
std::vector<uint8_t> make_response_frame(int32_t correlation_id, int16_t header_version,
                                         std::span<const uint8_t> body);
// The same for a body with file regions: the size counts the regions' bytes, and their
// positions move past the size and header. nullopt when the frame would be larger than a
// size prefix can say.
std::optional<response_frame> make_response_frame(int32_t correlation_id, int16_t header_version,
                                                  response_body body);

}  // namespace samsa::server
