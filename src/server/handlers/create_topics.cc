#include "server/handlers/create_topics.h"

#include <map>
#include <set>

#include "base/assert.h"
#include "protocol/generated/create_topics_request.h"
#include "protocol/generated/create_topics_response.h"

namespace samsa::server::handlers {
namespace {

using protocol::create_topics_request;
using protocol::create_topics_response;
using protocol::error_code;
using topic_result = create_topics_response::creatable_topic_result;

constexpr int16_t min_version = protocol::message_traits<create_topics_request>::min_version;
constexpr int16_t max_version = protocol::message_traits<create_topics_request>::max_version;

// KRaft's metadata log, which is not a topic a client may create (and whose directory
// name, __cluster_metadata-0, a partition of such a topic would take).
constexpr std::string_view cluster_metadata_topic = "__cluster_metadata";

// configs (v5+) is always an empty list, never null: Kafka's admin client reads the list
// of every result without a config error. The effective configs are not described yet;
// DescribeConfigs will report them.
topic_result refused(const std::string& name, error_code error, std::string message) {
    return {.name = name,
            .error_code = error,
            .error_message = std::move(message),
            .configs = std::vector<create_topics_response::creatable_topic_configs>{}};
}

topic_result from_outcome(const cluster::topic_outcome& outcome) {
    topic_result result{.name = outcome.name,
                        .error_code = outcome.error,
                        .error_message = outcome.message,
                        .configs = std::vector<create_topics_response::creatable_topic_configs>{}};
    if (outcome.error == error_code::none) {
        result.topic_id = outcome.id;
        result.num_partitions = outcome.num_partitions;
        result.replication_factor = outcome.replication_factor;
        result.error_message = std::nullopt;
    }
    return result;
}

// Why this topic is answered without asking the controller, or nothing.
std::optional<topic_result> check_locally(const create_topics_request::creatable_topic& topic,
                                          int mentions, bool has_admin) {
    if (mentions > 1) {
        return refused(topic.name, error_code::invalid_request, "Duplicate topic name.");
    }
    if (topic.name == cluster_metadata_topic) {
        return refused(topic.name, error_code::topic_authorization_failed, "Authorization failed.");
    }
    if (!topic.assignments.empty()) {
        return refused(topic.name, error_code::invalid_replica_assignment,
                       "Manual replica assignment is not supported yet.");
    }
    if (!has_admin) {
        return refused(topic.name, error_code::unknown_server_error,
                       "Topic administration is not available on this broker.");
    }
    return std::nullopt;
}

cluster::topic_request to_topic_request(const create_topics_request::creatable_topic& topic) {
    cluster::topic_request request{.name = topic.name,
                                   .num_partitions = topic.num_partitions,
                                   .replication_factor = topic.replication_factor};
    for (const auto& config : topic.configs) {
        request.configs.emplace_back(config.name, config.value);
    }
    return request;
}

// timeout_ms is not used: the controller has committed (or refused) every topic by the
// time it answers, so the response never reports a creation still in progress.
asio::awaitable<create_topics_response> handle_create_topics(request_context& context,
                                                             create_topics_request& request) {
    std::map<std::string, int, std::less<>> mentions;
    for (const auto& topic : request.topics) {
        ++mentions[topic.name];
    }
    create_topics_response response;
    std::vector<cluster::topic_request> to_create;
    std::vector<std::size_t> pending;  // response.topics index of each to_create entry
    std::set<std::string, std::less<>> answered;
    for (const auto& topic : request.topics) {
        if (!answered.insert(topic.name).second) {
            continue;
        }
        if (auto refusal =
                check_locally(topic, mentions[topic.name], context.services.admin != nullptr)) {
            response.topics.push_back(std::move(*refusal));
            continue;
        }
        pending.push_back(response.topics.size());
        response.topics.push_back({.name = topic.name});
        to_create.push_back(to_topic_request(topic));
    }
    if (!to_create.empty()) {
        auto outcomes = co_await context.services.admin->create_topics(std::move(to_create),
                                                                       request.validate_only);
        SAMSA_ASSERT(outcomes.size() == pending.size(), "%zu outcomes for %zu topics",
                     outcomes.size(), pending.size());
        for (std::size_t index = 0; index < outcomes.size(); ++index) {
            response.topics[pending[index]] = from_outcome(outcomes[index]);
        }
    }
    co_return response;
}

}  // namespace

api_handler make_create_topics_handler() {
    return make_handler<19>(min_version, max_version, handle_create_topics);
}

}  // namespace samsa::server::handlers
