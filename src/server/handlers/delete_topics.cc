#include "server/handlers/delete_topics.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "base/assert.h"
#include "cluster/topic_name.h"
#include "protocol/generated/delete_topics_request.h"
#include "protocol/generated/delete_topics_response.h"

namespace samsa::server::handlers {
namespace {

using protocol::delete_topics_request;
using protocol::delete_topics_response;
using protocol::error_code;
using requested_topic = delete_topics_request::delete_topic_state;
using topic_result = delete_topics_response::deletable_topic_result;

constexpr int16_t min_version = protocol::message_traits<delete_topics_request>::min_version;
constexpr int16_t max_version = protocol::message_traits<delete_topics_request>::max_version;
constexpr int16_t first_version_with_topic_ids = 6;

// v0-5 name topics in topic_names; v6 in topics, each by name or by id.
std::vector<requested_topic> requested_topics(const delete_topics_request& request,
                                              int16_t version) {
    if (version >= first_version_with_topic_ids) {
        return request.topics;
    }
    std::vector<requested_topic> topics;
    for (const auto& name : request.topic_names) {
        topics.push_back({.name = name});
    }
    return topics;
}

topic_result refused(std::optional<std::string> name, topic_id id, error_code error,
                     std::string message) {
    return {.name = std::move(name),
            .topic_id = id,
            .error_code = error,
            .error_message = std::move(message)};
}

// The name of the internal topic this request names, by name or through the image by id.
std::optional<std::string> internal_topic_named(const requested_topic& topic,
                                                const cluster::metadata_image* image) {
    if (topic.name) {
        if (cluster::is_internal_topic(*topic.name)) {
            return topic.name;
        }
        return std::nullopt;
    }
    const cluster::topic_metadata* found =
        image != nullptr ? image->find_topic(topic.topic_id) : nullptr;
    if (found != nullptr && (found->internal || cluster::is_internal_topic(found->name))) {
        return found->name;
    }
    return std::nullopt;
}

struct mention_counts {
    std::map<std::string, int, std::less<>> names;
    std::map<topic_id, int> ids;
};

// Why this topic is answered without asking the controller, or nothing.
std::optional<topic_result> check_locally(const requested_topic& topic,
                                          const mention_counts& mentions,
                                          const cluster::metadata_image* image, bool has_admin) {
    bool has_id = !topic.topic_id.is_zero();
    if (topic.name && has_id) {
        return refused(topic.name, topic.topic_id, error_code::invalid_request,
                       "You may not specify both topic name and topic id.");
    }
    if (!topic.name && !has_id) {
        return refused(std::nullopt, topic_id(), error_code::invalid_request,
                       "Neither topic name nor id were specified.");
    }
    if (topic.name && mentions.names.at(*topic.name) > 1) {
        return refused(topic.name, topic_id(), error_code::invalid_request,
                       "Duplicate topic name.");
    }
    if (has_id && mentions.ids.at(topic.topic_id) > 1) {
        return refused(std::nullopt, topic.topic_id, error_code::invalid_request,
                       "Duplicate topic id.");
    }
    if (auto internal = internal_topic_named(topic, image)) {
        return refused(internal, topic.topic_id, error_code::invalid_request,
                       fmt::format("Topic '{}' is internal and cannot be deleted.", *internal));
    }
    if (!has_admin) {
        return refused(topic.name, topic.topic_id, error_code::unknown_server_error,
                       "Topic administration is not available on this broker.");
    }
    return std::nullopt;
}

topic_result from_outcome(const requested_topic& requested, const cluster::topic_outcome& outcome) {
    topic_result result{.topic_id = outcome.id, .error_code = outcome.error};
    if (requested.name) {
        result.name = requested.name;
    } else if (!outcome.name.empty()) {
        result.name = outcome.name;
    } else {
        result.name = std::nullopt;  // an unknown id: v6 answers with a null name
    }
    if (outcome.error != error_code::none) {
        result.error_message = outcome.message;
    }
    return result;
}

// timeout_ms is not used: the controller has committed (or refused) every deletion by the
// time it answers, so the response never reports a deletion still in progress.
asio::awaitable<delete_topics_response> handle_delete_topics(request_context& context,
                                                             delete_topics_request& request) {
    std::vector<requested_topic> topics = requested_topics(request, context.api_version);
    mention_counts mentions;
    for (const auto& topic : topics) {
        if (topic.name) {
            ++mentions.names[*topic.name];
        }
        if (!topic.topic_id.is_zero()) {
            ++mentions.ids[topic.topic_id];
        }
    }
    const cluster::metadata_image* image = context.services.metadata.get();
    delete_topics_response response;
    std::vector<cluster::topic_reference> to_delete;
    std::vector<std::size_t> pending;  // index in topics of each to_delete entry
    std::vector<std::size_t> result_index;
    std::set<std::string, std::less<>> answered_names;
    std::set<topic_id> answered_ids;
    for (std::size_t index = 0; index < topics.size(); ++index) {
        const requested_topic& topic = topics[index];
        bool by_name_only = topic.name && topic.topic_id.is_zero();
        bool by_id_only = !topic.name && !topic.topic_id.is_zero();
        if ((by_name_only && !answered_names.insert(*topic.name).second) ||
            (by_id_only && !answered_ids.insert(topic.topic_id).second)) {
            continue;  // a duplicate, answered once
        }
        if (auto refusal =
                check_locally(topic, mentions, image, context.services.admin != nullptr)) {
            response.responses.push_back(std::move(*refusal));
            continue;
        }
        pending.push_back(index);
        result_index.push_back(response.responses.size());
        response.responses.emplace_back();
        if (topic.name) {
            to_delete.emplace_back(*topic.name);
        } else {
            to_delete.emplace_back(topic.topic_id);
        }
    }
    if (!to_delete.empty()) {
        auto outcomes = co_await context.services.admin->delete_topics(std::move(to_delete));
        SAMSA_ASSERT(outcomes.size() == pending.size(), "%zu outcomes for %zu topics",
                     outcomes.size(), pending.size());
        for (std::size_t index = 0; index < outcomes.size(); ++index) {
            response.responses[result_index[index]] =
                from_outcome(topics[pending[index]], outcomes[index]);
        }
    }
    co_return response;
}

}  // namespace

api_handler make_delete_topics_handler() {
    return make_handler<20>(min_version, max_version, handle_delete_topics);
}

}  // namespace samsa::server::handlers
