#include "server/server.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>

#include "base/assert.h"
#include "base/log.h"
#include "runtime/cross_shard.h"
#include "runtime/sleep.h"

namespace samsa::server {
namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr auto drain_poll_interval = std::chrono::milliseconds(10);
// After accept() fails for lack of file descriptors, wait before trying again rather
// than spinning on an error that will repeat.
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);

result<asio::ip::tcp::endpoint, std::string> resolve_bind_address(const listener_spec& spec) {
    if (spec.host.empty()) {
        return asio::ip::tcp::endpoint(asio::ip::address_v6::any(), spec.port);
    }
    asio::error_code error;
    auto address = asio::ip::make_address(spec.host, error);
    if (!error) {
        return asio::ip::tcp::endpoint(address, spec.port);
    }
    asio::io_context resolver_context;
    asio::ip::tcp::resolver resolver(resolver_context);
    auto results = resolver.resolve(spec.host, std::to_string(spec.port), error);
    if (error || results.empty()) {
        return failure{fmt::format("cannot resolve host '{}': {}", spec.host, error.message())};
    }
    return results.begin()->endpoint();
}

}  // namespace

server::server(runtime::shard_set& shards, server_options options,
               std::vector<shard_services*> services)
    : shards_(shards),
      options_(std::move(options)),
      services_(std::move(services)),
      connections_(shards.size()),
      quota_(shards.at(0u).executor(), options_.max_connections, options_.max_connections_per_ip),
      memory_(options_.max_queued_request_bytes) {
    SAMSA_ASSERT(services_.size() == shards.size(), "one shard_services per shard, got %zu for %u",
                 services_.size(), shards.size());
}

server::~server() = default;

result<std::vector<bound_listener>, std::string> server::bind() {
    std::vector<bound_listener> bound;
    for (const listener_spec& spec : options_.listeners) {
        auto endpoint = resolve_bind_address(spec);
        if (!endpoint) {
            return failure{fmt::format("listener {}: {}", spec.name, endpoint.error())};
        }
        auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(shards_.at(0u).io());
        asio::error_code error;
        acceptor->open(endpoint.value().protocol(), error);
        if (!error && endpoint.value().address().is_v6() && spec.host.empty()) {
            // Every interface: IPv4 too, as Kafka's listener with an empty host does.
            acceptor->set_option(asio::ip::v6_only(false), error);
        }
        if (!error) {
            acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
        }
        if (!error) {
            acceptor->bind(endpoint.value(), error);
        }
        if (!error) {
            acceptor->listen(options_.listen_backlog, error);
        }
        if (error) {
            return failure{fmt::format("listener {}: cannot listen on {}:{}: {}", spec.name,
                                       spec.host.empty() ? "*" : spec.host, spec.port,
                                       error.message())};
        }
        uint16_t port = acceptor->local_endpoint().port();
        bound.push_back({.name = spec.name, .host = spec.host, .port = port});
        listeners_.push_back({.name = spec.name, .acceptor = std::move(acceptor)});
    }
    return bound;
}

void server::start() {
    for (listener& each : listeners_) {
        asio::co_spawn(shards_.at(0u).executor(), accept_loop(each), asio::detached);
    }
}

void server::configure_socket(asio::ip::tcp::socket& socket) const {
    asio::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (options_.socket_send_buffer_bytes != -1) {
        socket.set_option(asio::socket_base::send_buffer_size(options_.socket_send_buffer_bytes),
                          ignored);
    }
    if (options_.socket_receive_buffer_bytes != -1) {
        socket.set_option(
            asio::socket_base::receive_buffer_size(options_.socket_receive_buffer_bytes), ignored);
    }
}

asio::awaitable<void> server::accept_loop(listener& source) {
    while (!stopping_) {
        co_await quota_.wait_for_slot();
        if (stopping_) {
            break;
        }
        auto [error, socket] = co_await source.acceptor->async_accept(use_tuple);
        if (stopping_) {
            break;
        }
        if (error) {
            log::warn("listener {}: accept failed: {}", source.name, error.message());
            co_await runtime::sleep_for(accept_retry_delay);
            continue;
        }
        asio::error_code endpoint_error;
        auto remote = socket.remote_endpoint(endpoint_error);
        if (endpoint_error) {
            continue;  // the peer is already gone
        }
        std::string address = remote.address().to_string();
        if (!quota_.try_acquire(address)) {
            log::info("listener {}: closing connection from {}: max.connections.per.ip reached",
                      source.name, address);
            continue;  // the socket closes as it goes out of scope
        }
        std::string peer = fmt::format("{}:{}", address, remote.port());
        runtime::shard& owner = shards_.at(next_shard_);
        next_shard_ = (next_shard_ + 1) % shards_.size();
        uint64_t id = next_connection_id_++;
        if (owner.id().value() == 0) {  // the acceptors' own shard
            adopt(owner, std::move(socket), id, source.name, address, std::move(peer));
            continue;
        }
        // The socket moves to its owner as a bare descriptor and is wrapped there, so that
        // it registers with the owner's event loop on the owner's thread.
        auto protocol = remote.protocol();
        int descriptor = socket.release(endpoint_error);
        if (endpoint_error) {
            quota_.release(address);
            continue;
        }
        asio::post(owner.executor(), [this, &owner, protocol, descriptor, id, name = source.name,
                                      address, peer = std::move(peer)]() mutable {
            asio::ip::tcp::socket adopted(owner.io(), protocol, descriptor);
            adopt(owner, std::move(adopted), id, name, address, std::move(peer));
        });
    }
}

void server::adopt(runtime::shard& owner, asio::ip::tcp::socket socket, uint64_t id,
                   const std::string& listener_name, const std::string& address, std::string peer) {
    shard_connections& registry = connections_[owner.id().value()];
    configure_socket(socket);
    connection_info info{.id = id, .listener_name = listener_name, .peer = std::move(peer)};
    auto on_closed = [this, &registry, id, address] {
        registry.open.erase(id);
        asio::post(shards_.at(0u).executor(), [this, address] { quota_.release(address); });
    };
    auto opened =
        std::make_shared<connection>(std::move(socket), std::move(info), options_.limits, memory_,
                                     *services_[owner.id().value()], std::move(on_closed));
    registry.open.emplace(id, opened);
    log::debug("connection {} from {} on listener {}", id, opened->info().peer, listener_name);
    opened->start();
    if (registry.draining) {
        opened->drain();
    }
}

asio::awaitable<void> server::drain_shard(runtime::shard& owner,
                                          std::chrono::steady_clock::time_point deadline) {
    shard_connections& registry = connections_[owner.id().value()];
    registry.draining = true;
    for (auto& [id, weak] : registry.open) {
        if (auto open = weak.lock()) {
            open->drain();
        }
    }
    while (!registry.open.empty() && std::chrono::steady_clock::now() < deadline) {
        co_await runtime::sleep_for(drain_poll_interval);
    }
    if (!registry.open.empty()) {
        log::warn("closing {} connections still busy after the drain timeout",
                  registry.open.size());
    }
    // close() erases from the registry, so walk a copy.
    auto remaining = registry.open;
    for (auto& [id, weak] : remaining) {
        if (auto open = weak.lock()) {
            open->close("shutdown");
        }
    }
}

asio::awaitable<void> server::shutdown() {
    stopping_ = true;
    quota_.stop();
    for (listener& each : listeners_) {
        asio::error_code ignored;
        each.acceptor->close(ignored);
    }
    auto deadline = std::chrono::steady_clock::now() + options_.shutdown_drain_timeout;
    for (uint32_t index = 0; index < shards_.size(); ++index) {
        runtime::shard& owner = shards_.at(index);
        co_await runtime::invoke_on(
            owner, [this, &owner, deadline] { return drain_shard(owner, deadline); });
    }
}

}  // namespace samsa::server
