#include "server/handlers/offsets.h"

#include <map>

#include "base/clock.h"
#include "protocol/generated/offset_commit_request.h"
#include "protocol/generated/offset_commit_response.h"
#include "protocol/generated/offset_delete_request.h"
#include "protocol/generated/offset_delete_response.h"
#include "protocol/generated/offset_fetch_request.h"
#include "protocol/generated/offset_fetch_response.h"
#include "server/group_access.h"
#include "server/handlers/commit_answers.h"
#include "server/partition_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::offset_commit_request;
using protocol::offset_commit_response;
using protocol::offset_fetch_request;
using protocol::offset_fetch_response;

constexpr int16_t first_commit_version_with_generation = 1;
constexpr int16_t first_commit_version_with_retention = 2;
constexpr int16_t first_commit_version_without_retention = 5;
constexpr int16_t first_fetch_version_with_groups = 8;

// The response with every partition of the request answered `error`.
offset_commit_response refuse_all(const offset_commit_request& request, error_code error) {
    offset_commit_response response;
    for (const auto& topic : request.topics) {
        auto& answer = response.topics.emplace_back();
        answer.name = topic.name;
        for (const auto& partition : topic.partitions) {
            answer.partitions.push_back(
                {.partition_index = partition.partition_index, .error_code = error});
        }
    }
    return response;
}

asio::awaitable<offset_commit_response> offset_commit(request_context& context,
                                                      offset_commit_request& request) {
    auto route = route_group(context.services, request.group_id);
    if (!route) {
        co_return refuse_all(request, route.error());
    }
    int64_t now_ms = wall_clock_ms();
    std::optional<int64_t> expire_ms;
    if (context.api_version >= first_commit_version_with_retention &&
        context.api_version < first_commit_version_without_retention &&
        request.retention_time_ms != -1) {
        expire_ms = now_ms + request.retention_time_ms;
    }
    std::vector<std::pair<coordinator::topic_partition, coordinator::offset_and_metadata>> offsets;
    // Partitions of unknown topics are refused here; the rest go to the coordinator.
    std::map<coordinator::topic_partition, error_code> refused;
    for (const auto& topic : request.topics) {
        for (const auto& partition : topic.partitions) {
            coordinator::topic_partition id{topic.name, partition.partition_index};
            if (!partition_exists(*context.services.metadata, topic.name,
                                  partition.partition_index)) {
                refused[id] = error_code::unknown_topic_or_partition;
                continue;
            }
            int64_t committed_at =
                partition.commit_timestamp == -1 ? now_ms : partition.commit_timestamp;
            offsets.emplace_back(id, coordinator::offset_and_metadata{
                                         .committed_offset = partition.committed_offset,
                                         .committed_leader_epoch = partition.committed_leader_epoch,
                                         .metadata = partition.committed_metadata.value_or(""),
                                         .commit_timestamp_ms = committed_at,
                                         .expire_timestamp_ms = expire_ms});
        }
    }
    bool versioned = context.api_version >= first_commit_version_with_generation;
    coordinator::commit_identity identity{
        .member_id = versioned ? request.member_id : std::string(),
        .group_instance_id = request.group_instance_id,
        .generation_id = versioned ? request.generation_id_or_member_epoch : -1};
    auto call =
        [group_id = request.group_id, identity = std::move(identity), offsets = std::move(offsets),
         partition = route.value().partition](coordinator::group_coordinator& groups) mutable {
            return groups.commit_offsets(partition, std::move(group_id), std::move(identity),
                                         std::move(offsets));
        };
    std::vector<coordinator::commit_outcome> outcomes =
        co_await on_coordinator(context.services, route.value(), std::move(call));
    for (const auto& outcome : outcomes) {
        refused[outcome.partition] = outcome.error;
    }
    co_return answer_commit<offset_commit_response>(request.topics, refused);
}

// A plain function, not a coroutine: g++ 12 destroys a coroutine's parameter moved into a
// lambda capture twice (metadata_publisher.cc).
asio::awaitable<coordinator::fetch_outcome> fetch_on_coordinator(
    shard_services& services, const group_route& route, std::string group_id,
    std::optional<std::vector<coordinator::topic_partition>> partitions, bool require_stable) {
    auto stability = require_stable ? coordinator::fetch_stability::require_stable
                                    : coordinator::fetch_stability::any;
    auto call = [group_id = std::move(group_id), partitions = std::move(partitions), stability,
                 partition = route.partition](coordinator::group_coordinator& groups) mutable {
        return groups.fetch_offsets(partition, std::move(group_id), std::move(partitions),
                                    stability);
    };
    return on_coordinator(services, route, std::move(call));
}

// One group's committed offsets, or the error that stands for all of them.
asio::awaitable<coordinator::fetch_outcome> fetch_group(
    request_context& context, const std::string& group_id,
    std::optional<std::vector<coordinator::topic_partition>>& partitions, bool require_stable) {
    auto route = route_group(context.services, group_id);
    if (!route) {
        co_return coordinator::fetch_outcome{.error = route.error()};
    }
    // Made first, outside the co_await: its arguments are gone before the suspension.
    auto fetching = fetch_on_coordinator(context.services, route.value(), group_id,
                                         std::move(partitions), require_stable);
    co_return co_await std::move(fetching);
}

template <typename Topic>
std::optional<std::vector<coordinator::topic_partition>> requested_partitions(
    const std::optional<std::vector<Topic>>& topics) {
    if (!topics) {
        return std::nullopt;
    }
    std::vector<coordinator::topic_partition> partitions;
    for (const auto& topic : *topics) {
        for (partition_id index : topic.partition_indexes) {
            partitions.push_back({topic.name, index});
        }
    }
    return partitions;
}

// Fills topics (of the v0-7 or the v8+ shape) from an outcome, in topic order.
template <typename TopicAnswer>
void fill_topics(const coordinator::fetch_outcome& outcome, std::vector<TopicAnswer>& topics) {
    std::map<std::string, std::size_t> index_of;
    for (const auto& fetched : outcome.offsets) {
        auto [found, added] = index_of.try_emplace(fetched.partition.topic, topics.size());
        if (added) {
            topics.emplace_back().name = fetched.partition.topic;
        }
        auto& partition = topics[found->second].partitions.emplace_back();
        partition.partition_index = fetched.partition.partition;
        partition.committed_offset = fetched.committed_offset;
        partition.committed_leader_epoch = fetched.committed_leader_epoch;
        partition.metadata = fetched.metadata;
        partition.error_code = fetched.error;
    }
}

asio::awaitable<offset_fetch_response> offset_fetch(request_context& context,
                                                    offset_fetch_request& request) {
    offset_fetch_response response;
    if (context.api_version >= first_fetch_version_with_groups) {
        for (const auto& group : request.groups) {
            // Named first: g++ 12 destroys a temporary coroutine argument twice.
            auto partitions = requested_partitions(group.topics);
            coordinator::fetch_outcome outcome =
                co_await fetch_group(context, group.group_id, partitions, request.require_stable);
            auto& answer = response.groups.emplace_back();
            answer.group_id = group.group_id;
            answer.error_code = outcome.error;
            fill_topics(outcome, answer.topics);
        }
        co_return response;
    }
    auto partitions = requested_partitions(request.topics);
    coordinator::fetch_outcome outcome =
        co_await fetch_group(context, request.group_id, partitions, request.require_stable);
    response.error_code = outcome.error;
    fill_topics(outcome, response.topics);
    if (outcome.error != error_code::none && request.topics) {
        // v0-1 have no top-level error: every partition asked for carries it.
        for (const auto& topic : *request.topics) {
            auto& answer = response.topics.emplace_back();
            answer.name = topic.name;
            for (partition_id index : topic.partition_indexes) {
                answer.partitions.push_back({.partition_index = index,
                                             .committed_offset = offset(-1),
                                             .error_code = outcome.error});
            }
        }
    }
    co_return response;
}

asio::awaitable<protocol::offset_delete_response> offset_delete(
    request_context& context, protocol::offset_delete_request& request) {
    protocol::offset_delete_response response;
    std::vector<coordinator::topic_partition> partitions;
    for (const auto& topic : request.topics) {
        for (const auto& partition : topic.partitions) {
            partitions.push_back({topic.name, partition.partition_index});
        }
    }
    auto route = route_group(context.services, request.group_id);
    if (!route) {
        response.error_code = route.error();
    } else {
        auto call = [group_id = request.group_id, partitions = std::move(partitions),
                     partition =
                         route.value().partition](coordinator::group_coordinator& groups) mutable {
            return groups.delete_offsets(partition, std::move(group_id), std::move(partitions));
        };
        response.error_code =
            co_await on_coordinator(context.services, route.value(), std::move(call));
    }
    if (response.error_code != error_code::none) {
        co_return response;  // Kafka answers a request-level error without partitions
    }
    for (const auto& topic : request.topics) {
        auto& answer = response.topics.emplace_back();
        answer.name = topic.name;
        for (const auto& partition : topic.partitions) {
            error_code error =
                partition_exists(*context.services.metadata, topic.name, partition.partition_index)
                    ? error_code::none
                    : error_code::unknown_topic_or_partition;
            answer.partitions.push_back(
                {.partition_index = partition.partition_index, .error_code = error});
        }
    }
    co_return response;
}

}  // namespace

api_handler make_offset_commit_handler() {
    return make_handler<protocol::message_traits<offset_commit_request>::api_key>(0, 9,
                                                                                  offset_commit);
}

api_handler make_offset_fetch_handler() {
    return make_handler<protocol::message_traits<offset_fetch_request>::api_key>(0, 9,
                                                                                 offset_fetch);
}

api_handler make_offset_delete_handler() {
    return make_handler<protocol::message_traits<protocol::offset_delete_request>::api_key>(
        0, 0, offset_delete);
}

}  // namespace samsa::server::handlers
