#include "server/offsets_topic.h"

#include <algorithm>

#include "coordinator/group_partition.h"

namespace samsa::server {

std::optional<group_placement> place_group(const cluster::metadata_image& image,
                                           std::string_view group_id) {
    const cluster::topic_metadata* topic = image.find_topic(cluster::consumer_offsets_topic);
    if (topic == nullptr || topic->partitions.empty()) {
        return std::nullopt;
    }
    partition_id index =
        coordinator::group_partition(group_id, static_cast<int32_t>(topic->partitions.size()));
    const cluster::partition_metadata& partition =
        topic->partitions[static_cast<std::size_t>(index.value())];
    return group_placement{.partition = partition.partition, .coordinator = partition.leader};
}

asio::awaitable<protocol::error_code> create_offsets_topic(shard_services& services) {
    if (services.admin == nullptr) {
        co_return protocol::error_code::coordinator_not_available;
    }
    const group_settings& settings = services.settings.groups;
    auto brokers =
        static_cast<int16_t>(std::max<std::size_t>(1, services.metadata->brokers().size()));
    std::vector<cluster::topic_request> requests(1);
    requests[0] = {
        .name = std::string(cluster::consumer_offsets_topic),
        .num_partitions = settings.offsets_topic_num_partitions,
        .replication_factor = std::min(settings.offsets_topic_replication_factor, brokers),
        .configs = {{"cleanup.policy", "compact"},
                    {"compression.type", "producer"},
                    {"segment.bytes", std::to_string(settings.offsets_topic_segment_bytes)}}};
    auto outcomes = co_await services.admin->create_topics(std::move(requests), false);
    protocol::error_code error = outcomes.front().error;
    if (error == protocol::error_code::topic_already_exists) {
        co_return protocol::error_code::none;
    }
    co_return error;
}

}  // namespace samsa::server
