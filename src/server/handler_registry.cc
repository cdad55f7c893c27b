#include "server/handler_registry.h"

#include <algorithm>

#include "base/assert.h"
#include "protocol/header_versions.h"
#include "server/handlers/alter_configs.h"
#include "server/handlers/api_versions.h"
#include "server/handlers/client_quotas.h"
#include "server/handlers/create_partitions.h"
#include "server/handlers/create_topics.h"
#include "server/handlers/delete_records.h"
#include "server/handlers/delete_topics.h"
#include "server/handlers/describe_cluster.h"
#include "server/handlers/describe_configs.h"
#include "server/handlers/describe_log_dirs.h"
#include "server/handlers/describe_producers.h"
#include "server/handlers/describe_transactions.h"
#include "server/handlers/elect_leaders.h"
#include "server/handlers/fetch.h"
#include "server/handlers/find_coordinator.h"
#include "server/handlers/group_admin.h"
#include "server/handlers/group_membership.h"
#include "server/handlers/init_producer_id.h"
#include "server/handlers/list_offsets.h"
#include "server/handlers/metadata.h"
#include "server/handlers/offsets.h"
#include "server/handlers/partition_reassignments.h"
#include "server/handlers/produce.h"
#include "server/handlers/transactions.h"
#include "server/handlers/txn_offset_commit.h"
#include "server/handlers/write_txn_markers.h"

namespace samsa::server {

void handler_registry::add(api_handler handler) {
    const protocol::api_descriptor* api = protocol::find_api(handler.api_key);
    SAMSA_ASSERT(api != nullptr, "no schema for api key %d", handler.api_key);
    SAMSA_ASSERT(handler.min_version >= api->min_version &&
                     handler.max_version <= api->max_version &&
                     handler.min_version <= handler.max_version,
                 "%s: versions %d-%d outside the schema's %d-%d", std::string(api->name).c_str(),
                 handler.min_version, handler.max_version, api->min_version, api->max_version);
    auto index = static_cast<std::size_t>(handler.api_key);
    if (by_key_.size() <= index) {
        by_key_.resize(index + 1);
    }
    SAMSA_ASSERT(!by_key_[index].has_value(), "api key %d registered twice", handler.api_key);
    by_key_[index] = std::move(handler);
    served_.clear();
    for (const auto& entry : by_key_) {
        if (entry) {
            served_.push_back(&*entry);
        }
    }
}

const api_handler* handler_registry::find(int16_t api_key) const {
    if (api_key < 0 || static_cast<std::size_t>(api_key) >= by_key_.size() ||
        !by_key_[static_cast<std::size_t>(api_key)]) {
        return nullptr;
    }
    return &*by_key_[static_cast<std::size_t>(api_key)];
}

bool handler_registry::accepts(int16_t api_key, int16_t api_version) const {
    const api_handler* handler = find(api_key);
    if (handler == nullptr) {
        return false;
    }
    if (api_key == protocol::api_versions_key) {
        return true;
    }
    return api_version >= handler->min_version && api_version <= handler->max_version;
}

handler_registry make_default_handler_registry() {
    handler_registry registry;
    registry.add(handlers::make_produce_handler());
    registry.add(handlers::make_fetch_handler());
    registry.add(handlers::make_list_offsets_handler());
    registry.add(handlers::make_find_coordinator_handler());
    registry.add(handlers::make_join_group_handler());
    registry.add(handlers::make_sync_group_handler());
    registry.add(handlers::make_heartbeat_handler());
    registry.add(handlers::make_leave_group_handler());
    registry.add(handlers::make_offset_commit_handler());
    registry.add(handlers::make_offset_fetch_handler());
    registry.add(handlers::make_describe_groups_handler());
    registry.add(handlers::make_list_groups_handler());
    registry.add(handlers::make_delete_groups_handler());
    registry.add(handlers::make_offset_delete_handler());
    registry.add(handlers::make_txn_offset_commit_handler());
    registry.add(handlers::make_api_versions_handler());
    registry.add(handlers::make_metadata_handler());
    registry.add(handlers::make_create_topics_handler());
    registry.add(handlers::make_delete_topics_handler());
    registry.add(handlers::make_create_partitions_handler());
    registry.add(handlers::make_delete_records_handler());
    registry.add(handlers::make_describe_cluster_handler());
    registry.add(handlers::make_describe_log_dirs_handler());
    registry.add(handlers::make_describe_producers_handler());
    registry.add(handlers::make_init_producer_id_handler());
    registry.add(handlers::make_add_partitions_to_txn_handler());
    registry.add(handlers::make_add_offsets_to_txn_handler());
    registry.add(handlers::make_end_txn_handler());
    registry.add(handlers::make_write_txn_markers_handler());
    registry.add(handlers::make_describe_transactions_handler());
    registry.add(handlers::make_list_transactions_handler());
    registry.add(handlers::make_elect_leaders_handler());
    registry.add(handlers::make_alter_partition_reassignments_handler());
    registry.add(handlers::make_list_partition_reassignments_handler());
    registry.add(handlers::make_describe_configs_handler());
    registry.add(handlers::make_alter_configs_handler());
    registry.add(handlers::make_incremental_alter_configs_handler());
    registry.add(handlers::make_describe_client_quotas_handler());
    registry.add(handlers::make_alter_client_quotas_handler());
    return registry;
}

}  // namespace samsa::server
