#include "server/connection.h"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <sys/sendfile.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <limits>

#include "base/assert.h"
#include "base/endian.h"
#include "base/log.h"
#include "protocol/header_versions.h"
#include "server/fetch_purgatory.h"
#include "server/handler_registry.h"

namespace samsa::server {
namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
// A frame up to this size is read into one buffer of its announced size, allocated
// without zero-filling: the pages of an untouched buffer are not resident, so memory still
// follows the bytes that actually arrived. A larger frame starts here and doubles as its
// bytes arrive, so a client cannot make the broker reserve more than it sends.
constexpr std::size_t first_frame_buffer_bytes = 8 * 1024 * 1024;
// Consecutive finished responses sent in one gathered write, at most.
constexpr std::size_t max_responses_per_write = 64;
// How often a connection waiting for the memory pool tries again: from the first to the
// last, doubling (the pool has no wake-up across shards; Kafka also polls muted channels).
constexpr std::chrono::milliseconds first_memory_retry{1};
constexpr std::chrono::milliseconds last_memory_retry{50};

// Runs one of a connection's coroutines on its shard. An exception escaping it (an
// allocation failure) closes this connection instead of ending the shard's event loop.
void spawn_on(const std::shared_ptr<connection>& owner, asio::any_io_executor executor,
              asio::awaitable<void> work) {
    asio::co_spawn(executor, std::move(work), [owner](std::exception_ptr failure) {
        if (!failure) {
            return;
        }
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& error) {
            log::error("connection {}: {}", owner->info().id, error.what());
        } catch (...) {
            log::error("connection {}: unknown exception", owner->info().id);
        }
        owner->close("internal error");
    });
}

std::size_t response_header_bytes(int16_t header_version) {
    return header_version >= 1 ? 5 : 4;
}

// Size prefix and header, then body. frame_size counts what follows the prefix, including
// file regions the bytes do not hold.
std::vector<uint8_t> frame_bytes(int32_t correlation_id, int16_t header_version,
                                 std::span<const uint8_t> body, int32_t frame_size) {
    std::size_t header_bytes = response_header_bytes(header_version);
    std::vector<uint8_t> frame(4 + header_bytes + body.size());
    store_big_endian<int32_t>(frame.data(), frame_size);
    store_big_endian<int32_t>(frame.data() + 4, correlation_id);
    if (header_version >= 1) {
        frame[8] = 0;  // no tagged fields
    }
    std::copy(body.begin(), body.end(),
              frame.begin() + 4 + static_cast<std::ptrdiff_t>(header_bytes));
    return frame;
}

}  // namespace

std::vector<uint8_t> make_response_frame(int32_t correlation_id, int16_t header_version,
                                         std::span<const uint8_t> body) {
    auto frame_size = static_cast<int32_t>(response_header_bytes(header_version) + body.size());
    return frame_bytes(correlation_id, header_version, body, frame_size);
}

std::optional<response_frame> make_response_frame(int32_t correlation_id, int16_t header_version,
                                                  response_body body) {
    std::size_t header_bytes = response_header_bytes(header_version);
    uint64_t frame_size = header_bytes + body.bytes.size();
    std::size_t previous_position = 0;
    for (const spliced_region& spliced : body.regions) {
        SAMSA_ASSERT(previous_position <= spliced.position && spliced.position <= body.bytes.size(),
                     "region at %zu after %zu in a body of %zu bytes", spliced.position,
                     previous_position, body.bytes.size());
        previous_position = spliced.position;
        frame_size += spliced.region.size_bytes;
    }
    if (frame_size > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        return std::nullopt;
    }
    response_frame frame{.bytes = frame_bytes(correlation_id, header_version, body.bytes,
                                              static_cast<int32_t>(frame_size)),
                         .regions = std::move(body.regions)};
    for (spliced_region& spliced : frame.regions) {
        spliced.position += 4 + header_bytes;
    }
    return frame;
}

connection::connection(asio::ip::tcp::socket socket, connection_info info,
                       const connection_limits& limits, request_memory_pool& memory,
                       shard_services& services, std::function<void()> on_closed)
    : socket_(std::move(socket)),
      info_(std::move(info)),
      limits_(limits),
      services_(services),
      on_closed_(std::move(on_closed)),
      memory_(memory),
      changed_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()) {
    touch();
}

connection::~connection() {
    if (pooled_bytes_ > 0) {
        memory_.release(pooled_bytes_);
    }
}

void connection::start() {
    auto self = shared_from_this();
    auto executor = socket_.get_executor();
    spawn_on(self, executor, read_loop());
    spawn_on(self, executor, write_loop());
    spawn_on(self, executor, idle_loop());
}

void connection::drain() {
    if (reading_stopped_ || closed_) {
        return;
    }
    reading_stopped_ = true;
    cancel_read_.emit(asio::cancellation_type::terminal);
    changed_.notify_all();
}

void connection::close(std::string_view reason) {
    if (closed_) {
        return;
    }
    closed_ = true;
    info_.closed = true;
    reading_stopped_ = true;
    log::debug("connection {} from {} closed: {}", info_.id, info_.peer, reason);
    if (services_.fetches != nullptr) {
        // Its delayed fetches, if any, stop waiting (they check info_.closed).
        services_.fetches->wake_all();
    }
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    idle_timer_.cancel();
    changed_.notify_all();
    if (on_closed_) {
        auto callback = std::move(on_closed_);
        on_closed_ = nullptr;
        callback();
    }
}

bool connection::has_room_for_another_request() const {
    return in_flight_.size() < static_cast<std::size_t>(limits_.max_in_flight_requests) &&
           held_bytes_ < static_cast<std::size_t>(limits_.max_request_bytes);
}

asio::awaitable<bool> connection::reserve_request(std::size_t bytes) {
    std::chrono::milliseconds retry_after = first_memory_retry;
    while (!memory_.try_reserve(bytes)) {
        if (reading_stopped_) {
            co_return false;
        }
        asio::steady_timer retry(socket_.get_executor(), retry_after);
        co_await retry.async_wait(asio::bind_cancellation_slot(cancel_read_.slot(), use_tuple));
        if (reading_stopped_) {
            co_return false;
        }
        retry_after = std::min(retry_after * 2, last_memory_retry);
    }
    pooled_bytes_ += bytes;
    held_bytes_ += bytes;
    co_return true;
}

void connection::release_request(std::size_t bytes) {
    SAMSA_ASSERT(bytes <= pooled_bytes_, "releasing %zu of %zu pooled bytes", bytes, pooled_bytes_);
    memory_.release(bytes);
    pooled_bytes_ -= bytes;
    held_bytes_ -= bytes;
}

bool connection::serving_requests() const {
    return std::any_of(in_flight_.begin(), in_flight_.end(),
                       [](const auto& slot) { return !slot->done; });
}

asio::awaitable<std::optional<shared_bytes>> connection::read_frame() {
    uint8_t size_prefix[4];
    auto [error, ignored] =
        co_await asio::async_read(socket_, asio::buffer(size_prefix),
                                  asio::bind_cancellation_slot(cancel_read_.slot(), use_tuple));
    if (error) {
        co_return std::nullopt;
    }
    touch();
    int32_t size = load_big_endian<int32_t>(size_prefix);
    if (size < 0 || size > limits_.max_request_bytes) {
        // Kafka: InvalidReceiveException, the connection is closed.
        close(fmt::format("frame size {} outside 0..{} (socket.request.max.bytes)", size,
                          limits_.max_request_bytes));
        co_return std::nullopt;
    }
    auto expected = static_cast<std::size_t>(size);
    if (!co_await reserve_request(expected)) {
        co_return std::nullopt;
    }
    shared_bytes frame = shared_bytes::uninitialized(std::min(expected, first_frame_buffer_bytes));
    std::size_t received = 0;
    while (received < expected) {
        if (received == frame.size()) {
            shared_bytes larger = shared_bytes::uninitialized(std::min(expected, frame.size() * 2));
            std::memcpy(larger.mutable_span().data(), frame.data(), received);
            frame = std::move(larger);
        }
        std::span<uint8_t> rest = frame.mutable_span().subspan(received);
        auto [read_error, count] =
            co_await asio::async_read(socket_, asio::buffer(rest.data(), rest.size()),
                                      asio::bind_cancellation_slot(cancel_read_.slot(), use_tuple));
        if (read_error) {
            release_request(expected);
            co_return std::nullopt;
        }
        received += count;
        touch();
    }
    co_return frame;
}

asio::awaitable<void> connection::read_loop() {
    auto self = shared_from_this();
    while (!reading_stopped_) {
        while (!has_room_for_another_request() && !reading_stopped_) {
            co_await changed_.wait();
        }
        if (reading_stopped_) {
            break;
        }
        std::optional<shared_bytes> frame = co_await read_frame();
        if (!frame) {
            drained_reason_ = reading_stopped_ ? "drained" : "closed by the client";
            break;
        }
        std::size_t frame_bytes = frame->size();
        auto parsed = parse_request_frame(std::move(*frame));
        if (!parsed) {
            release_request(frame_bytes);
            close(to_string(parsed.error()));
            break;
        }
        request_frame& request = parsed.value();
        if (!services_.handlers->accepts(request.api->key, request.api_version)) {
            release_request(frame_bytes);
            close(fmt::format("{} (key {}) version {} is not served", request.api->name,
                              request.api->key, request.api_version));
            break;
        }
        auto slot = std::make_shared<pending_request>();
        slot->request_bytes = frame_bytes;
        in_flight_.push_back(slot);
        spawn_on(self, socket_.get_executor(), serve(slot, std::move(request)));
        // One request decodes at a time, in order (request_decoding.h).
        while (!slot->decoded && !slot->done && !reading_stopped_) {
            co_await changed_.wait();
        }
    }
    // End of input or drain: stop reading, answer what was read, then close.
    reading_stopped_ = true;
    changed_.notify_all();
}

asio::awaitable<void> connection::serve(std::shared_ptr<pending_request> slot,
                                        request_frame request) {
    auto self = shared_from_this();
    const api_handler* handler = services_.handlers->find(request.api->key);
    request_context context{.services = services_,
                            .connection = info_,
                            .api = *request.api,
                            .api_version = request.api_version,
                            .correlation_id = request.correlation_id,
                            .client_id = std::move(request.client_id)};
    // Held in the pool with the frame, until the handler is done.
    std::optional<decoded_entries_charge> decoded_entries;
    pending_request* decoding = slot.get();
    decoded_entries.emplace(
        memory_, slot->request_bytes,
        [this, decoding] {
            decoding->decoded = true;
            changed_.notify_all();
        },
        &info_.closed);
    context.decoded_entries = &*decoded_entries;
    handler_result result = co_await handler->handle(context, request.body);
    decoded_entries.reset();
    release_request(slot->request_bytes);
    if (auto* body = std::get_if<response_body>(&result)) {
        int16_t header_version =
            protocol::response_header_version(*request.api, request.api_version);
        slot->response =
            make_response_frame(request.correlation_id, header_version, std::move(*body));
        if (!slot->response) {
            log::error("connection {}: {} v{} response larger than a frame can be", info_.id,
                       request.api->name, request.api_version);
            slot->close_reason = "response too large";
        } else {
            slot->response_bytes = slot->response->bytes.size();
            held_bytes_ += slot->response_bytes;
        }
    } else if (auto* closing = std::get_if<close_connection>(&result)) {
        slot->close_reason = std::move(closing->reason);
    }
    slot->done = true;
    changed_.notify_all();
}

asio::awaitable<void> connection::write_loop() {
    auto self = shared_from_this();
    std::vector<std::shared_ptr<pending_request>> batch;
    std::vector<asio::const_buffer> buffers;
    while (!closed_) {
        if (in_flight_.empty() || !in_flight_.front()->done) {
            if (reading_stopped_ && in_flight_.empty()) {
                close(drained_reason_);
                break;
            }
            co_await changed_.wait();
            continue;
        }
        batch.clear();
        std::optional<std::string> close_reason;
        while (!in_flight_.empty() && in_flight_.front()->done &&
               batch.size() < max_responses_per_write) {
            batch.push_back(std::move(in_flight_.front()));
            in_flight_.pop_front();
            if (batch.back()->close_reason) {
                close_reason = batch.back()->close_reason;
                break;
            }
        }
        std::span<const std::shared_ptr<pending_request>> finished(batch);
        if (!co_await send_responses(finished, buffers)) {
            break;
        }
        for (const auto& sent : batch) {
            held_bytes_ -= sent->response_bytes;
        }
        changed_.notify_all();
        if (close_reason) {
            close(*close_reason);
            break;
        }
    }
}

asio::awaitable<bool> connection::send_responses(
    std::span<const std::shared_ptr<pending_request>> batch,
    std::vector<asio::const_buffer>& buffers) {
    buffers.clear();
    for (const auto& slot : batch) {
        if (!slot->response) {
            continue;
        }
        const response_frame& frame = *slot->response;
        std::size_t queued_up_to = 0;
        for (const spliced_region& spliced : frame.regions) {
            if (spliced.position > queued_up_to) {
                buffers.push_back(asio::buffer(frame.bytes.data() + queued_up_to,
                                               spliced.position - queued_up_to));
                queued_up_to = spliced.position;
            }
            if (!co_await write_buffers(buffers)) {
                co_return false;
            }
            if (!co_await send_region(spliced.region)) {
                co_return false;
            }
        }
        if (queued_up_to < frame.bytes.size()) {
            buffers.push_back(
                asio::buffer(frame.bytes.data() + queued_up_to, frame.bytes.size() - queued_up_to));
        }
    }
    co_return co_await write_buffers(buffers);
}

asio::awaitable<bool> connection::write_buffers(std::vector<asio::const_buffer>& buffers) {
    if (buffers.empty()) {
        co_return !closed_;
    }
    auto [error, written] = co_await asio::async_write(socket_, buffers, use_tuple);
    buffers.clear();
    if (error) {
        close(fmt::format("write failed: {}", error.message()));
        co_return false;
    }
    touch();
    co_return true;
}

// sendfile(2) from the region's file straight to the socket, in as many calls as the
// socket's send buffer needs: on EAGAIN wait until the socket is writable again.
asio::awaitable<bool> connection::send_region(const storage::file_region& region) {
    if (!socket_.native_non_blocking()) {
        asio::error_code error;
        socket_.native_non_blocking(true, error);
        if (error) {
            close(fmt::format("cannot make the socket non-blocking: {}", error.message()));
            co_return false;
        }
    }
    auto offset = static_cast<off_t>(region.position);
    std::size_t unsent = region.size_bytes;
    while (unsent > 0) {
        if (closed_) {
            co_return false;
        }
        ssize_t sent =
            ::sendfile(socket_.native_handle(), region.file->descriptor(), &offset, unsent);
        if (sent > 0) {
            unsent -= static_cast<std::size_t>(sent);
            touch();
            continue;
        }
        if (sent == 0) {
            // The file ends inside the region (a segment truncated since it was read): the
            // frame can no longer have the size it announced.
            log::warn("connection {}: {} ends before byte {} of a {}-byte region at {}", info_.id,
                      region.file->path().string(), region.size_bytes - unsent, region.size_bytes,
                      region.position);
            close("file region ended early");
            co_return false;
        }
        int failure = errno;
        if (failure == EINTR) {
            continue;
        }
        if (failure != EAGAIN && failure != EWOULDBLOCK) {
            close(fmt::format("sendfile failed: {}", std::strerror(failure)));
            co_return false;
        }
        auto [error] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, use_tuple);
        if (error) {
            close(fmt::format("write failed: {}", error.message()));
            co_return false;
        }
    }
    co_return true;
}

asio::awaitable<void> connection::idle_loop() {
    auto self = shared_from_this();
    while (!closed_) {
        auto deadline = last_activity_ + limits_.max_idle;
        if (std::chrono::steady_clock::now() >= deadline) {
            if (!serving_requests()) {
                close(fmt::format("idle for {} ms (connections.max.idle.ms)",
                                  limits_.max_idle.count()));
                break;
            }
            deadline = std::chrono::steady_clock::now() + limits_.max_idle;
        }
        idle_timer_.expires_at(deadline);
        co_await idle_timer_.async_wait(use_tuple);
    }
}

}  // namespace samsa::server
