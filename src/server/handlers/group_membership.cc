#include "server/handlers/group_membership.h"

#include "protocol/generated/heartbeat_request.h"
#include "protocol/generated/heartbeat_response.h"
#include "protocol/generated/join_group_request.h"
#include "protocol/generated/join_group_response.h"
#include "protocol/generated/leave_group_request.h"
#include "protocol/generated/leave_group_response.h"
#include "protocol/generated/sync_group_request.h"
#include "protocol/generated/sync_group_response.h"
#include "server/group_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;

constexpr int16_t first_join_version_with_rebalance_timeout = 1;
constexpr int16_t first_join_version_requiring_member_id = 4;
constexpr int16_t first_join_version_with_nullable_protocol_name = 7;
constexpr int16_t first_join_version_with_skip_assignment = 9;
constexpr int16_t first_leave_version_with_batch = 3;

// Kafka's client host: the peer address with a leading slash, without the port.
std::string client_host(const connection_info& connection) {
    std::string_view peer = connection.peer;
    std::size_t colon = peer.rfind(':');
    return "/" + std::string(colon == std::string_view::npos ? peer : peer.substr(0, colon));
}

// Where a membership request goes. Kafka refuses an empty group id for these four APIs
// (INVALID_GROUP_ID); the others accept it.
result<group_route, error_code> route_member_request(const shard_services& services,
                                                     const std::string& group_id) {
    if (group_id.empty()) {
        return failure{error_code::invalid_group_id};
    }
    return route_group(services, group_id);
}

coordinator::join_request to_join(const request_context& context,
                                  const protocol::join_group_request& request) {
    coordinator::join_request join{
        .member_id = request.member_id,
        .group_instance_id = request.group_instance_id,
        .protocol_type = request.protocol_type,
        .session_timeout_ms = request.session_timeout_ms,
        .rebalance_timeout_ms = context.api_version >= first_join_version_with_rebalance_timeout
                                    ? request.rebalance_timeout_ms
                                    : request.session_timeout_ms,
        .client_id = context.client_id.value_or(""),
        .client_host = client_host(context.connection),
        .member_ids = context.api_version >= first_join_version_requiring_member_id
                          ? coordinator::member_id_policy::require_known_member_id
                          : coordinator::member_id_policy::assign_on_join,
        .skip_assignment = context.api_version >= first_join_version_with_skip_assignment
                               ? coordinator::skip_assignment_support::supported
                               : coordinator::skip_assignment_support::unsupported};
    for (const auto& each : request.protocols) {
        join.protocols.push_back({.name = each.name, .metadata = each.metadata});
    }
    return join;
}

protocol::join_group_response to_wire(coordinator::join_response answer, int16_t version) {
    protocol::join_group_response response;
    response.error_code = answer.error;
    response.generation_id = answer.generation_id;
    response.protocol_type = std::move(answer.protocol_type);
    response.protocol_name = std::move(answer.protocol_name);
    if (version < first_join_version_with_nullable_protocol_name && !response.protocol_name) {
        response.protocol_name = "";
    }
    response.leader = std::move(answer.leader_id);
    response.skip_assignment = answer.skip_assignment;
    response.member_id = std::move(answer.member_id);
    for (auto& member : answer.members) {
        response.members.push_back({.member_id = std::move(member.member_id),
                                    .group_instance_id = std::move(member.group_instance_id),
                                    .metadata = std::move(member.metadata)});
    }
    return response;
}

// A plain function, not a coroutine: g++ 12 destroys a coroutine's parameter moved into a
// lambda capture twice (metadata_publisher.cc), and warns falsely (mismatched-new-delete)
// when this is part of join_group's frame.
asio::awaitable<coordinator::join_response> join_on_coordinator(shard_services& services,
                                                                const group_route& route,
                                                                std::string group_id,
                                                                coordinator::join_request request) {
    auto join = [group_id = std::move(group_id), request = std::move(request),
                 partition = route.partition](coordinator::group_coordinator& groups) mutable {
        return groups.join_group(partition, std::move(group_id), std::move(request));
    };
    return on_coordinator(services, route, std::move(join));
}

asio::awaitable<protocol::join_group_response> join_group(request_context& context,
                                                          protocol::join_group_request& request) {
    auto route = route_member_request(context.services, request.group_id);
    if (!route) {
        co_return to_wire(coordinator::join_response::failed(request.member_id, route.error()),
                          context.api_version);
    }
    // Made first, outside the co_await: its arguments are gone before the suspension.
    auto joining = join_on_coordinator(context.services, route.value(), request.group_id,
                                       to_join(context, request));
    coordinator::join_response answer = co_await std::move(joining);
    co_return to_wire(std::move(answer), context.api_version);
}

asio::awaitable<protocol::sync_group_response> sync_group(request_context& context,
                                                          protocol::sync_group_request& request) {
    protocol::sync_group_response response;
    auto route = route_member_request(context.services, request.group_id);
    if (!route) {
        response.error_code = route.error();
        co_return response;
    }
    coordinator::sync_request sync{.member_id = request.member_id,
                                   .group_instance_id = request.group_instance_id,
                                   .generation_id = request.generation_id,
                                   .protocol_type = request.protocol_type,
                                   .protocol_name = request.protocol_name};
    for (auto& each : request.assignments) {
        sync.assignments.push_back(
            {.member_id = std::move(each.member_id), .assignment = std::move(each.assignment)});
    }
    auto call = [group_id = request.group_id, sync = std::move(sync),
                 partition =
                     route.value().partition](coordinator::group_coordinator& groups) mutable {
        return groups.sync_group(partition, std::move(group_id), std::move(sync));
    };
    coordinator::sync_response answer =
        co_await on_coordinator(context.services, route.value(), std::move(call));
    response.error_code = answer.error;
    response.protocol_type = std::move(answer.protocol_type);
    response.protocol_name = std::move(answer.protocol_name);
    response.assignment = std::move(answer.assignment);
    co_return response;
}

asio::awaitable<protocol::heartbeat_response> heartbeat(request_context& context,
                                                        protocol::heartbeat_request& request) {
    protocol::heartbeat_response response;
    auto route = route_member_request(context.services, request.group_id);
    if (!route) {
        response.error_code = route.error();
        co_return response;
    }
    auto call =
        [group_id = request.group_id,
         beat = coordinator::heartbeat_request{.member_id = request.member_id,
                                               .group_instance_id = request.group_instance_id,
                                               .generation_id = request.generation_id},
         partition = route.value().partition](coordinator::group_coordinator& groups) mutable {
            return groups.heartbeat(partition, std::move(group_id), std::move(beat));
        };
    response.error_code = co_await on_coordinator(context.services, route.value(), std::move(call));
    co_return response;
}

coordinator::leave_request to_leave(const request_context& context,
                                    const protocol::leave_group_request& request) {
    coordinator::leave_request leave;
    if (context.api_version < first_leave_version_with_batch) {
        leave.members.push_back({.member_id = request.member_id});
        return leave;
    }
    for (const auto& member : request.members) {
        leave.members.push_back(
            {.member_id = member.member_id, .group_instance_id = member.group_instance_id});
    }
    return leave;
}

asio::awaitable<protocol::leave_group_response> leave_group(
    request_context& context, protocol::leave_group_request& request) {
    protocol::leave_group_response response;
    auto route = route_member_request(context.services, request.group_id);
    if (!route) {
        response.error_code = route.error();
        co_return response;
    }
    auto call = [group_id = request.group_id, leave = to_leave(context, request),
                 partition =
                     route.value().partition](coordinator::group_coordinator& groups) mutable {
        return groups.leave_group(partition, std::move(group_id), std::move(leave));
    };
    coordinator::leave_response answer =
        co_await on_coordinator(context.services, route.value(), std::move(call));
    response.error_code = answer.error;
    if (context.api_version < first_leave_version_with_batch) {
        // One member: its own error is the response's.
        if (answer.error == error_code::none && !answer.members.empty()) {
            response.error_code = answer.members.front().error;
        }
        co_return response;
    }
    for (auto& member : answer.members) {
        response.members.push_back({.member_id = std::move(member.member_id),
                                    .group_instance_id = std::move(member.group_instance_id),
                                    .error_code = member.error});
    }
    co_return response;
}

}  // namespace

api_handler make_join_group_handler() {
    return make_handler<protocol::message_traits<protocol::join_group_request>::api_key>(
        0, 9, join_group);
}

api_handler make_sync_group_handler() {
    return make_handler<protocol::message_traits<protocol::sync_group_request>::api_key>(
        0, 5, sync_group);
}

api_handler make_heartbeat_handler() {
    return make_handler<protocol::message_traits<protocol::heartbeat_request>::api_key>(0, 4,
                                                                                        heartbeat);
}

api_handler make_leave_group_handler() {
    return make_handler<protocol::message_traits<protocol::leave_group_request>::api_key>(
        0, 5, leave_group);
}

}  // namespace samsa::server::handlers
