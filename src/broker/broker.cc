#include "broker/broker.h"

#include <unistd.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/signal_set.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <random>

#include "base/clock.h"
#include "base/log.h"
#include "broker/broker_config_schema.h"
#include "broker/config_admin.h"
#include "broker/log_maintenance.h"
#include "broker/meta_properties.h"
#include "broker/metadata_publisher.h"
#include "broker/shard_resources.h"
#include "broker/topic_settings.h"
#include "cluster/controller.h"
#include "cluster/metadata_image.h"
#include "cluster/partition_manager.h"
#include "cluster/placement.h"
#include "runtime/cross_shard.h"
#include "runtime/file_io.h"
#include "runtime/shard.h"
#include "server/handler_registry.h"
#include "server/server.h"
#include "server/transaction_markers.h"
#include "storage/directory_lock.h"
#include "storage/file_system.h"
#include "storage/log_manager.h"

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
    options.max_queued_request_bytes = settings.queued_max_request_bytes;
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

// The topic-level defaults of new and loaded logs (per-topic overrides come with the
// topic configs).
// Kafka's max.incremental.fetch.session.cache.slots default, shared among the shards.
constexpr int32_t fetch_session_cache_slots = 1000;
// Delayed fetches one shard holds at once (Samsa's bound; Kafka's purgatory has none).
constexpr std::size_t max_delayed_fetches_per_shard = 10'000;

storage::log_config make_log_config(const broker_config& config) {
    return resolve_topic_settings(config.topic_defaults, nullptr, false).log;
}

coordinator::coordinator_settings make_coordinator_settings(
    const group_coordinator_settings& group) {
    return {.groups = {.initial_rebalance_delay_ms = group.group_initial_rebalance_delay_ms,
                       .max_size = group.group_max_size,
                       .min_session_timeout_ms = group.group_min_session_timeout_ms,
                       .max_session_timeout_ms = group.group_max_session_timeout_ms},
            .offsets_retention_ms = group.offsets_retention_ms,
            .offsets_retention_check_interval_ms = group.offsets_retention_check_interval_ms,
            .offset_metadata_max_bytes = group.offset_metadata_max_bytes};
}

coordinator::transaction_coordinator_settings make_transaction_coordinator_settings(
    const transaction_settings& transaction) {
    return {
        .transaction_max_timeout_ms = transaction.max_timeout_ms,
        .transactional_id_expiration_ms = transaction.transactional_id_expiration_ms,
        .abort_timed_out_interval_ms = transaction.abort_timed_out_transaction_cleanup_interval_ms,
        .remove_expired_interval_ms = transaction.remove_expired_transaction_cleanup_interval_ms};
}

class broker_process {
public:
    explicit broker_process(serve_options options)
        : options_(std::move(options)),
          shards_(options_.shard_count == 0 ? runtime::default_shard_count()
                                            : options_.shard_count),
          handlers_(server::make_default_handler_registry()) {}

    int run() {
        const broker_config& config = options_.config;
        file_system_ = storage::make_posix_file_system(nullptr);
        auto dirs = config.meta_properties_dirs();
        auto locks = storage::lock_directories(*file_system_, dirs);
        if (!locks) {
            log::error("{}", locks.error().message);
            return exit_startup_failed;
        }
        directory_locks_ = std::move(locks).value();
        auto identity = ensure_meta_properties(dirs, config.node.configured_node_id);
        if (!identity) {
            log::error("{}", identity.error().message);
            return exit_startup_failed;
        }
        node_ = identity.value().node;
        cluster_id_ = identity.value().cluster_id;
        if (!load_logs() || !open_controller()) {
            return exit_startup_failed;
        }

        std::vector<cluster::partition_manager*> partitions_by_shard;
        for (auto& resources : resources_) {
            partitions_by_shard.push_back(&resources->partitions);
        }
        std::vector<coordinator::group_coordinator*> groups_by_shard;
        for (uint32_t index = 0; index < shards_.size(); ++index) {
            auto& resources = resources_[index];
            resources->groups = std::make_unique<coordinator::group_coordinator>(
                shards_.at(index).executor(), resources->partitions,
                make_coordinator_settings(config.group));
            groups_by_shard.push_back(resources->groups.get());
        }
        std::vector<coordinator::transaction_coordinator*> transactions_by_shard;
        for (uint32_t index = 0; index < shards_.size(); ++index) {
            auto& resources = resources_[index];
            resources->marker_writer =
                std::make_unique<server::shard_marker_writer>(resources->services);
            resources->transactions = std::make_unique<coordinator::transaction_coordinator>(
                shards_.at(index).executor(), resources->partitions, *resources->marker_writer,
                make_transaction_coordinator_settings(config.transaction));
            transactions_by_shard.push_back(resources->transactions.get());
        }
        std::vector<server::shard_services*> services;
        for (uint32_t index = 0; index < shards_.size(); ++index) {
            auto& resources = resources_[index];
            resources->fetches = std::make_unique<server::fetch_purgatory>(
                shards_.at(index).executor(), max_delayed_fetches_per_shard);
            resources->fetch_sessions =
                std::make_unique<server::fetch_session_cache>(server::fetch_session_limits{
                    .max_sessions = std::max(
                        1, fetch_session_cache_slots / static_cast<int32_t>(shards_.size())),
                    .shard_index = static_cast<int32_t>(index),
                    .shard_count = static_cast<int32_t>(shards_.size()),
                    .random_seed = std::random_device{}()});
            resources->services = {
                .shard = &shards_.at(index),
                .shards = &shards_,
                .handlers = &handlers_,
                .settings = {.node = node_,
                             .auto_create_topics_enable = config.topics.auto_create_topics_enable,
                             .fetch_max_bytes = config.server.fetch_max_bytes,
                             .groups = {.offsets_topic_num_partitions =
                                            config.group.offsets_topic_num_partitions,
                                        .offsets_topic_replication_factor =
                                            config.group.offsets_topic_replication_factor,
                                        .offsets_topic_segment_bytes =
                                            config.group.offsets_topic_segment_bytes},
                             .transactions = {.num_partitions =
                                                  config.transaction.state_log_num_partitions,
                                              .replication_factor =
                                                  config.transaction.state_log_replication_factor,
                                              .segment_bytes =
                                                  config.transaction.state_log_segment_bytes}},
                .metadata = controller_->image(),
                .auto_creator = publisher_.get(),
                .admin = publisher_.get(),
                .partitions_by_shard = partitions_by_shard,
                .groups_by_shard = groups_by_shard,
                .transactions_by_shard = transactions_by_shard,
                .fetches = resources->fetches.get(),
                .fetch_sessions = resources->fetch_sessions.get()};
            resources->services.settings.log_dirs = config.log.dirs;
            resources->services.logs = log_manager_.get();
            resources->services.configs = config_admin_.get();
            const server::shard_services* shard_view = &resources->services;
            resources->producer_ids = std::make_unique<producer_id_pool>(
                shards_.at(0u), *controller_, node_, [shard_view, self = node_]() -> int64_t {
                    const cluster::broker_registration* registered =
                        shard_view->metadata->find_broker(self);
                    return registered == nullptr ? -1 : registered->broker_epoch;
                });
            resources->services.producer_ids = resources->producer_ids.get();
            services.push_back(&resources->services);
        }
        server_ = std::make_unique<server::server>(shards_, make_server_options(config),
                                                   std::move(services));
        auto bound = server_->bind();
        if (!bound) {
            log::error("{}", bound.error());
            return exit_startup_failed;
        }
        registration_ = make_registration(config, node_, bound.value());
        for (const auto& listener : bound.value()) {
            log::info("listening on {}://{}:{}", listener.name,
                      listener.host.empty() ? "0.0.0.0" : listener.host, listener.port);
        }

        asio::co_spawn(shards_.at(0u).executor(), start(), asio::detached);
        shards_.run();
        return exit_code_;
    }

private:
    // Before the shards run: the metadata log replayed into the image topics come from.
    bool open_controller() {
        const broker_config& config = options_.config;
        cluster::controller_settings settings{
            .default_num_partitions = config.topics.num_partitions,
            .default_replication_factor =
                static_cast<int16_t>(config.topics.default_replication_factor),
            .validate_topic_config = check_topic_config,
            .metadata_log = {.retention_ms = -1}};
        settings.configs = make_broker_config_schema(config, node_);
        auto opened =
            cluster::controller::open(*file_system_, config.node.metadata_log_dir, cluster_id_,
                                      node_, std::move(settings), wall_clock_ms());
        if (!opened) {
            log::error("cannot open the metadata log: {}", opened.error().message);
            return false;
        }
        controller_ = std::move(opened).value();
        publisher_ =
            std::make_unique<metadata_publisher>(shards_, resources_, *log_manager_, *file_system_,
                                                 *controller_, config.topic_defaults, node_);
        config_admin_ = std::make_unique<broker_config_admin>(shards_, *controller_, *publisher_,
                                                              config, node_);
        return true;
    }

    // Before the shards run: every log in log.dirs, recovered if the last stop was not
    // clean, handed to the shard that will own it.
    bool load_logs() {
        const broker_config& config = options_.config;
        for (uint32_t index = 0; index < shards_.size(); ++index) {
            resources_.push_back(std::make_unique<shard_resources>());
        }
        log_manager_ = std::make_unique<storage::log_manager>(
            *file_system_,
            storage::log_manager_config{
                .log_dirs = config.log.dirs,
                .recovery_threads_per_dir = config.log.num_recovery_threads_per_data_dir});
        storage::log_config log_config = make_log_config(config);
        auto loaded = log_manager_->load_all(
            [&](const storage::topic_partition&) { return log_config; }, wall_clock_ms());
        if (!loaded) {
            log::error("cannot load the logs: {}", loaded.error().message);
            return false;
        }
        for (auto& each : loaded.value()) {
            auto owner = cluster::shard_for(each.partition, shards_.size());
            // Until the metadata log says otherwise, a log resumes under its last epoch.
            leader_epoch epoch = each.log->epochs().latest_epoch().value_or(leader_epoch(0));
            resources_[owner.value()]->partitions.add(std::make_unique<cluster::partition>(
                each.partition, each.topic, each.log_dir, epoch, std::move(each.log)));
        }
        return true;
    }

    // On each shard at shutdown: every log made durable and closed; returns their offsets
    // for the checkpoints, or nullopt when a log failed (no clean-shutdown marker then).
    asio::awaitable<std::optional<std::vector<storage::log_offsets>>> close_logs(
        runtime::shard& owner) {
        shard_resources& resources = *resources_[owner.id().value()];
        bool clean = true;
        for (auto& [id, hosted] : resources.partitions) {
            storage::partition_log& hosted_log = hosted->log();
            auto durable = co_await hosted_log.wait_durable(hosted_log.log_end_offset());
            auto closed = durable
                              ? hosted_log.close()
                              : storage::storage_result<std::monostate>(failure{durable.error()});
            if (!closed) {
                log::error("closing {}: {}", hosted_log.dir().string(), closed.error().message);
                clean = false;
            }
        }
        std::vector<storage::log_offsets> offsets = resources.partitions.offsets();
        resources.partitions = {};
        runtime::set_thread_file_io(nullptr);
        resources.file_io.reset();
        if (!clean) {
            co_return std::nullopt;
        }
        co_return offsets;
    }

    // On shard 0, once the loops run.
    asio::awaitable<void> start() {
        co_await runtime::invoke_on_all(shards_, [this](runtime::shard& owner) {
            auto& resources = *resources_[owner.id().value()];
            resources.file_io = runtime::make_file_io(owner.io(), runtime::file_io_options{});
            runtime::set_thread_file_io(resources.file_io.get());
            resources.groups->start();
            resources.transactions->start();
        });
        watch_signals();
        auto registered = co_await controller_->register_broker(registration_, wall_clock_ms());
        if (!registered) {
            log::error("cannot register this broker in the metadata log: {}",
                       registered.error().message);
            exit_code_ = exit_startup_failed;
            co_await shutdown();
            co_return;
        }
        co_await publisher_->publish(registered.value());
        co_await start_log_maintenance();
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

    // On shard 0, once every shard hosts its logs: retention, flushes and checkpoints.
    asio::awaitable<void> start_log_maintenance() {
        std::vector<cluster::partition_manager*> partitions;
        for (auto& resources : resources_) {
            partitions.push_back(&resources->partitions);
        }
        maintenance_ = std::make_unique<log_maintenance>(
            shards_, std::move(partitions), *log_manager_,
            make_log_maintenance_settings(options_.config.log, options_.config.transaction,
                                          options_.config.cleaner));
        co_await maintenance_->start();
    }

    asio::awaitable<void> shutdown() {
        // Long polls answer at once, so draining connections does not wait for them.
        // So do joins and syncs waiting for a rebalance (NOT_COORDINATOR: the client looks
        // for the coordinator again).
        auto release_fetches = [this](runtime::shard& owner) {
            resources_[owner.id().value()]->fetches->release_all();
            resources_[owner.id().value()]->groups->stop();
            resources_[owner.id().value()]->transactions->stop();
        };
        co_await runtime::invoke_on_all(shards_, std::move(release_fetches));
        co_await server_->shutdown();
        if (maintenance_) {
            co_await maintenance_->stop();
        }
        auto per_shard = co_await runtime::invoke_on_all(
            shards_, [this](runtime::shard& owner) { return close_logs(owner); });
        std::vector<storage::log_offsets> offsets;
        bool clean = true;
        for (auto& shard_offsets : per_shard) {
            clean = clean && shard_offsets.has_value();
            if (shard_offsets) {
                offsets.insert(offsets.end(), shard_offsets->begin(), shard_offsets->end());
            }
        }
        if (auto closed = controller_->close(); !closed) {
            log::error("closing the metadata log: {}", closed.error().message);
            clean = false;
        }
        auto written = clean ? log_manager_->mark_clean_shutdown(offsets)
                             : log_manager_->write_checkpoints(offsets);
        if (!written) {
            log::error("writing checkpoints: {}", written.error().message);
            exit_code_ = 1;
        }
        log::info("shutdown complete{}",
                  clean && written ? "" : " (unclean: logs will be recovered)");
        shards_.stop();
    }

    serve_options options_;
    runtime::shard_set shards_;
    server::handler_registry handlers_;
    // Declared before the logs they serve, so they are destroyed after them.
    std::unique_ptr<storage::file_system> file_system_;
    std::unique_ptr<storage::log_manager> log_manager_;
    // Held until the process ends: no other process may use these directories.
    std::vector<std::unique_ptr<storage::data_file>> directory_locks_;
    std::unique_ptr<cluster::controller> controller_;
    std::vector<std::unique_ptr<shard_resources>> resources_;
    // Uses the shards' resources, the log manager and the controller declared before it.
    std::unique_ptr<metadata_publisher> publisher_;
    // Uses the controller and the publisher declared before it.
    std::unique_ptr<broker_config_admin> config_admin_;
    // Works on the shards' partitions and writes through the log manager, declared before it.
    std::unique_ptr<log_maintenance> maintenance_;
    cluster::broker_registration registration_;
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
