#include "server/handlers/elect_leaders.h"

#include <fmt/format.h>

namespace samsa::server::handlers {
namespace {

using protocol::elect_leaders_request;
using protocol::elect_leaders_response;
using protocol::error_code;
using partition_result = elect_leaders_response::partition_result_data;

// org.apache.kafka.common.ElectionType
enum class election_type : int8_t { preferred = 0, unclean = 1 };

// Errors' default messages, which new ApiError(error) carries.
constexpr std::string_view election_not_needed_message =
    "Leader election not needed for topic partition.";
constexpr std::string_view preferred_leader_not_available_message =
    "The preferred leader was not available.";
constexpr std::string_view eligible_leaders_not_available_message =
    "Eligible topic partition leaders are not available.";

partition_result result(partition_id partition, error_code error,
                        std::optional<std::string> message) {
    return {.partition_id = partition, .error_code = error, .error_message = std::move(message)};
}

partition_result elect(const cluster::metadata_image& image, std::string_view topic_name,
                       partition_id partition, election_type type) {
    const cluster::topic_metadata* topic = image.find_topic(topic_name);
    if (topic == nullptr) {
        return result(partition, error_code::unknown_topic_or_partition,
                      fmt::format("No such topic as {}", topic_name));
    }
    if (partition.value() < 0 ||
        static_cast<std::size_t>(partition.value()) >= topic->partitions.size()) {
        return result(partition, error_code::unknown_topic_or_partition,
                      fmt::format("No such partition as {}-{}", topic_name, partition.value()));
    }
    const cluster::partition_metadata& current =
        topic->partitions[static_cast<std::size_t>(partition.value())];
    bool has_leader = current.leader.value() >= 0;
    bool preferred_leads = !current.replicas.empty() && current.leader == current.replicas.front();
    if ((type == election_type::preferred && preferred_leads) ||
        (type == election_type::unclean && has_leader)) {
        return result(partition, error_code::election_not_needed,
                      std::string(election_not_needed_message));
    }
    // Elections are the controller's, and Samsa's elects no leaders yet.
    return type == election_type::preferred
               ? result(partition, error_code::preferred_leader_not_available,
                        std::string(preferred_leader_not_available_message))
               : result(partition, error_code::eligible_leaders_not_available,
                        std::string(eligible_leaders_not_available_message));
}

elect_leaders_response unknown_election_type(const elect_leaders_request& request) {
    std::string message = fmt::format("Unknown election type {}", int{request.election_type});
    elect_leaders_response response;
    response.error_code = error_code::invalid_request;
    if (request.topic_partitions) {
        for (const auto& topic : *request.topic_partitions) {
            auto& answer = response.replica_election_results.emplace_back();
            answer.topic = topic.topic;
            for (partition_id partition : topic.partitions) {
                answer.partition_result.push_back(
                    result(partition, error_code::invalid_request, message));
            }
        }
    }
    return response;
}

asio::awaitable<elect_leaders_response> handle_elect_leaders(request_context& context,
                                                             elect_leaders_request& request) {
    co_return build_elect_leaders_response(request, *context.services.metadata);
}

}  // namespace

elect_leaders_response build_elect_leaders_response(const elect_leaders_request& request,
                                                    const cluster::metadata_image& image) {
    if (request.election_type != static_cast<int8_t>(election_type::preferred) &&
        request.election_type != static_cast<int8_t>(election_type::unclean)) {
        return unknown_election_type(request);
    }
    auto type = static_cast<election_type>(request.election_type);
    elect_leaders_response response;
    if (!request.topic_partitions) {
        for (const auto& [name, topic] : image.topics()) {
            auto& answer = response.replica_election_results.emplace_back();
            answer.topic = name;
            for (const cluster::partition_metadata& partition : topic.partitions) {
                partition_result elected = elect(image, name, partition.partition, type);
                if (elected.error_code != error_code::election_not_needed) {
                    answer.partition_result.push_back(std::move(elected));
                }
            }
        }
        return response;
    }
    for (const auto& topic : *request.topic_partitions) {
        auto& answer = response.replica_election_results.emplace_back();
        answer.topic = topic.topic;
        for (partition_id partition : topic.partitions) {
            answer.partition_result.push_back(elect(image, topic.topic, partition, type));
        }
    }
    return response;
}

api_handler make_elect_leaders_handler() {
    return make_handler<protocol::message_traits<elect_leaders_request>::api_key>(
        protocol::message_traits<elect_leaders_request>::min_version,
        protocol::message_traits<elect_leaders_request>::max_version, handle_elect_leaders);
}

}  // namespace samsa::server::handlers
