#include "server/handlers/write_txn_markers.h"

#include "protocol/generated/write_txn_markers_request.h"
#include "protocol/generated/write_txn_markers_response.h"
#include "server/transaction_markers.h"

namespace samsa::server::handlers {
namespace {

using protocol::write_txn_markers_request;
using protocol::write_txn_markers_response;

asio::awaitable<write_txn_markers_response::writable_txn_marker_result> write_one(
    shard_services& services, const write_txn_markers_request::writable_txn_marker& marker) {
    coordinator::transaction_markers markers{
        .pid = marker.producer_id,
        .epoch = marker.producer_epoch,
        .coordinator_epoch = leader_epoch(marker.coordinator_epoch),
        .result = marker.transaction_result ? coordinator::transaction_result::commit
                                            : coordinator::transaction_result::abort};
    for (const auto& topic : marker.topics) {
        for (partition_id partition : topic.partition_indexes) {
            markers.partitions.push_back({.topic = topic.name, .partition = partition});
        }
    }
    std::vector<protocol::error_code> errors =
        co_await write_transaction_markers(services, markers);
    write_txn_markers_response::writable_txn_marker_result result;
    result.producer_id = marker.producer_id;
    std::size_t next = 0;
    for (const auto& topic : marker.topics) {
        auto& answer = result.topics.emplace_back();
        answer.name = topic.name;
        for (partition_id partition : topic.partition_indexes) {
            answer.partitions.push_back(
                {.partition_index = partition, .error_code = errors[next++]});
        }
    }
    co_return result;
}

asio::awaitable<write_txn_markers_response> write_txn_markers(request_context& context,
                                                              write_txn_markers_request& request) {
    write_txn_markers_response response;
    for (const auto& marker : request.markers) {
        response.markers.push_back(co_await write_one(context.services, marker));
    }
    co_return response;
}

}  // namespace

api_handler make_write_txn_markers_handler() {
    return make_handler<protocol::message_traits<write_txn_markers_request>::api_key>(
        protocol::message_traits<write_txn_markers_request>::min_version,
        protocol::message_traits<write_txn_markers_request>::max_version, write_txn_markers);
}

}  // namespace samsa::server::handlers
