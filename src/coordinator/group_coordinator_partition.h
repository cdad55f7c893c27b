#pragma once

// Private to the group coordinator's sources (group_coordinator*.cc): the state of one
// __consumer_offsets partition this shard has loaded, or is loading. Owned by the shard's
// group_coordinator and touched only on that shard.

#include <map>
#include <memory>
#include <string>

#include "cluster/topic_name.h"
#include "coordinator/group.h"
#include "coordinator/group_coordinator.h"
#include "coordinator/offset_store.h"
#include "runtime/async_event.h"

namespace samsa::coordinator {

inline storage::topic_partition offsets_partition(partition_id partition) {
    return {std::string(cluster::consumer_offsets_topic), partition};
}

struct group_coordinator::loaded_partition {
    loaded_partition(partition_id id, const asio::any_io_executor& executor)
        : id(id), loaded(executor) {}

    partition_id id;
    bool loading = true;
    runtime::async_event loaded;
    offset_store offsets;
    std::map<std::string, std::unique_ptr<group>, std::less<>> groups;
};

}  // namespace samsa::coordinator
