#include "server/handlers/create_partitions.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "base/assert.h"
#include "cluster/topic_name.h"
#include "protocol/generated/create_partitions_request.h"
#include "protocol/generated/create_partitions_response.h"

namespace samsa::server::handlers {
namespace {

using protocol::create_partitions_request;
using protocol::create_partitions_response;
using protocol::error_code;
using topic_result = create_partitions_response::create_partitions_topic_result;

constexpr int16_t min_version = protocol::message_traits<create_partitions_request>::min_version;
constexpr int16_t max_version = protocol::message_traits<create_partitions_request>::max_version;

topic_result refused(const std::string& name, error_code error, std::string message) {
    return {.name = name, .error_code = error, .error_message = std::move(message)};
}

// Why this topic is answered without asking the controller, or nothing.
std::optional<topic_result> check_locally(
    const create_partitions_request::create_partitions_topic& topic, int mentions, bool has_admin) {
    if (mentions > 1) {
        return refused(topic.name, error_code::invalid_request, "Duplicate topic name.");
    }
    if (topic.assignments.has_value()) {
        return refused(topic.name, error_code::invalid_replica_assignment,
                       "Manual partition assignment is not supported yet.");
    }
    if (cluster::is_internal_topic(topic.name)) {
        return refused(
            topic.name, error_code::invalid_request,
            fmt::format("The number of partitions of internal topic '{}' cannot be changed.",
                        topic.name));
    }
    if (!has_admin) {
        return refused(topic.name, error_code::unknown_server_error,
                       "Topic administration is not available on this broker.");
    }
    return std::nullopt;
}

// timeout_ms is not used: the controller has committed (or refused) every increase by the
// time it answers.
asio::awaitable<create_partitions_response> handle_create_partitions(
    request_context& context, create_partitions_request& request) {
    std::map<std::string, int, std::less<>> mentions;
    for (const auto& topic : request.topics) {
        ++mentions[topic.name];
    }
    create_partitions_response response;
    std::vector<cluster::partition_increase> increases;
    std::vector<std::size_t> pending;  // response.results index of each increase
    std::set<std::string, std::less<>> answered;
    for (const auto& topic : request.topics) {
        if (!answered.insert(topic.name).second) {
            continue;
        }
        if (auto refusal =
                check_locally(topic, mentions[topic.name], context.services.admin != nullptr)) {
            response.results.push_back(std::move(*refusal));
            continue;
        }
        pending.push_back(response.results.size());
        response.results.push_back({.name = topic.name});
        increases.push_back({.topic = topic.name, .new_total = topic.count});
    }
    if (!increases.empty()) {
        auto outcomes = co_await context.services.admin->create_partitions(std::move(increases),
                                                                           request.validate_only);
        SAMSA_ASSERT(outcomes.size() == pending.size(), "%zu outcomes for %zu topics",
                     outcomes.size(), pending.size());
        for (std::size_t index = 0; index < outcomes.size(); ++index) {
            topic_result& result = response.results[pending[index]];
            result.error_code = outcomes[index].error;
            if (outcomes[index].error != error_code::none) {
                result.error_message = outcomes[index].message;
            }
        }
    }
    co_return response;
}

}  // namespace

api_handler make_create_partitions_handler() {
    return make_handler<37>(min_version, max_version, handle_create_partitions);
}

}  // namespace samsa::server::handlers
