#include "server/handlers/describe_producers.h"

#include <algorithm>

#include <fmt/format.h>

#include <optional>

#include "cluster/topic_name.h"
#include "protocol/generated/describe_producers_request.h"
#include "server/partition_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::describe_producers_request;
using protocol::describe_producers_response;
using protocol::error_code;
using partition_answer = describe_producers_response::partition_response;

// Errors.UNKNOWN_TOPIC_OR_PARTITION.message(), which new ApiError(error) carries.
constexpr std::string_view unknown_topic_message =
    "This server does not host this topic-partition.";

// Why Kafka's Topic.validate refuses a name, in its words; nullopt for a valid name.
std::optional<std::string> invalid_topic_name_message(std::string_view name) {
    if (name.empty()) {
        return "Topic name is illegal, it can't be empty";
    }
    if (name == "." || name == "..") {
        return "Topic name cannot be \".\" or \"..\"";
    }
    if (name.size() > cluster::max_topic_name_length) {
        return fmt::format(
            "Topic name is illegal, it can't be longer than {} characters, Topic name: {}",
            cluster::max_topic_name_length, name);
    }
    if (!cluster::is_valid_topic_name(name)) {
        return fmt::format(
            "Topic name \"{}\" is illegal, it contains a character other than ASCII "
            "alphanumerics, '.', '_' and '-'",
            name);
    }
    return std::nullopt;
}

// One partition asked about, in request order; answered on its owner shard unless the
// metadata alone answers it.
struct lookup {
    storage::topic_partition id;
    partition_answer answer;
};

void describe_on_owner(cluster::partition_manager& manager, lookup& item) {
    serving_partition serving = find_serving(manager, item.id);
    if (serving.partition == nullptr) {
        item.answer.error_code = serving.error;
        return;
    }
    item.answer.active_producers = active_producers(*serving.partition);
}

asio::awaitable<describe_producers_response> handle_describe_producers(
    request_context& context, describe_producers_request& request) {
    shard_services& services = context.services;
    std::vector<lookup> lookups;
    std::vector<std::size_t> to_describe;
    for (const auto& topic : request.topics) {
        std::optional<std::string> invalid = invalid_topic_name_message(topic.name);
        const cluster::topic_metadata* known =
            invalid ? nullptr : services.metadata->find_topic(topic.name);
        for (partition_id partition : topic.partition_indexes) {
            lookup item{.id = {topic.name, partition}, .answer = {.partition_index = partition}};
            if (invalid) {
                item.answer.error_code = error_code::invalid_topic_exception;
                item.answer.error_message = invalid;
            } else if (known == nullptr) {
                item.answer.error_code = error_code::unknown_topic_or_partition;
                item.answer.error_message = std::string(unknown_topic_message);
            } else {
                item.answer.error_code = placement_error(services, known, partition);
            }
            if (item.answer.error_code == error_code::none) {
                to_describe.push_back(lookups.size());
            }
            lookups.push_back(std::move(item));
        }
    }
    auto partition_of = [&lookups](std::size_t index) { return lookups[index].id; };
    auto describe = [&lookups](cluster::partition_manager& manager, std::size_t index) {
        describe_on_owner(manager, lookups[index]);
    };
    co_await visit_on_owners(services, to_describe, partition_of, describe);

    describe_producers_response response;
    std::size_t next = 0;
    for (const auto& topic : request.topics) {
        auto& answer = response.topics.emplace_back();
        answer.name = topic.name;
        for (std::size_t count = 0; count < topic.partition_indexes.size(); ++count) {
            answer.partitions.push_back(std::move(lookups[next++].answer));
        }
    }
    co_return response;
}

}  // namespace

std::vector<describe_producers_response::producer_state> active_producers(
    const cluster::partition& partition) {
    std::vector<describe_producers_response::producer_state> states;
    for (const auto& [id, entry] : partition.log().producers().entries()) {
        states.push_back(
            {.producer_id = id,
             .producer_epoch = entry.epoch.value(),
             .last_sequence = entry.last_sequence(),
             .last_timestamp = entry.last_timestamp_ms,
             .coordinator_epoch = entry.coordinator_epoch,
             .current_txn_start_offset = entry.current_txn_first_offset.value_or(offset(-1))});
    }
    // Kafka lists them in no particular order; producer id order keeps answers stable.
    std::sort(states.begin(), states.end(),
              [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
    return states;
}

api_handler make_describe_producers_handler() {
    return make_handler<protocol::message_traits<describe_producers_request>::api_key>(
        protocol::message_traits<describe_producers_request>::min_version,
        protocol::message_traits<describe_producers_request>::max_version,
        handle_describe_producers);
}

}  // namespace samsa::server::handlers
