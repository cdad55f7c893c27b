#include "server/handlers/produce.h"

#include <map>
#include <set>

#include "base/clock.h"
#include "protocol/generated/produce_request.h"
#include "protocol/generated/produce_response.h"
#include "server/partition_access.h"
#include "storage/produce_validator.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::produce_request;
using protocol::produce_response;

constexpr int16_t first_served_version = 3;
constexpr int16_t first_version_with_record_errors = 8;
// The client id Kafka trusts to write internal topics (ReplicaManager).
constexpr std::string_view admin_client_id = "__admin_client";

// One partition of the request, in request order.
struct partition_work {
    std::size_t topic_index = 0;
    storage::topic_partition id;
    shared_bytes records;
};

struct partition_outcome {
    error_code error = error_code::none;
    offset base_offset{-1};
    int64_t log_append_time_ms = -1;
    offset log_start_offset{-1};
    std::vector<storage::record_error_entry> record_errors;
    std::optional<std::string> error_message;
};

struct append_request {
    int16_t api_version = 0;
    int16_t acks = 1;
    storage::internal_topic_access internal_topics = storage::internal_topic_access::denied;
};

partition_outcome refused(error_code error) {
    partition_outcome outcome;
    outcome.error = error;
    return outcome;
}

// On the partition's owner shard: validate, append, and wait for durability when asked.
asio::awaitable<partition_outcome> append_on_owner(cluster::partition_manager& manager,
                                                   partition_work& work,
                                                   const append_request& request) {
    std::shared_ptr<cluster::partition> hosted = manager.find(work.id);
    if (hosted == nullptr || hosted->closed()) {
        // The image names this node the leader but the log is not (or no longer) here:
        // a publication in progress. Retriable; the client refreshes its metadata.
        co_return refused(error_code::not_leader_or_follower);
    }
    int64_t now_ms = wall_clock_ms();
    storage::produce_request_context context{.api_version = request.api_version,
                                             .internal_topics = request.internal_topics,
                                             .topic = work.id.topic,
                                             .partition = work.id.partition,
                                             .now_ms = now_ms};
    auto validated = storage::validate_produce_records(std::move(work.records),
                                                       hosted->settings().produce, context);
    if (!validated) {
        storage::produce_validation_error failure = validated.error();
        log::debug("produce to {}-{} refused: {}", work.id.topic, work.id.partition.value(),
                   failure.reason);
        partition_outcome outcome = refused(failure.code);
        outcome.record_errors = std::move(failure.record_errors);
        outcome.error_message = std::move(failure.error_message);
        co_return outcome;
    }
    auto appended = hosted->append(validated.value().bytes.mutable_span(), now_ms);
    if (!appended) {
        log::warn("append to {}-{}: {}", work.id.topic, work.id.partition.value(),
                  appended.error().message);
        co_return refused(error_for(appended.error()));
    }
    const storage::append_result& result = appended.value();
    if (request.acks == -1 || hosted->log().flush_due(now_ms)) {
        auto durable = co_await hosted->log().wait_durable(offset(result.last_offset.value() + 1));
        if (!durable) {
            log::warn("making {}-{} durable: {}", work.id.topic, work.id.partition.value(),
                      durable.error().message);
            co_return refused(error_for(durable.error()));
        }
    }
    partition_outcome outcome;
    outcome.base_offset = result.base_offset;
    outcome.log_append_time_ms = result.log_append_time_ms;
    outcome.log_start_offset = result.log_start_offset;
    co_return outcome;
}

produce_response::partition_produce_response to_response(partition_id index,
                                                         partition_outcome outcome,
                                                         int16_t version) {
    produce_response::partition_produce_response answer{
        .index = index,
        .error_code = outcome.error,
        .base_offset = outcome.base_offset,
        .log_append_time_ms = outcome.log_append_time_ms,
        .log_start_offset = outcome.log_start_offset};
    if (version >= first_version_with_record_errors) {
        for (auto& each : outcome.record_errors) {
            answer.record_errors.push_back({.batch_index = each.batch_index,
                                            .batch_index_error_message = std::move(each.message)});
        }
        answer.error_message = std::move(outcome.error_message);
    }
    return answer;
}

asio::awaitable<std::vector<partition_outcome>> produce(request_context& context,
                                                        produce_request& request) {
    shard_services& services = context.services;
    std::vector<partition_work> work;
    std::vector<partition_outcome> outcomes;
    std::vector<bool> pending;
    std::set<std::string> creating;
    for (std::size_t topic_index = 0; topic_index < request.topic_data.size(); ++topic_index) {
        auto& topic = request.topic_data[topic_index];
        const cluster::topic_metadata* known = services.metadata->find_topic(topic.name);
        if (known == nullptr && services.auto_creator != nullptr &&
            services.settings.auto_create_topics_enable && hosts_partitions(services) &&
            !creating.contains(topic.name)) {
            creating.insert(topic.name);
            // Retriable meanwhile: the client asks again once the topic exists.
            co_await services.auto_creator->create_topic(topic.name);
        }
        for (auto& data : topic.partition_data) {
            error_code placement = placement_error(services, known, data.index);
            if (context.api_version < first_served_version) {
                placement = error_code::unsupported_version;
            } else if (request.acks != 0 && request.acks != 1 && request.acks != -1) {
                placement = error_code::invalid_required_acks;
            }
            outcomes.push_back(refused(placement));
            pending.push_back(placement == error_code::none);
            work.push_back({.topic_index = topic_index,
                            .id = {topic.name, data.index},
                            .records = data.records.value_or(shared_bytes())});
        }
    }
    append_request shared{.api_version = context.api_version,
                          .acks = request.acks,
                          .internal_topics = context.client_id == admin_client_id
                                                 ? storage::internal_topic_access::allowed
                                                 : storage::internal_topic_access::denied};
    std::vector<std::size_t> to_append;
    for (std::size_t index = 0; index < work.size(); ++index) {
        if (pending[index]) {
            to_append.push_back(index);
        }
    }
    auto groups =
        group_by_owner(services, to_append, [&work](std::size_t index) { return work[index].id; });
    for (auto& [owner, members] : groups) {
        auto run = [&work, &outcomes, &to_append, &members = members,
                    &shared](cluster::partition_manager& manager) -> asio::awaitable<void> {
            for (std::size_t member : members) {
                std::size_t index = to_append[member];
                outcomes[index] = co_await append_on_owner(manager, work[index], shared);
            }
        };
        co_await on_owner(services, owner, std::move(run));
    }
    co_return outcomes;
}

asio::awaitable<handler_result> handle(request_context& context, protocol::wire_reader& body) {
    produce_request request;
    request.read(body, context.api_version);
    if (!body.ok()) {
        co_return close_connection{std::string("malformed request body: ") +
                                   protocol::to_string(body.error())};
    }
    std::vector<partition_outcome> outcomes = co_await produce(context, request);
    if (request.acks == 0) {
        for (const auto& outcome : outcomes) {
            if (outcome.error != error_code::none) {
                co_return close_connection{fmt::format("acks=0 produce failed with {}",
                                                       protocol::error_code_name(outcome.error))};
            }
        }
        co_return no_response{};
    }
    produce_response response;
    std::size_t next = 0;
    for (const auto& topic : request.topic_data) {
        auto& answer = response.responses.emplace_back();
        answer.name = topic.name;
        for (const auto& data : topic.partition_data) {
            answer.partition_responses.push_back(
                to_response(data.index, std::move(outcomes[next++]), context.api_version));
        }
    }
    co_return encode_response(response, context.api_version);
}

}  // namespace

api_handler make_produce_handler() {
    return api_handler{.api_key = protocol::message_traits<produce_request>::api_key,
                       .min_version = protocol::message_traits<produce_request>::min_version,
                       .max_version = protocol::message_traits<produce_request>::max_version,
                       .handle = handle};
}

}  // namespace samsa::server::handlers
