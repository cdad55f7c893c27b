#pragma once

// What one shard of the broker owns besides its connections: the context its handlers
// use, its file I/O, and the partitions placed on it (cluster/placement.h). Created before
// the shards run, used only on its shard afterwards, destroyed after they stop.

#include <memory>

#include "broker/producer_id_pool.h"
#include "cluster/partition_manager.h"
#include "coordinator/group_coordinator.h"
#include "coordinator/transaction_coordinator.h"
#include "runtime/file_io.h"
#include "server/fetch_purgatory.h"
#include "server/fetch_session_cache.h"
#include "server/shard_services.h"
#include "server/transaction_markers.h"

namespace samsa::broker {

struct shard_resources {
    server::shard_services services;
    std::unique_ptr<runtime::file_io> file_io;
    cluster::partition_manager partitions;
    // Made once the shard's executor exists (the broker's start-up).
    std::unique_ptr<server::fetch_purgatory> fetches;
    std::unique_ptr<server::fetch_session_cache> fetch_sessions;
    // The groups of the __consumer_offsets partitions placed on this shard.
    std::unique_ptr<coordinator::group_coordinator> groups;
    // The transactions of the __transaction_state partitions placed on this shard, and how
    // they write markers (through this shard's services).
    std::unique_ptr<server::shard_marker_writer> marker_writer;
    std::unique_ptr<coordinator::transaction_coordinator> transactions;
    // Producer ids for this shard's InitProducerId requests.
    std::unique_ptr<producer_id_pool> producer_ids;
};

}  // namespace samsa::broker
