#include "broker/broker.h"

#include <unistd.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "base/log.h"
#include "broker/meta_properties.h"
#include "cluster/metadata_image.h"
#include "runtime/cross_shard.h"
#include "runtime/file_io.h"
#include "runtime/shard.h"
#include "server/handler_registry.h"
#include "server/server.h"

namespace samsa::broker {
namespace {

constexpr int exit_startup_failed = 1;

server::server_options make_server_options(const broker_config& config) {
    server::server_options options;
    for (const listener_endpoint& listener : config.listeners.served) {
        options.listeners.push_back(
            {.name = listener.name, .host = listener.host, .port = listener.port});
    }
    const socket_server_settings& settings = config.server;
    options.limits.max_request_bytes = settings.socket_request_max_bytes;
    options.limits.max_in_flight_requests = settings.queued_max_requests;
    options.limits.max_idle = std::chrono::milliseconds(settings.connections_max_idle_ms);
    options.max_connections = settings.max_connections;
    options.max_connections_per_ip = settings.max_connections_per_ip;
    options.socket_send_buffer_bytes = settings.socket_send_buffer_bytes;
    options.socket_receive_buffer_bytes = settings.socket_receive_buffer_bytes;
    options.listen_backlog = settings.socket_listen_backlog_size;
    return options;
}

std::string local_host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
        return "localhost";
    }
    return name;
}

// This node as clients should reach it: every advertised listener, with an empty host
// or port 0 resolved from what the server actually bound.
cluster::broker_registration make_registration(const broker_config& config, node_id node,
                                               const std::vector<server::bound_listener>& bound) {
    cluster::broker_registration registration{.id = node, .rack = config.node.rack};
    std::string host_name = local_host_name();
    for (const listener_endpoint& advertised : config.listeners.advertised) {
        uint16_t bound_port = 0;
        for (const auto& each : bound) {
            if (each.name == advertised.name) {
                bound_port = each.port;
            }
        }
        listener_endpoint resolved = resolve_advertised_listener(advertised, host_name, bound_port);
        registration.endpoints.push_back(
            {.listener_name = resolved.name, .host = resolved.host, .port = resolved.port});
    }
    return registration;
}

// What one shard owns besides its connections. Created and destroyed on its shard.
struct shard_resources {
    server::shard_services services;
    std::unique_ptr<runtime::file_io> file_io;
};

class broker_process {
public:
    explicit broker_process(serve_options options)
        : options_(std::move(options)),
          shards_(options_.shard_count == 0 ? runtime::default_shard_count()
                                            : options_.shard_count),
          handlers_(server::make_default_handler_registry()) {}

    int run() {
        const broker_config& config = options_.config;
        auto identity =
            ensure_meta_properties(config.meta_properties_dirs(), config.node.configured_node_id);
        if (!identity) {
            log::error("{}", identity.error().message);
            return exit_startup_failed;
        }
        node_ = identity.value().node;
        cluster_id_ = identity.value().cluster_id;

        resources_.resize(shards_.size());
        std::vector<server::shard_services*> services;
        for (uint32_t index = 0; index < shards_.size(); ++index) {
            auto& resources = resources_[index];
            resources = std::make_unique<shard_resources>();
            resources->services = {
                .shard = &shards_.at(index),
                .shards = &shards_,
                .handlers = &handlers_,
                .settings = {.node = node_,
                             .auto_create_topics_enable = config.topics.auto_create_topics_enable}};
            services.push_back(&resources->services);
        }
        server_ = std::make_unique<server::server>(shards_, make_server_options(config),
                                                   std::move(services));
        auto bound = server_->bind();
        if (!bound) {
            log::error("{}", bound.error());
            return exit_startup_failed;
        }
        auto image = std::make_shared<const cluster::metadata_image>(
            cluster_id_, node_, std::vector{make_registration(config, node_, bound.value())},
            std::vector<cluster::topic_metadata>{});
        for (auto& resources : resources_) {
            resources->services.metadata = image;
        }
        for (const auto& listener : bound.value()) {
            log::info("listening on {}://{}:{}", listener.name,
                      listener.host.empty() ? "0.0.0.0" : listener.host, listener.port);
        }

        asio::co_spawn(shards_.at(0u).executor(), start(), asio::detached);
        shards_.run();
        return exit_code_;
    }

private:
    // On shard 0, once the loops run.
    asio::awaitable<void> start() {
        co_await runtime::invoke_on_all(shards_, [this](runtime::shard& owner) {
            resources_[owner.id().value()]->file_io =
                runtime::make_file_io(owner.io(), runtime::file_io_options{});
        });
        watch_signals();
        server_->start();
        auto ready_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - options_.started_at)
                            .count();
        log::info("ready in {} ms: node {}, cluster {}, {} shards, file I/O {}", ready_ms,
                  node_.value(), cluster_id_, shards_.size(),
                  resources_[0]->file_io->backend_name());
    }

    void watch_signals() {
        signals_ = std::make_unique<asio::signal_set>(shards_.at(0u).io(), SIGINT, SIGTERM);
        signals_->async_wait([this](const asio::error_code& error, int signal_number) {
            if (error) {
                return;
            }
            log::info("received signal {}: shutting down (a second signal exits at once)",
                      signal_number);
            // Any further signal: the operator wants out now.
            signals_->async_wait([](const asio::error_code& again, int second) {
                if (!again) {
                    log::warn("received signal {} during shutdown: exiting now", second);
                    std::_Exit(128 + second);
                }
            });
            asio::co_spawn(shards_.at(0u).executor(), shutdown(), asio::detached);
        });
    }

    asio::awaitable<void> shutdown() {
        co_await server_->shutdown();
        // The logs are flushed and closed here once storage exists (issue 4).
        co_await runtime::invoke_on_all(shards_, [this](runtime::shard& owner) {
            resources_[owner.id().value()]->file_io.reset();
        });
        log::info("shutdown complete");
        shards_.stop();
    }

    serve_options options_;
    runtime::shard_set shards_;
    server::handler_registry handlers_;
    std::vector<std::unique_ptr<shard_resources>> resources_;
    std::unique_ptr<server::server> server_;
    std::unique_ptr<asio::signal_set> signals_;
    node_id node_;
    std::string cluster_id_;
    int exit_code_ = 0;
};

}  // namespace

int serve(serve_options options) {
    // A peer that resets a connection must not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    broker_process process(std::move(options));
    return process.run();
}

}  // namespace samsa::broker
