#include "server/handlers/transactions.h"

#include "coordinator/group_partition.h"
#include "protocol/generated/add_offsets_to_txn_request.h"
#include "protocol/generated/add_offsets_to_txn_response.h"
#include "protocol/generated/add_partitions_to_txn_request.h"
#include "protocol/generated/add_partitions_to_txn_response.h"
#include "protocol/generated/end_txn_request.h"
#include "protocol/generated/end_txn_response.h"
#include "server/partition_access.h"
#include "server/transaction_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::add_offsets_to_txn_request;
using protocol::add_offsets_to_txn_response;
using protocol::add_partitions_to_txn_request;
using protocol::add_partitions_to_txn_response;
using protocol::end_txn_request;
using protocol::end_txn_response;
using protocol::error_code;

// Clients send versions 0-3; version 4 batches transactions for brokers.
constexpr int16_t last_client_version = 3;

add_partitions_to_txn_response answer_every_partition(
    const std::vector<add_partitions_to_txn_request::add_partitions_to_txn_topic>& topics,
    const std::function<error_code(const std::string&, partition_id)>& error_of) {
    add_partitions_to_txn_response response;
    for (const auto& topic : topics) {
        auto& result = response.results_by_topic_v3_and_below.emplace_back();
        result.name = topic.name;
        for (partition_id partition : topic.partitions) {
            result.results_by_partition.push_back(
                {.partition_index = partition,
                 .partition_error_code = error_of(topic.name, partition)});
        }
    }
    return response;
}

asio::awaitable<add_partitions_to_txn_response> add_partitions_to_txn(
    request_context& context, add_partitions_to_txn_request& request) {
    shard_services& services = context.services;
    const auto& topics = request.v3_and_below_topics;
    bool any_unknown = false;
    coordinator::transaction_partitions partitions;
    for (const auto& topic : topics) {
        for (partition_id partition : topic.partitions) {
            bool exists = partition_exists(*services.metadata, topic.name, partition);
            any_unknown = any_unknown || !exists;
            partitions.insert({.topic = topic.name, .partition = partition});
        }
    }
    if (any_unknown) {
        co_return answer_every_partition(topics, [&](const std::string& name, partition_id index) {
            return partition_exists(*services.metadata, name, index)
                       ? error_code::operation_not_attempted
                       : error_code::unknown_topic_or_partition;
        });
    }
    error_code error = error_code::none;
    auto route = route_transaction(services, request.v3_and_below_transactional_id);
    if (!route) {
        error = route.error();
    } else {
        auto call = [id = request.v3_and_below_transactional_id,
                     pid = request.v3_and_below_producer_id,
                     epoch = producer_epoch(request.v3_and_below_producer_epoch),
                     partition = route.value().partition, partitions = std::move(partitions)](
                        coordinator::transaction_coordinator& transactions) mutable {
            return transactions.add_partitions(partition, std::move(id), pid, epoch,
                                               std::move(partitions));
        };
        error = co_await on_transaction_coordinator(services, route.value(), std::move(call));
    }
    error = coordinator::error_for_request_version(
        error, context.api_version, coordinator::add_partitions_to_txn_producer_fenced_version);
    co_return answer_every_partition(topics,
                                     [error](const std::string&, partition_id) { return error; });
}

// The __consumer_offsets partition of a group: the topic's partition count when it exists,
// offsets.topic.num.partitions otherwise (Kafka's GroupCoordinator.partitionFor).
partition_id offsets_partition_of(const shard_services& services, const std::string& group_id) {
    const cluster::topic_metadata* topic =
        services.metadata->find_topic(cluster::consumer_offsets_topic);
    int32_t count = topic != nullptr && !topic->partitions.empty()
                        ? static_cast<int32_t>(topic->partitions.size())
                        : services.settings.groups.offsets_topic_num_partitions;
    return coordinator::group_partition(group_id, count);
}

asio::awaitable<add_offsets_to_txn_response> add_offsets_to_txn(
    request_context& context, add_offsets_to_txn_request& request) {
    shard_services& services = context.services;
    add_offsets_to_txn_response response;
    auto route = route_transaction(services, request.transactional_id);
    if (!route) {
        response.error_code = route.error();
        co_return response;
    }
    auto call = [id = request.transactional_id, pid = request.producer_id,
                 epoch = request.producer_epoch, partition = route.value().partition,
                 offsets = offsets_partition_of(services, request.group_id)](
                    coordinator::transaction_coordinator& transactions) mutable {
        return transactions.add_offsets(partition, std::move(id), pid, epoch, offsets);
    };
    error_code error =
        co_await on_transaction_coordinator(services, route.value(), std::move(call));
    response.error_code = coordinator::error_for_request_version(
        error, context.api_version, coordinator::add_offsets_to_txn_producer_fenced_version);
    co_return response;
}

asio::awaitable<end_txn_response> end_txn(request_context& context, end_txn_request& request) {
    shard_services& services = context.services;
    end_txn_response response;
    auto route = route_transaction(services, request.transactional_id);
    if (!route) {
        response.error_code = route.error();
        co_return response;
    }
    auto call = [id = request.transactional_id, pid = request.producer_id,
                 epoch = request.producer_epoch, partition = route.value().partition,
                 result = request.committed ? coordinator::transaction_result::commit
                                            : coordinator::transaction_result::abort](
                    coordinator::transaction_coordinator& transactions) mutable {
        return transactions.end_transaction(partition, std::move(id), pid, epoch, result);
    };
    error_code error =
        co_await on_transaction_coordinator(services, route.value(), std::move(call));
    response.error_code = coordinator::error_for_request_version(
        error, context.api_version, coordinator::end_txn_producer_fenced_version);
    co_return response;
}

}  // namespace

api_handler make_add_partitions_to_txn_handler() {
    return make_handler<protocol::message_traits<add_partitions_to_txn_request>::api_key>(
        protocol::message_traits<add_partitions_to_txn_request>::min_version, last_client_version,
        add_partitions_to_txn);
}

api_handler make_add_offsets_to_txn_handler() {
    return make_handler<protocol::message_traits<add_offsets_to_txn_request>::api_key>(
        protocol::message_traits<add_offsets_to_txn_request>::min_version,
        protocol::message_traits<add_offsets_to_txn_request>::max_version, add_offsets_to_txn);
}

api_handler make_end_txn_handler() {
    return make_handler<protocol::message_traits<end_txn_request>::api_key>(
        protocol::message_traits<end_txn_request>::min_version,
        protocol::message_traits<end_txn_request>::max_version, end_txn);
}

}  // namespace samsa::server::handlers
