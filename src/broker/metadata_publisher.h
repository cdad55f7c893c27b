#pragma once

// Makes a new metadata image true on this node: every shard's handlers read it from then
// on, and the partitions it places on this node are hosted by their shards: a partition
// that appeared gets a new log (created on shard 0 by the log manager, then handed to its
// owner), a partition whose topic went away is closed and its directory removed, and every
// hosted partition takes the leader epoch and the topic settings the image gives it: the
// topic's configs over the dynamic broker defaults (dynamic_broker_configs.h) over the
// static ones, so a config changed at runtime applies at the next publication.
//
// Also the broker's topic_admin (shard_services.h): each topic operation runs on the
// controller (shard 0) and returns after the image it produced has been published, so a
// client that created a topic finds it in the next Metadata, on any connection.
//
// Runs on shard 0; one publication at a time, always of the newest image (operations run
// one at a time in the controller, but their publications could otherwise overlap).

#include <asio/awaitable.hpp>

#include <memory>
#include <vector>

#include "broker/broker_config.h"
#include "broker/shard_resources.h"
#include "cluster/controller.h"
#include "cluster/metadata_image.h"
#include "runtime/async_event.h"
#include "runtime/shard.h"
#include "server/shard_services.h"
#include "storage/log_manager.h"

namespace samsa::broker {

class metadata_publisher final : public server::topic_admin, public server::topic_auto_creator {
public:
    metadata_publisher(runtime::shard_set& shards,
                       std::vector<std::unique_ptr<shard_resources>>& resources,
                       storage::log_manager& logs, storage::file_system& fs,
                       cluster::controller& controller, topic_config_defaults topic_defaults,
                       node_id self);

    // On shard 0.
    asio::awaitable<void> publish(cluster::metadata_image_ptr image);

    // server::topic_admin, from any shard.
    asio::awaitable<std::vector<cluster::topic_outcome>> create_topics(
        std::vector<cluster::topic_request> requests, bool validate_only) override;
    asio::awaitable<std::vector<cluster::topic_outcome>> delete_topics(
        std::vector<cluster::topic_reference> topics) override;
    asio::awaitable<std::vector<cluster::topic_outcome>> create_partitions(
        std::vector<cluster::partition_increase> increases, bool validate_only) override;

    // server::topic_auto_creator: a topic with the broker's defaults; LEADER_NOT_AVAILABLE
    // once created, as Kafka answers (the client retries and finds it).
    asio::awaitable<protocol::error_code> create_topic(std::string_view name) override;

private:
    asio::awaitable<void> publish_exclusively(cluster::metadata_image_ptr image);
    // On the owner shard: the image, departures, epochs; returns what it hosts.
    std::vector<storage::topic_partition> apply_on_shard(runtime::shard& owner,
                                                         const cluster::metadata_image_ptr& image);

    runtime::shard_set& shards_;
    std::vector<std::unique_ptr<shard_resources>>& resources_;
    storage::log_manager& logs_;
    storage::file_system& fs_;
    cluster::controller& controller_;
    topic_config_defaults topic_defaults_;
    node_id self_;
    // Publication is serialized (publish()); the last image made true.
    bool publishing_ = false;
    std::unique_ptr<runtime::async_event> publication_finished_;
    cluster::metadata_image_ptr published_;
};

}  // namespace samsa::broker
