#include "server/handlers/txn_offset_commit.h"

#include <map>

#include "base/clock.h"
#include "protocol/generated/txn_offset_commit_request.h"
#include "protocol/generated/txn_offset_commit_response.h"
#include "server/group_access.h"
#include "server/handlers/commit_answers.h"
#include "server/partition_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::txn_offset_commit_request;
using protocol::txn_offset_commit_response;

constexpr int16_t first_version_with_member_fields = 3;

// The error every partition the coordinator would see gets before it is asked, if any.
std::optional<error_code> request_error(const txn_offset_commit_request& request) {
    if (request.group_id.empty()) {
        // Kafka accepts an empty group id only for OffsetCommit, OffsetFetch and the admin
        // APIs; a transaction's group must be a real one.
        return error_code::invalid_group_id;
    }
    if (request.producer_id.value() < 0) {
        return error_code::invalid_producer_id_mapping;
    }
    if (request.producer_epoch.value() < 0) {
        return error_code::invalid_producer_epoch;
    }
    return std::nullopt;
}

coordinator::transactional_commit to_commit(
    const request_context& context, const txn_offset_commit_request& request,
    std::map<coordinator::topic_partition, error_code>& refused) {
    bool with_member = context.api_version >= first_version_with_member_fields;
    coordinator::transactional_commit commit{
        .producer = request.producer_id,
        .epoch = request.producer_epoch,
        .identity = {.member_id = with_member ? request.member_id : std::string(),
                     .group_instance_id =
                         with_member ? request.group_instance_id : std::optional<std::string>(),
                     .generation_id = with_member ? request.generation_id : -1},
        .offsets = {}};
    int64_t now_ms = wall_clock_ms();
    for (const auto& topic : request.topics) {
        for (const auto& partition : topic.partitions) {
            coordinator::topic_partition id{topic.name, partition.partition_index};
            if (!partition_exists(*context.services.metadata, topic.name,
                                  partition.partition_index)) {
                refused[id] = error_code::unknown_topic_or_partition;
                continue;
            }
            commit.offsets.emplace_back(
                id, coordinator::offset_and_metadata{
                        .committed_offset = partition.committed_offset,
                        .committed_leader_epoch = partition.committed_leader_epoch,
                        .metadata = partition.committed_metadata.value_or(""),
                        .commit_timestamp_ms = now_ms,
                        .expire_timestamp_ms = std::nullopt});
        }
    }
    return commit;
}

// A plain function, not a coroutine: g++ 12 destroys a coroutine's parameter moved into a
// lambda capture twice (metadata_publisher.cc).
asio::awaitable<std::vector<coordinator::commit_outcome>> commit_on_coordinator(
    shard_services& services, const group_route& route, std::string group_id,
    coordinator::transactional_commit commit) {
    auto call = [group_id = std::move(group_id), commit = std::move(commit),
                 partition = route.partition](coordinator::group_coordinator& groups) mutable {
        return groups.commit_transactional_offsets(partition, std::move(group_id),
                                                   std::move(commit));
    };
    return on_coordinator(services, route, std::move(call));
}

asio::awaitable<txn_offset_commit_response> txn_offset_commit(request_context& context,
                                                              txn_offset_commit_request& request) {
    // Partitions of unknown topics are refused here (Kafka's KafkaApis does it before the
    // coordinator); the rest go to the coordinator, or all get the request's error.
    std::map<coordinator::topic_partition, error_code> refused;
    coordinator::transactional_commit commit = to_commit(context, request, refused);
    if (!commit.offsets.empty()) {
        std::optional<error_code> refusal = request_error(request);
        auto route = route_group(context.services, request.group_id);
        if (!refusal && !route) {
            refusal = route.error();
        }
        if (refusal) {
            for (const auto& [id, value] : commit.offsets) {
                refused[id] = *refusal;
            }
        } else {
            // Made first, outside the co_await: its arguments are gone before the suspension.
            auto committing = commit_on_coordinator(context.services, route.value(),
                                                    request.group_id, std::move(commit));
            std::vector<coordinator::commit_outcome> outcomes = co_await std::move(committing);
            for (const auto& outcome : outcomes) {
                refused[outcome.partition] = outcome.error;
            }
        }
    }
    co_return answer_commit<txn_offset_commit_response>(request.topics, refused);
}

}  // namespace

api_handler make_txn_offset_commit_handler() {
    return make_handler<protocol::message_traits<txn_offset_commit_request>::api_key>(
        0, 3, txn_offset_commit);
}

}  // namespace samsa::server::handlers
