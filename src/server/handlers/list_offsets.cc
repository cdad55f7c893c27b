#include "server/handlers/list_offsets.h"

#include "protocol/generated/list_offsets_request.h"
#include "protocol/generated/list_offsets_response.h"
#include "server/partition_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::list_offsets_request;
using protocol::list_offsets_response;
using partition_answer = list_offsets_response::list_offsets_partition_response;

constexpr int64_t latest_timestamp = -1;
constexpr int64_t earliest_timestamp = -2;
constexpr int64_t max_timestamp = -3;
constexpr int64_t earliest_local_timestamp = -4;
constexpr int16_t first_version_with_max_timestamp = 7;
constexpr int16_t first_version_with_earliest_local = 8;
constexpr int16_t first_version_with_leader_epoch = 4;
constexpr int8_t read_committed = 1;

struct lookup {
    storage::topic_partition id;
    leader_epoch current_leader_epoch{-1};
    int64_t timestamp = 0;
};

struct found_offset {
    error_code error = error_code::none;
    int64_t timestamp = -1;
    offset position{-1};
    leader_epoch epoch{-1};
};

found_offset look_up_on_owner(cluster::partition_manager& manager, const lookup& wanted,
                              bool committed_only) {
    serving_partition serving = find_serving(manager, wanted.id, wanted.current_leader_epoch);
    if (serving.partition == nullptr) {
        return {.error = serving.error};
    }
    const cluster::partition* hosted = serving.partition.get();
    const storage::partition_log& log = hosted->log();
    offset fetchable = committed_only ? hosted->last_stable_offset() : hosted->high_watermark();
    auto epoch_of = [&log](offset at) {
        return log.epochs().epoch_for_offset(at).value_or(leader_epoch(-1));
    };
    switch (wanted.timestamp) {
        case earliest_timestamp:
        case earliest_local_timestamp:
            return {.position = hosted->log_start_offset(),
                    .epoch = epoch_of(hosted->log_start_offset())};
        case latest_timestamp:
            // The epoch of the last record below the offset, as Kafka answers.
            return {.position = fetchable,
                    .epoch = fetchable.value() > 0
                                 ? epoch_of(offset(fetchable.value() - 1))
                                 : log.epochs().latest_epoch().value_or(leader_epoch(-1))};
        default:
            break;
    }
    int64_t target = wanted.timestamp == max_timestamp ? log.max_timestamp_ms() : wanted.timestamp;
    if (target < 0) {
        return {};
    }
    auto located = log.offset_for_timestamp(target);
    if (!located) {
        return {.error = error_for(located.error())};
    }
    if (!located.value() || located.value()->position >= fetchable) {
        return {};
    }
    return {.timestamp = located.value()->timestamp_ms,
            .position = located.value()->position,
            .epoch = epoch_of(located.value()->position)};
}

// Whether this version may ask for the special timestamp (Kafka refuses newer ones with
// UNSUPPORTED_VERSION).
bool timestamp_allowed(int64_t timestamp, int16_t version) {
    if (timestamp == max_timestamp) {
        return version >= first_version_with_max_timestamp;
    }
    if (timestamp == earliest_local_timestamp) {
        return version >= first_version_with_earliest_local;
    }
    return timestamp >= earliest_timestamp;
}

asio::awaitable<list_offsets_response> list_offsets(request_context& context,
                                                    list_offsets_request& request) {
    shard_services& services = context.services;
    const int16_t version = context.api_version;
    const bool committed_only = request.isolation_level == read_committed;
    std::vector<lookup> lookups;
    std::vector<found_offset> found;
    std::vector<std::size_t> to_look_up;
    for (const auto& topic : request.topics) {
        const cluster::topic_metadata* known = services.metadata->find_topic(topic.name);
        for (const auto& partition : topic.partitions) {
            error_code error = placement_error(services, known, partition.partition_index);
            if (error == error_code::none && !timestamp_allowed(partition.timestamp, version)) {
                error = error_code::unsupported_version;
            }
            if (error == error_code::none) {
                to_look_up.push_back(lookups.size());
            }
            lookups.push_back({.id = {topic.name, partition.partition_index},
                               .current_leader_epoch = partition.current_leader_epoch,
                               .timestamp = partition.timestamp});
            found.push_back({.error = error});
        }
    }
    auto partition_of = [&lookups](std::size_t index) { return lookups[index].id; };
    auto look_up = [&lookups, &found, committed_only](cluster::partition_manager& manager,
                                                      std::size_t index) {
        found[index] = look_up_on_owner(manager, lookups[index], committed_only);
    };
    co_await visit_on_owners(services, to_look_up, partition_of, look_up);

    list_offsets_response response;
    std::size_t next = 0;
    for (const auto& topic : request.topics) {
        auto& answer = response.topics.emplace_back();
        answer.name = topic.name;
        for (const auto& partition : topic.partitions) {
            const found_offset& result = found[next++];
            partition_answer entry{.partition_index = partition.partition_index,
                                   .error_code = result.error};
            if (version == 0) {
                if (result.error == error_code::none && result.position.value() >= 0) {
                    entry.old_style_offsets.push_back(result.position.value());
                }
            } else {
                entry.timestamp = result.timestamp;
                entry.offset = result.position;
                if (version >= first_version_with_leader_epoch) {
                    entry.leader_epoch = result.epoch;
                }
            }
            answer.partitions.push_back(std::move(entry));
        }
    }
    co_return response;
}

}  // namespace

api_handler make_list_offsets_handler() {
    return make_handler<protocol::message_traits<list_offsets_request>::api_key>(
        protocol::message_traits<list_offsets_request>::min_version,
        protocol::message_traits<list_offsets_request>::max_version, list_offsets);
}

}  // namespace samsa::server::handlers
