#include "server/transaction_markers.h"

#include "base/clock.h"
#include "base/log.h"
#include "cluster/topic_name.h"
#include "protocol/control_record.h"
#include "runtime/when_all.h"
#include "server/group_access.h"
#include "server/partition_access.h"

namespace samsa::server {
namespace {

using protocol::error_code;

storage::topic_partition storage_id(const coordinator::topic_partition& partition) {
    return {partition.topic, partition.partition};
}

// On the partition's owner shard: the epoch checks, the append, the durability wait, and
// for __consumer_offsets the group coordinator's completion of the producer's offsets.
asio::awaitable<error_code> write_on_owner(cluster::partition_manager& manager,
                                           coordinator::group_coordinator* groups,
                                           const coordinator::transaction_markers& markers,
                                           const coordinator::topic_partition& target) {
    serving_partition serving = find_serving(manager, storage_id(target));
    if (serving.partition == nullptr) {
        co_return serving.error;
    }
    cluster::partition& hosted = *serving.partition;
    int32_t coordinator_epoch = markers.coordinator_epoch.value();
    auto checked =
        hosted.log().check_transaction_marker(markers.pid, markers.epoch, coordinator_epoch);
    if (!checked) {
        log::warn("marker for producer {} on {}-{} refused: {}", markers.pid.value(), target.topic,
                  target.partition.value(), checked.error().message);
        co_return checked.error().code;
    }
    bool committed = markers.result == coordinator::transaction_result::commit;
    protocol::transaction_marker marker{
        .type = committed ? protocol::control_type::commit : protocol::control_type::abort,
        .coordinator_epoch = coordinator_epoch};
    int64_t now_ms = wall_clock_ms();
    std::vector<uint8_t> batch =
        protocol::build_transaction_marker_batch(markers.pid, markers.epoch, marker, now_ms);
    auto appended = hosted.append(batch, now_ms);
    if (!appended) {
        co_return error_for(appended.error());
    }
    auto durable =
        co_await hosted.log().wait_durable(offset(appended.value().last_offset.value() + 1));
    if (!durable) {
        co_return error_for(durable.error());
    }
    if (target.topic == cluster::consumer_offsets_topic && groups != nullptr) {
        co_return co_await groups->complete_transaction(target.partition, markers.pid,
                                                        markers.result);
    }
    co_return error_code::none;
}

}  // namespace

asio::awaitable<std::vector<error_code>> write_transaction_markers(
    shard_services& services, const coordinator::transaction_markers& markers) {
    std::vector<error_code> errors(markers.partitions.size(), error_code::none);
    std::vector<std::size_t> to_write;
    for (std::size_t index = 0; index < markers.partitions.size(); ++index) {
        const coordinator::topic_partition& target = markers.partitions[index];
        const cluster::topic_metadata* topic = services.metadata->find_topic(target.topic);
        errors[index] = placement_error(services, topic, target.partition);
        if (errors[index] == error_code::none) {
            to_write.push_back(index);
        }
    }
    auto batches = batch_by_owner(
        services, to_write.size(),
        [&](std::size_t item) { return storage_id(markers.partitions[to_write[item]]); },
        batching::by_owner);
    std::vector<asio::awaitable<void>> writes;
    for (const auto& batch : batches) {
        coordinator::group_coordinator* groups =
            services.groups_by_shard.empty() ? nullptr : services.groups_by_shard.at(batch.owner);
        auto write_batch = [&markers, &errors, &to_write, &items = batch.items,
                            groups](cluster::partition_manager& manager) -> asio::awaitable<void> {
            for (std::size_t item : items) {
                std::size_t index = to_write[item];
                errors[index] =
                    co_await write_on_owner(manager, groups, markers, markers.partitions[index]);
            }
        };
        writes.push_back(on_owner(services, batch.owner, std::move(write_batch)));
    }
    co_await runtime::when_all(std::move(writes));
    co_return errors;
}

asio::awaitable<error_code> shard_marker_writer::write_markers(
    const coordinator::transaction_markers& markers) {
    std::vector<error_code> errors = co_await write_transaction_markers(services_, markers);
    for (std::size_t index = 0; index < errors.size(); ++index) {
        switch (errors[index]) {
            case error_code::none:
            case error_code::unknown_topic_or_partition:
                break;
            case error_code::invalid_producer_epoch:
            case error_code::transaction_coordinator_fenced:
                log::warn("giving up on the marker of transactional id {} for {}-{}: {}",
                          markers.transactional_id, markers.partitions[index].topic,
                          markers.partitions[index].partition.value(),
                          protocol::error_code_name(errors[index]));
                break;
            default:
                co_return errors[index];
        }
    }
    co_return error_code::none;
}

}  // namespace samsa::server
