#include "server/handlers/metadata.h"

#include <algorithm>
#include <set>

#include "cluster/topic_name.h"
#include "protocol/acl_operation.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::metadata_request;
using protocol::metadata_response;

constexpr int16_t min_version = protocol::message_traits<metadata_request>::min_version;
constexpr int16_t max_version = protocol::message_traits<metadata_request>::max_version;
constexpr int16_t first_version_with_topic_ids = 12;
constexpr int16_t first_version_with_allow_auto_creation = 4;

bool wants_all_topics(const metadata_request& request, int16_t version) {
    if (!request.topics.has_value()) {
        return true;
    }
    return version == 0 && request.topics->empty();
}

// Why a v10-11 request cannot be served (names are mandatory, ids unsupported), or none.
bool has_id_before_v12(const metadata_request& request, int16_t version) {
    if (version >= first_version_with_topic_ids || !request.topics) {
        return false;
    }
    return std::any_of(request.topics->begin(), request.topics->end(), [](const auto& topic) {
        return !topic.name.has_value() || !topic.topic_id.is_zero();
    });
}

metadata_response invalid_request_response(const metadata_request& request) {
    metadata_response response;
    for (const auto& topic : *request.topics) {
        response.topics.push_back({.error_code = error_code::invalid_request,
                                   .name = topic.name.value_or(""),
                                   .topic_id = topic.topic_id});
    }
    return response;
}

metadata_response::metadata_response_partition describe_partition(
    const cluster::partition_metadata& partition, const cluster::metadata_image& image,
    std::string_view listener_name) {
    metadata_response::metadata_response_partition described{
        .partition_index = partition.partition,
        .leader_id = partition.leader,
        .leader_epoch = partition.epoch,
        .replica_nodes = partition.replicas,
        .isr_nodes = partition.isr,
        .offline_replicas = partition.offline_replicas};
    const cluster::broker_registration* leader = image.find_broker(partition.leader);
    if (leader == nullptr || leader->fenced) {
        described.error_code = error_code::leader_not_available;
        described.leader_id = node_id(-1);
    } else if (leader->find_endpoint(listener_name) == nullptr) {
        described.error_code = error_code::listener_not_found;
        described.leader_id = node_id(-1);
    }
    return described;
}

metadata_response::metadata_response_topic describe_topic(const cluster::topic_metadata& topic,
                                                          const cluster::metadata_image& image,
                                                          std::string_view listener_name,
                                                          bool include_operations) {
    metadata_response::metadata_response_topic described{
        .name = topic.name, .topic_id = topic.id, .is_internal = topic.internal};
    for (const auto& partition : topic.partitions) {
        described.partitions.push_back(describe_partition(partition, image, listener_name));
    }
    if (include_operations) {
        described.topic_authorized_operations = protocol::all_topic_operations_bitfield();
    }
    return described;
}

metadata_response::metadata_response_topic unknown_topic(
    const metadata_request::metadata_request_topic& requested,
    const std::unordered_map<std::string, error_code>& auto_created) {
    if (!requested.topic_id.is_zero()) {
        return {.error_code = error_code::unknown_topic_id,
                .name = std::nullopt,
                .topic_id = requested.topic_id};
    }
    const std::string& name = *requested.name;
    auto created = auto_created.find(name);
    error_code error =
        created != auto_created.end() ? created->second : error_code::unknown_topic_or_partition;
    return {.error_code = error, .name = name};
}

asio::awaitable<metadata_response> handle_metadata(request_context& context,
                                                   metadata_request& request) {
    std::unordered_map<std::string, error_code> auto_created;
    // Held by pointer across the awaits: creating a topic publishes a new image, and the
    // shard drops the one this request started with.
    cluster::metadata_image_ptr before = context.services.metadata;
    for (const std::string& name :
         topics_to_auto_create(request, context.api_version, *before,
                               context.services.settings.auto_create_topics_enable)) {
        error_code error = error_code::unknown_topic_or_partition;
        if (!cluster::is_valid_topic_name(name)) {
            error = error_code::invalid_topic_exception;
        } else if (context.services.auto_creator != nullptr) {
            error = co_await context.services.auto_creator->create_topic(name);
        }
        auto_created.emplace(name, error);
    }
    // The newest image: a topic created just now is described in full (Kafka answers
    // LEADER_NOT_AVAILABLE and lets the client ask again; both are valid for clients).
    cluster::metadata_image_ptr image = context.services.metadata;
    co_return build_metadata_response(request, context.api_version, *image,
                                      context.connection.listener_name, auto_created);
}

}  // namespace

api_handler make_metadata_handler() {
    return make_handler<3>(min_version, max_version, handle_metadata);
}

std::vector<std::string> topics_to_auto_create(const metadata_request& request, int16_t version,
                                               const cluster::metadata_image& image,
                                               bool auto_create_topics_enable) {
    bool allowed = auto_create_topics_enable && (version < first_version_with_allow_auto_creation ||
                                                 request.allow_auto_topic_creation);
    if (!allowed || wants_all_topics(request, version) || has_id_before_v12(request, version)) {
        return {};
    }
    std::vector<std::string> names;
    std::set<std::string, std::less<>> seen;
    for (const auto& topic : *request.topics) {
        if (!topic.topic_id.is_zero() || !topic.name.has_value()) {
            continue;  // ids are never created
        }
        const std::string& name = *topic.name;
        if (image.find_topic(name) == nullptr && !cluster::is_internal_topic(name) &&
            seen.insert(name).second) {
            names.push_back(name);
        }
    }
    return names;
}

metadata_response build_metadata_response(
    const metadata_request& request, int16_t version, const cluster::metadata_image& image,
    std::string_view listener_name,
    const std::unordered_map<std::string, error_code>& auto_created) {
    if (has_id_before_v12(request, version)) {
        return invalid_request_response(request);
    }
    metadata_response response;
    for (const auto& [id, broker] : image.brokers()) {
        const cluster::broker_endpoint* endpoint = broker.find_endpoint(listener_name);
        if (endpoint == nullptr || broker.fenced) {
            continue;
        }
        response.brokers.push_back(
            {.node_id = id, .host = endpoint->host, .port = endpoint->port, .rack = broker.rack});
    }
    response.cluster_id = image.cluster_id();
    response.controller_id = image.controller_id();
    if (request.include_cluster_authorized_operations) {
        response.cluster_authorized_operations = protocol::all_cluster_operations_bitfield();
    }

    bool include_operations = request.include_topic_authorized_operations;
    if (wants_all_topics(request, version)) {
        for (const auto& [name, topic] : image.topics()) {
            response.topics.push_back(
                describe_topic(topic, image, listener_name, include_operations));
        }
        return response;
    }
    std::set<std::string, std::less<>> seen_names;
    std::set<topic_id> seen_ids;
    for (const auto& requested : *request.topics) {
        const cluster::topic_metadata* topic = nullptr;
        if (!requested.topic_id.is_zero()) {
            if (!seen_ids.insert(requested.topic_id).second) {
                continue;
            }
            topic = image.find_topic(requested.topic_id);
        } else {
            if (!requested.name || !seen_names.insert(*requested.name).second) {
                continue;
            }
            topic = image.find_topic(*requested.name);
        }
        response.topics.push_back(
            topic != nullptr ? describe_topic(*topic, image, listener_name, include_operations)
                             : unknown_topic(requested, auto_created));
    }
    return response;
}

}  // namespace samsa::server::handlers
