#include "server/handlers/partition_reassignments.h"

#include <fmt/format.h>

#include <algorithm>

namespace samsa::server::handlers {
namespace {

using protocol::alter_partition_reassignments_request;
using protocol::alter_partition_reassignments_response;
using protocol::error_code;
using protocol::list_partition_reassignments_request;
using protocol::list_partition_reassignments_response;
using partition_answer = alter_partition_reassignments_response::reassignable_partition_response;

// Errors.NO_REASSIGNMENT_IN_PROGRESS.message(), the message Kafka's controller gives.
constexpr std::string_view no_reassignment_message = "No partition reassignment is in progress.";

struct refusal {
    error_code error;
    std::string message;
};

// Kafka's validateManualPartitionAssignment: the first problem in ascending broker id order.
std::optional<refusal> check_target(const cluster::metadata_image& image,
                                    std::vector<node_id> target) {
    if (target.empty()) {
        return refusal{error_code::invalid_replica_assignment,
                       "The manual partition assignment includes an empty replica list."};
    }
    std::sort(target.begin(), target.end());
    for (std::size_t index = 0; index < target.size(); ++index) {
        node_id broker = target[index];
        if (image.find_broker(broker) == nullptr) {
            return refusal{error_code::invalid_replica_assignment,
                           fmt::format("The manual partition assignment includes broker {}, but "
                                       "no such broker is registered.",
                                       broker.value())};
        }
        if (index > 0 && target[index - 1] == broker) {
            return refusal{error_code::invalid_replica_assignment,
                           fmt::format("The manual partition assignment includes the broker {} "
                                       "more than once.",
                                       broker.value())};
        }
    }
    return std::nullopt;
}

bool reassignment_in_progress(const cluster::partition_metadata& partition) {
    return !partition.adding_replicas.empty() || !partition.removing_replicas.empty();
}

std::optional<refusal> alter_one(
    const cluster::metadata_image& image, const std::string& topic_name,
    const alter_partition_reassignments_request::reassignable_partition& target) {
    const cluster::topic_metadata* topic = image.find_topic(topic_name);
    if (topic == nullptr) {
        return refusal{error_code::unknown_topic_or_partition,
                       fmt::format("Unable to find a topic named {}.", topic_name)};
    }
    partition_id index = target.partition_index;
    if (index.value() < 0 || static_cast<std::size_t>(index.value()) >= topic->partitions.size()) {
        return refusal{error_code::unknown_topic_or_partition,
                       fmt::format("Unable to find partition {}:{}.", topic_name, index.value())};
    }
    const cluster::partition_metadata& current =
        topic->partitions[static_cast<std::size_t>(index.value())];
    if (!target.replicas) {
        if (!reassignment_in_progress(current)) {
            return refusal{error_code::no_reassignment_in_progress,
                           std::string(no_reassignment_message)};
        }
        // A cancellation needs a partition change record: the cluster issues' work.
        return refusal{error_code::invalid_replica_assignment,
                       "Samsa cannot cancel a reassignment yet."};
    }
    if (auto invalid = check_target(image, *target.replicas)) {
        return invalid;
    }
    if (*target.replicas == current.replicas) {
        return std::nullopt;  // nothing to move: complete at once, as Kafka does
    }
    return refusal{error_code::invalid_replica_assignment, "Samsa cannot reassign replicas yet."};
}

asio::awaitable<alter_partition_reassignments_response> handle_alter(
    request_context& context, alter_partition_reassignments_request& request) {
    co_return build_alter_partition_reassignments_response(request, *context.services.metadata);
}

asio::awaitable<list_partition_reassignments_response> handle_list(
    request_context& context, list_partition_reassignments_request& request) {
    co_return build_list_partition_reassignments_response(request, *context.services.metadata);
}

// The ongoing reassignments of one topic among `partitions`, if any.
void list_topic(const cluster::topic_metadata& topic, const std::vector<partition_id>& partitions,
                list_partition_reassignments_response& response) {
    list_partition_reassignments_response::ongoing_topic_reassignment ongoing{.name = topic.name};
    for (partition_id index : partitions) {
        if (index.value() < 0 ||
            static_cast<std::size_t>(index.value()) >= topic.partitions.size()) {
            continue;
        }
        const cluster::partition_metadata& partition =
            topic.partitions[static_cast<std::size_t>(index.value())];
        if (reassignment_in_progress(partition)) {
            ongoing.partitions.push_back({.partition_index = index,
                                          .replicas = partition.replicas,
                                          .adding_replicas = partition.adding_replicas,
                                          .removing_replicas = partition.removing_replicas});
        }
    }
    if (!ongoing.partitions.empty()) {
        response.topics.push_back(std::move(ongoing));
    }
}

}  // namespace

alter_partition_reassignments_response build_alter_partition_reassignments_response(
    const alter_partition_reassignments_request& request, const cluster::metadata_image& image) {
    alter_partition_reassignments_response response;
    response.error_message = std::nullopt;
    for (const auto& topic : request.topics) {
        auto& answer = response.responses.emplace_back();
        answer.name = topic.name;
        for (const auto& partition : topic.partitions) {
            partition_answer result{.partition_index = partition.partition_index,
                                    .error_message = std::nullopt};
            if (auto refused = alter_one(image, topic.name, partition)) {
                result.error_code = refused->error;
                result.error_message = std::move(refused->message);
            }
            answer.partitions.push_back(std::move(result));
        }
    }
    return response;
}

list_partition_reassignments_response build_list_partition_reassignments_response(
    const list_partition_reassignments_request& request, const cluster::metadata_image& image) {
    list_partition_reassignments_response response;
    response.error_message = std::nullopt;
    if (!request.topics) {
        for (const auto& [name, topic] : image.topics()) {
            std::vector<partition_id> every;
            for (const auto& partition : topic.partitions) {
                every.push_back(partition.partition);
            }
            list_topic(topic, every, response);
        }
        return response;
    }
    for (const auto& wanted : *request.topics) {
        if (const cluster::topic_metadata* topic = image.find_topic(wanted.name)) {
            list_topic(*topic, wanted.partition_indexes, response);
        }
    }
    return response;
}

api_handler make_alter_partition_reassignments_handler() {
    using traits = protocol::message_traits<alter_partition_reassignments_request>;
    return make_handler<traits::api_key>(traits::min_version, traits::max_version, handle_alter);
}

api_handler make_list_partition_reassignments_handler() {
    using traits = protocol::message_traits<list_partition_reassignments_request>;
    return make_handler<traits::api_key>(traits::min_version, traits::max_version, handle_list);
}

}  // namespace samsa::server::handlers
