#include "server/transaction_state_topic.h"

#include <algorithm>

#include "coordinator/group_partition.h"
#include "coordinator/transaction_coordinator.h"

namespace samsa::server {

std::optional<group_placement> place_transaction(const cluster::metadata_image& image,
                                                 std::string_view transactional_id) {
    const cluster::topic_metadata* topic = image.find_topic(coordinator::transaction_state_topic);
    if (topic == nullptr || topic->partitions.empty()) {
        return std::nullopt;
    }
    // Kafka's TransactionStateManager.partitionFor: the same Java hash as groups use.
    partition_id index = coordinator::group_partition(
        transactional_id, static_cast<int32_t>(topic->partitions.size()));
    const cluster::partition_metadata& partition =
        topic->partitions[static_cast<std::size_t>(index.value())];
    return group_placement{.partition = partition.partition, .coordinator = partition.leader};
}

asio::awaitable<protocol::error_code> create_transaction_state_topic(shard_services& services) {
    if (services.admin == nullptr) {
        co_return protocol::error_code::coordinator_not_available;
    }
    const transaction_log_settings& settings = services.settings.transactions;
    auto brokers =
        static_cast<int16_t>(std::max<std::size_t>(1, services.metadata->brokers().size()));
    std::vector<cluster::topic_request> requests(1);
    requests[0] = {.name = std::string(coordinator::transaction_state_topic),
                   .num_partitions = settings.num_partitions,
                   .replication_factor = std::min(settings.replication_factor, brokers),
                   .configs = {{"cleanup.policy", "compact"},
                               {"compression.type", "uncompressed"},
                               {"segment.bytes", std::to_string(settings.segment_bytes)}}};
    auto outcomes = co_await services.admin->create_topics(std::move(requests), false);
    protocol::error_code error = outcomes.front().error;
    if (error == protocol::error_code::topic_already_exists) {
        co_return protocol::error_code::none;
    }
    co_return error;
}

}  // namespace samsa::server
