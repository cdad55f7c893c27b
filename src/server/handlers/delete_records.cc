#include "server/handlers/delete_records.h"

#include <algorithm>

#include "base/clock.h"
#include "cluster/topic_name.h"
#include "protocol/generated/delete_records_request.h"
#include "protocol/generated/delete_records_response.h"
#include "server/partition_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::delete_records_request;
using protocol::delete_records_response;
using protocol::error_code;

// DeleteRecordsRequest.HIGH_WATERMARK: delete everything consumers can currently read.
constexpr int64_t high_watermark_marker = -1;
// DeleteRecordsResponse.INVALID_LOW_WATERMARK, answered with every error.
const offset invalid_low_watermark{-1};

// One partition of the request, in request order.
struct deletion {
    storage::topic_partition id;
    int64_t requested_offset = 0;
    error_code error = error_code::none;
    offset low_watermark = invalid_low_watermark;
    std::filesystem::path log_dir;  // where the log lives, once deleted from
};

// What the metadata alone says about deleting from this partition: none when the owner shard
// should try. The cleanup policy and the offset are the owner's to check (check_on_owner).
error_code check_locally(const shard_services& services, const deletion& item) {
    const cluster::metadata_image& image = *services.metadata;
    const cluster::topic_metadata* topic = image.find_topic(item.id.topic);
    error_code placement = placement_error(services, topic, item.id.partition);
    if (placement == error_code::unknown_topic_or_partition) {
        return placement;
    }
    if (cluster::is_internal_topic(item.id.topic)) {
        return error_code::invalid_topic_exception;  // "Cannot delete records of internal topic"
    }
    return placement;
}

// In the order of Kafka's Partition.deleteRecordsOnLeader: the topic's effective
// cleanup.policy (LogConfig.delete, as the partition's resolved settings hold it), then the
// offset.
error_code check_on_owner(const cluster::partition& hosted, const deletion& item) {
    if (!hosted.settings().log.deletes) {
        return error_code::policy_violation;
    }
    if (item.requested_offset < 0 && item.requested_offset != high_watermark_marker) {
        return error_code::offset_out_of_range;
    }
    return error_code::none;
}

// On the partition's owner shard: moves the log start offset and deletes the segments below.
void delete_on_owner(cluster::partition_manager& manager, deletion& item, int64_t now_ms) {
    serving_partition serving = find_serving(manager, item.id);
    if (serving.partition == nullptr) {
        item.error = serving.error;
        return;
    }
    cluster::partition& hosted = *serving.partition;
    item.error = check_on_owner(hosted, item);
    if (item.error != error_code::none) {
        return;
    }
    offset target = item.requested_offset == high_watermark_marker ? hosted.high_watermark()
                                                                   : offset(item.requested_offset);
    offset start_before = hosted.log_start_offset();
    auto moved = hosted.log().delete_records_before(target, now_ms);
    if (!moved) {
        log::info("DeleteRecords on {}-{} to offset {}: {}", item.id.topic,
                  item.id.partition.value(), target.value(), moved.error().message);
        item.error = error_for(moved.error());
        return;
    }
    if (moved.value() != start_before) {
        log::info("DeleteRecords: log start offset of {}-{} moved from {} to {}", item.id.topic,
                  item.id.partition.value(), start_before.value(), moved.value().value());
    }
    item.low_watermark = moved.value();
    item.log_dir = hosted.log_dir();
}

// Writes the new starts into the log-start-offset-checkpoint before anything is answered.
asio::awaitable<void> persist_starts(shard_services& services, std::vector<deletion>& deletions) {
    if (services.logs == nullptr) {
        co_return;
    }
    std::vector<storage::log_offsets> moved;
    for (const deletion& item : deletions) {
        if (item.error == error_code::none) {
            moved.push_back({.partition = item.id,
                             .log_dir = item.log_dir,
                             .recovery_point = offset(0),  // not written by this call
                             .log_start_offset = item.low_watermark});
        }
    }
    if (moved.empty()) {
        co_return;
    }
    auto persisting = services.logs->persist_log_start_offsets_in_background(std::move(moved));
    std::optional<storage::storage_error> problem = co_await std::move(persisting);
    if (!problem) {
        co_return;
    }
    log::error("DeleteRecords: writing the log start offset checkpoint: {}", problem->message);
    for (deletion& item : deletions) {
        if (item.error == error_code::none) {
            item.error = error_code::kafka_storage_error;
            item.low_watermark = invalid_low_watermark;
        }
    }
}

asio::awaitable<delete_records_response> handle_delete_records(request_context& context,
                                                               delete_records_request& request) {
    shard_services& services = context.services;
    std::vector<deletion> deletions;
    std::vector<std::size_t> to_delete;
    for (const auto& topic : request.topics) {
        for (const auto& partition : topic.partitions) {
            deletion item{.id = {topic.name, partition.partition_index},
                          .requested_offset = partition.offset.value()};
            item.error = check_locally(services, item);
            if (item.error == error_code::none) {
                to_delete.push_back(deletions.size());
            }
            deletions.push_back(std::move(item));
        }
    }
    const int64_t now_ms = wall_clock_ms();
    auto partition_of = [&deletions](std::size_t index) { return deletions[index].id; };
    auto delete_up_to = [&deletions, now_ms](cluster::partition_manager& manager,
                                             std::size_t index) {
        delete_on_owner(manager, deletions[index], now_ms);
    };
    co_await visit_on_owners(services, to_delete, partition_of, delete_up_to);
    co_await persist_starts(services, deletions);

    delete_records_response response;
    std::size_t next = 0;
    for (const auto& topic : request.topics) {
        auto& answer = response.topics.emplace_back();
        answer.name = topic.name;
        for (const auto& partition : topic.partitions) {
            const deletion& item = deletions[next++];
            answer.partitions.push_back({.partition_index = partition.partition_index,
                                         .low_watermark = item.low_watermark,
                                         .error_code = item.error});
        }
    }
    co_return response;
}

}  // namespace

api_handler make_delete_records_handler() {
    return make_handler<protocol::message_traits<delete_records_request>::api_key>(
        protocol::message_traits<delete_records_request>::min_version,
        protocol::message_traits<delete_records_request>::max_version, handle_delete_records);
}

}  // namespace samsa::server::handlers
