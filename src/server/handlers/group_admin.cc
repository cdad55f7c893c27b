#include "server/handlers/group_admin.h"

#include <algorithm>
#include <cctype>

#include "protocol/generated/delete_groups_request.h"
#include "protocol/generated/delete_groups_response.h"
#include "protocol/generated/describe_groups_request.h"
#include "protocol/generated/describe_groups_response.h"
#include "protocol/generated/list_groups_request.h"
#include "protocol/generated/list_groups_response.h"
#include "server/group_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;

constexpr std::string_view classic_group_type = "classic";

asio::awaitable<protocol::describe_groups_response::described_group> describe_one(
    request_context& context, const std::string& group_id) {
    protocol::describe_groups_response::described_group answer;
    answer.group_id = group_id;
    auto route = route_group(context.services, group_id);
    if (!route) {
        answer.error_code = route.error();
        co_return answer;
    }
    auto call = [group_id, partition = route.value().partition](
                    coordinator::group_coordinator& groups) mutable {
        return groups.describe_group(partition, std::move(group_id));
    };
    coordinator::described_group described =
        co_await on_coordinator(context.services, route.value(), std::move(call));
    answer.error_code = described.error;
    answer.group_state = std::string(described.description.state);
    answer.protocol_type = described.description.protocol_type;
    answer.protocol_data = described.description.protocol;
    for (auto& member : described.description.members) {
        answer.members.push_back({.member_id = std::move(member.member_id),
                                  .group_instance_id = std::move(member.group_instance_id),
                                  .client_id = std::move(member.client_id),
                                  .client_host = std::move(member.client_host),
                                  .member_metadata = std::move(member.metadata),
                                  .member_assignment = std::move(member.assignment)});
    }
    co_return answer;
}

asio::awaitable<protocol::describe_groups_response> describe_groups(
    request_context& context, protocol::describe_groups_request& request) {
    protocol::describe_groups_response response;
    for (const auto& group_id : request.groups) {
        response.groups.push_back(co_await describe_one(context, group_id));
    }
    co_return response;
}

std::string lowercase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

bool wanted(const std::vector<std::string>& filter, std::string_view value) {
    if (filter.empty()) {
        return true;
    }
    std::string lower = lowercase(value);
    return std::any_of(filter.begin(), filter.end(),
                       [&](const std::string& each) { return lowercase(each) == lower; });
}

asio::awaitable<protocol::list_groups_response> list_groups(
    request_context& context, protocol::list_groups_request& request) {
    protocol::list_groups_response response;
    shard_services& services = context.services;
    if (!wanted(request.types_filter, classic_group_type)) {
        co_return response;
    }
    for (uint32_t owner = 0; owner < services.groups_by_shard.size(); ++owner) {
        coordinator::group_coordinator* groups = services.groups_by_shard[owner];
        auto list = [groups] { return groups->list_groups(); };
        std::vector<coordinator::listed_group> listed =
            co_await runtime::invoke_on(services.shards->at(owner), std::move(list));
        for (auto& group : listed) {
            if (!wanted(request.states_filter, group.state)) {
                continue;
            }
            response.groups.push_back({.group_id = std::move(group.group_id),
                                       .protocol_type = std::move(group.protocol_type),
                                       .group_state = std::string(group.state),
                                       .group_type = std::string(classic_group_type)});
        }
    }
    co_return response;
}

asio::awaitable<error_code> delete_one(request_context& context, const std::string& group_id) {
    auto route = route_group(context.services, group_id);
    if (!route) {
        co_return route.error();
    }
    auto call = [group_id, partition = route.value().partition](
                    coordinator::group_coordinator& groups) mutable {
        return groups.delete_group(partition, std::move(group_id));
    };
    co_return co_await on_coordinator(context.services, route.value(), std::move(call));
}

asio::awaitable<protocol::delete_groups_response> delete_groups(
    request_context& context, protocol::delete_groups_request& request) {
    protocol::delete_groups_response response;
    for (const auto& group_id : request.groups_names) {
        error_code error = co_await delete_one(context, group_id);
        response.results.push_back({.group_id = group_id, .error_code = error});
    }
    co_return response;
}

}  // namespace

api_handler make_describe_groups_handler() {
    return make_handler<protocol::message_traits<protocol::describe_groups_request>::api_key>(
        0, 5, describe_groups);
}

api_handler make_list_groups_handler() {
    return make_handler<protocol::message_traits<protocol::list_groups_request>::api_key>(
        0, 5, list_groups);
}

api_handler make_delete_groups_handler() {
    return make_handler<protocol::message_traits<protocol::delete_groups_request>::api_key>(
        0, 2, delete_groups);
}

}  // namespace samsa::server::handlers
