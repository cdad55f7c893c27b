#include "broker/metadata_publisher.h"

#include <asio/this_coro.hpp>

#include <map>
#include <set>

#include "base/clock.h"
#include "base/log.h"
#include "broker/dynamic_broker_configs.h"
#include "broker/topic_settings.h"
#include "cluster/placement.h"
#include "runtime/cross_shard.h"

namespace samsa::broker {

metadata_publisher::metadata_publisher(runtime::shard_set& shards,
                                       std::vector<std::unique_ptr<shard_resources>>& resources,
                                       storage::log_manager& logs, storage::file_system& fs,
                                       cluster::controller& controller,
                                       topic_config_defaults topic_defaults, node_id self)
    : shards_(shards),
      resources_(resources),
      logs_(logs),
      fs_(fs),
      controller_(controller),
      topic_defaults_(std::move(topic_defaults)),
      self_(self) {}

std::vector<storage::topic_partition> metadata_publisher::apply_on_shard(
    runtime::shard& owner, const cluster::metadata_image_ptr& image) {
    shard_resources& resources = *resources_[owner.id().value()];
    resources.services.metadata = image;
    std::vector<storage::topic_partition> departed;
    std::vector<storage::topic_partition> hosted;
    std::map<std::string, storage::topic_settings, std::less<>> resolved;
    cluster::config_map dynamic_defaults = dynamic_topic_defaults(*image, self_);
    for (auto& [id, partition] : resources.partitions) {
        const cluster::topic_metadata* topic = image->find_topic(id.topic);
        auto index = static_cast<std::size_t>(id.partition.value());
        bool stays = topic != nullptr &&
                     (!partition->topic() || *partition->topic() == topic->id) &&
                     index < topic->partitions.size() && topic->partitions[index].leader == self_;
        if (stays) {
            partition->set_epoch(topic->partitions[index].epoch);
            // Resolved once per topic: a bad override is reported once, not per partition.
            auto [settings, added] = resolved.try_emplace(id.topic);
            if (added) {
                cluster::config_map overrides =
                    topic_overrides(dynamic_defaults, image->find_topic_configs(id.topic));
                settings->second =
                    resolve_topic_settings(topic_defaults_, &overrides, topic->internal);
            }
            partition->set_settings(settings->second);
            hosted.push_back(id);
        } else {
            departed.push_back(id);
        }
    }
    for (const auto& id : departed) {
        // A request suspended on this partition keeps its own reference (partition_manager.h)
        // and finds the log closed when it resumes.
        auto removed = resources.partitions.remove(id);
        std::filesystem::path dir = removed->log().dir();
        if (auto closed = removed->close(); !closed) {
            log::warn("closing {}: {}", dir.string(), closed.error().message);
        }
        removed.reset();
        if (auto gone = fs_.remove_all(dir); !gone) {
            log::error("removing {}: {}", dir.string(), gone.error().message);
        }
        log::info("partition {}-{} is no longer hosted here; {} removed", id.topic,
                  id.partition.value(), dir.string());
    }
    return hosted;
}

asio::awaitable<void> metadata_publisher::publish(cluster::metadata_image_ptr image) {
    // One publication at a time: two concurrent operations (two clients auto-creating the
    // same topic) would otherwise both find a new partition unhosted and host it twice.
    while (publishing_) {
        if (!publication_finished_) {
            publication_finished_ =
                std::make_unique<runtime::async_event>(co_await asio::this_coro::executor);
        }
        co_await publication_finished_->wait();
    }
    publishing_ = true;
    co_await publish_exclusively(std::move(image));
    publishing_ = false;
    if (publication_finished_) {
        publication_finished_->notify_all();
    }
}

asio::awaitable<void> metadata_publisher::publish_exclusively(cluster::metadata_image_ptr image) {
    // An operation that waited for another publication may hold an older image than the
    // one already published; the newest image is what must be made true.
    cluster::metadata_image_ptr newest = controller_.image();
    if (newest != nullptr && newest->provenance().last_offset >= image->provenance().last_offset) {
        image = newest;
    }
    if (image == published_) {
        co_return;
    }
    published_ = image;
    std::set<storage::topic_partition> hosted;
    const cluster::config_map dynamic_defaults = dynamic_topic_defaults(*image, self_);
    for (uint32_t index = 0; index < shards_.size(); ++index) {
        runtime::shard& owner = shards_.at(index);
        auto on_shard = co_await runtime::invoke_on(
            owner, [this, &owner, &image] { return apply_on_shard(owner, image); });
        hosted.insert(on_shard.begin(), on_shard.end());
    }
    for (const auto& [name, topic] : image->topics()) {
        for (const auto& partition : topic.partitions) {
            storage::topic_partition id{name, partition.partition};
            if (partition.leader != self_ || hosted.contains(id)) {
                continue;
            }
            cluster::config_map overrides =
                topic_overrides(dynamic_defaults, image->find_topic_configs(name));
            storage::topic_settings settings =
                resolve_topic_settings(topic_defaults_, &overrides, topic.internal);
            auto created = logs_.create_log(id, topic.id, settings.log, wall_clock_ms());
            if (!created) {
                log::error("creating the log of {}-{}: {}", name, partition.partition.value(),
                           created.error().message);
                continue;
            }
            auto hosting = std::make_shared<cluster::partition>(
                id, topic.id, created.value().log_dir, partition.epoch,
                std::move(created.value().log), std::move(settings));
            runtime::shard& owner = shards_.at(cluster::shard_for(id, shards_.size()));
            // A named lambda, not a temporary inside co_await (see cross_shard.h).
            auto hand_over = [this, &owner, hosting]() mutable {
                resources_[owner.id().value()]->partitions.add(std::move(hosting));
            };
            co_await runtime::invoke_on(owner, std::move(hand_over));
        }
    }
}

// The three topic operations are plain functions returning the awaitable of invoke_on, not
// coroutines: g++ 12 mishandles a coroutine's parameter moved into a lambda capture (the
// parameter is destroyed twice).
asio::awaitable<std::vector<cluster::topic_outcome>> metadata_publisher::create_topics(
    std::vector<cluster::topic_request> requests, bool validate_only) {
    return runtime::invoke_on(
        shards_.at(0u),
        [this, requests = std::move(requests),
         validate_only]() mutable -> asio::awaitable<std::vector<cluster::topic_outcome>> {
            auto outcomes = co_await controller_.create_topics(std::move(requests), validate_only,
                                                               wall_clock_ms());
            if (!validate_only) {
                co_await publish(controller_.image());
            }
            co_return outcomes;
        });
}

asio::awaitable<std::vector<cluster::topic_outcome>> metadata_publisher::delete_topics(
    std::vector<cluster::topic_reference> topics) {
    return runtime::invoke_on(
        shards_.at(0u),
        [this, topics = std::move(
                   topics)]() mutable -> asio::awaitable<std::vector<cluster::topic_outcome>> {
            auto outcomes = co_await controller_.delete_topics(std::move(topics), wall_clock_ms());
            co_await publish(controller_.image());
            co_return outcomes;
        });
}

asio::awaitable<std::vector<cluster::topic_outcome>> metadata_publisher::create_partitions(
    std::vector<cluster::partition_increase> increases, bool validate_only) {
    return runtime::invoke_on(
        shards_.at(0u),
        [this, increases = std::move(increases),
         validate_only]() mutable -> asio::awaitable<std::vector<cluster::topic_outcome>> {
            auto outcomes = co_await controller_.create_partitions(std::move(increases),
                                                                   validate_only, wall_clock_ms());
            if (!validate_only) {
                co_await publish(controller_.image());
            }
            co_return outcomes;
        });
}

asio::awaitable<protocol::error_code> metadata_publisher::create_topic(std::string_view name) {
    std::vector<cluster::topic_request> requests(1);
    requests[0].name = std::string(name);
    auto outcomes = co_await create_topics(std::move(requests), false);
    protocol::error_code error = outcomes.front().error;
    if (error == protocol::error_code::none ||
        error == protocol::error_code::topic_already_exists) {
        co_return protocol::error_code::leader_not_available;
    }
    co_return error;
}

}  // namespace samsa::broker
