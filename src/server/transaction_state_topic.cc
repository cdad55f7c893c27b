#include "server/transaction_state_topic.h"

#include "coordinator/transaction_coordinator.h"

namespace samsa::server {

std::optional<group_placement> place_transaction(const cluster::metadata_image& image,
                                                 std::string_view transactional_id) {
    // Kafka's TransactionStateManager.partitionFor: the same Java hash as groups use.
    return place_by_key(image, coordinator::transaction_state_topic, transactional_id);
}

asio::awaitable<protocol::error_code> create_transaction_state_topic(shard_services& services) {
    const transaction_log_settings& settings = services.settings.transactions;
    return create_internal_topic(services, coordinator::transaction_state_topic,
                                 settings.num_partitions, settings.replication_factor,
                                 {{"cleanup.policy", "compact"},
                                  {"compression.type", "uncompressed"},
                                  {"segment.bytes", std::to_string(settings.segment_bytes)}});
}

}  // namespace samsa::server
