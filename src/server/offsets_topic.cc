#include "server/offsets_topic.h"

#include <algorithm>

#include "coordinator/group_partition.h"

namespace samsa::server {

std::optional<group_placement> place_by_key(const cluster::metadata_image& image,
                                            std::string_view topic_name, std::string_view key) {
    const cluster::topic_metadata* topic = image.find_topic(topic_name);
    if (topic == nullptr || topic->partitions.empty()) {
        return std::nullopt;
    }
    partition_id index =
        coordinator::group_partition(key, static_cast<int32_t>(topic->partitions.size()));
    const cluster::partition_metadata& partition =
        topic->partitions[static_cast<std::size_t>(index.value())];
    return group_placement{.partition = partition.partition, .coordinator = partition.leader};
}

std::optional<group_placement> place_group(const cluster::metadata_image& image,
                                           std::string_view group_id) {
    return place_by_key(image, cluster::consumer_offsets_topic, group_id);
}

asio::awaitable<protocol::error_code> create_internal_topic(
    shard_services& services, std::string_view name, int32_t partitions, int16_t replication_factor,
    std::vector<std::pair<std::string, std::optional<std::string>>> configs) {
    if (services.admin == nullptr) {
        co_return protocol::error_code::coordinator_not_available;
    }
    auto brokers =
        static_cast<int16_t>(std::max<std::size_t>(1, services.metadata->brokers().size()));
    std::vector<cluster::topic_request> requests(1);
    requests[0].name = std::string(name);
    requests[0].num_partitions = partitions;
    requests[0].replication_factor = std::min(replication_factor, brokers);
    requests[0].configs = std::move(configs);
    auto outcomes = co_await services.admin->create_topics(std::move(requests), false);
    protocol::error_code error = outcomes.front().error;
    if (error == protocol::error_code::topic_already_exists) {
        co_return protocol::error_code::none;
    }
    co_return error;
}

asio::awaitable<protocol::error_code> create_offsets_topic(shard_services& services) {
    const group_settings& settings = services.settings.groups;
    return create_internal_topic(
        services, cluster::consumer_offsets_topic, settings.offsets_topic_num_partitions,
        settings.offsets_topic_replication_factor,
        {{"cleanup.policy", "compact"},
         {"compression.type", "producer"},
         {"segment.bytes", std::to_string(settings.offsets_topic_segment_bytes)}});
}

}  // namespace samsa::server
