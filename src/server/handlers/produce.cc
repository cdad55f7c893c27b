#include "server/handlers/produce.h"

#include <map>
#include <set>

#include "base/assert.h"
#include "base/clock.h"
#include "protocol/generated/produce_request.h"
#include "protocol/generated/produce_response.h"
#include "protocol/record_batch.h"
#include "runtime/when_all.h"
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
    storage::topic_partition id;
    shared_bytes records;
    int32_t in_sync_replicas = 0;  // the ISR size the metadata image gives
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

// An appended batch that acks=all (or a due flush) still has to make durable.
struct pending_durability {
    std::shared_ptr<cluster::partition> partition;
    offset end{0};
};

// An idempotent or transactional producer's batch, checked against the partition's producer
// state: the answer when it is not to be appended (refused, or a retry of a batch already
// written, answered as the original was), nullopt when it is.
std::optional<partition_outcome> check_producer(const serving_partition& serving,
                                                const partition_work& work,
                                                const storage::validated_batch& validated,
                                                const append_request& request,
                                                std::optional<pending_durability>& durability) {
    cluster::partition& hosted = *serving.partition;
    auto batch =
        protocol::record_batch_view::parse(validated.bytes.span(), protocol::crc_check::skip);
    SAMSA_ASSERT(batch, "a validated batch that does not parse");
    auto producer_check = hosted.log().check_producer_batch(batch.value());
    if (!producer_check) {
        log::debug("produce to {}-{} refused: {}", work.id.topic, work.id.partition.value(),
                   producer_check.error().message);
        partition_outcome outcome = refused(producer_check.error().code);
        outcome.error_message = std::move(producer_check.error().message);
        return outcome;
    }
    const auto& duplicate = producer_check.value();
    if (!duplicate) {
        return std::nullopt;
    }
    partition_outcome outcome;
    outcome.base_offset = duplicate->first_offset;
    outcome.log_start_offset = hosted.log_start_offset();
    if (request.acks == -1) {
        durability = pending_durability{.partition = serving.partition,
                                        .end = offset(duplicate->last_offset.value() + 1)};
    }
    return outcome;
}

// On the partition's owner shard: validate and append. Durability is awaited later, once
// the request has released its turn.
partition_outcome append_on_owner(cluster::partition_manager& manager, partition_work& work,
                                  const append_request& request,
                                  std::optional<pending_durability>& durability) {
    serving_partition serving = find_serving(manager, work.id);
    if (serving.partition == nullptr) {
        return refused(serving.error);
    }
    cluster::partition& hosted = *serving.partition;
    if (request.acks == -1 && work.in_sync_replicas < hosted.settings().min_insync_replicas) {
        // Kafka refuses before appending: acks=all promises min.insync.replicas copies.
        return refused(error_code::not_enough_replicas);
    }
    int64_t now_ms = wall_clock_ms();
    storage::produce_request_context context{.api_version = request.api_version,
                                             .internal_topics = request.internal_topics,
                                             .topic = work.id.topic,
                                             .partition = work.id.partition,
                                             .now_ms = now_ms};
    auto validated = storage::validate_produce_records(std::move(work.records),
                                                       hosted.settings().produce, context);
    if (!validated) {
        storage::produce_validation_error failure = validated.error();
        log::debug("produce to {}-{} refused: {}", work.id.topic, work.id.partition.value(),
                   failure.reason);
        partition_outcome outcome = refused(failure.code);
        outcome.record_errors = std::move(failure.record_errors);
        outcome.error_message = std::move(failure.error_message);
        return outcome;
    }
    if (validated.value().producer_id.value() >= 0) {
        if (auto answered = check_producer(serving, work, validated.value(), request, durability)) {
            return std::move(*answered);
        }
    }
    auto appended = hosted.append(validated.value().bytes.mutable_span(), now_ms);
    if (!appended) {
        log::warn("append to {}-{}: {}", work.id.topic, work.id.partition.value(),
                  appended.error().message);
        return refused(error_for(appended.error()));
    }
    const storage::append_result& result = appended.value();
    if (request.acks == -1 || hosted.log().flush_due(now_ms)) {
        durability = pending_durability{.partition = serving.partition,
                                        .end = offset(result.last_offset.value() + 1)};
    }
    partition_outcome outcome;
    outcome.base_offset = result.base_offset;
    outcome.log_append_time_ms = result.log_append_time_ms;
    outcome.log_start_offset = result.log_start_offset;
    return outcome;
}

// On the owner shard: waits until an appended batch is on disk (group commit shares the
// fsync with other producers of the partition).
asio::awaitable<void> make_durable(std::optional<pending_durability>& pending,
                                   partition_outcome& outcome) {
    cluster::partition& hosted = *pending->partition;
    auto durable = co_await hosted.log().wait_durable(pending->end);
    if (!durable) {
        log::warn("making {}-{} durable: {}", hosted.id().topic, hosted.id().partition.value(),
                  durable.error().message);
        outcome = refused(error_for(durable.error()));
    }
    pending.reset();
}

// The partitions of one request: the work, what became of it, and what still has to
// become durable, all indexed alike (request order).
struct request_partitions {
    std::vector<partition_work> work;
    std::vector<partition_outcome> outcomes;
    std::vector<std::optional<pending_durability>> pending;
};

// Appends the items of one owner batch on their shard.
asio::awaitable<void> append_batch(shard_services& services, const owner_batch& batch,
                                   const std::vector<std::size_t>& to_append,
                                   const append_request& appending, request_partitions& request) {
    auto append_all = [&](cluster::partition_manager& manager) {
        for (std::size_t item : batch.items) {
            std::size_t index = to_append[item];
            request.outcomes[index] =
                append_on_owner(manager, request.work[index], appending, request.pending[index]);
        }
    };
    co_await on_owner(services, batch.owner, std::move(append_all));
}

// Waits on their shard until the items of one owner batch that need it are durable, the
// partitions' fsyncs all at once.
asio::awaitable<void> make_batch_durable(shard_services& services, const owner_batch& batch,
                                         const std::vector<std::size_t>& to_append,
                                         request_partitions& request) {
    std::vector<std::size_t> items;
    for (std::size_t item : batch.items) {
        if (request.pending[to_append[item]]) {
            items.push_back(to_append[item]);
        }
    }
    if (items.empty()) {
        co_return;
    }
    auto wait_all = [&request, &items](cluster::partition_manager&) -> asio::awaitable<void> {
        std::vector<asio::awaitable<void>> waits;
        for (std::size_t index : items) {
            waits.push_back(make_durable(request.pending[index], request.outcomes[index]));
        }
        co_await runtime::when_all(std::move(waits));
    };
    co_await on_owner(services, batch.owner, std::move(wait_all));
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
    // Taken before the first suspension: tickets follow request order.
    request_turns& turns = context.connection.produce_turns;
    uint64_t ticket = turns.take();
    shard_services& services = context.services;
    request_partitions partitions;
    std::vector<std::size_t> to_append;
    std::set<std::string> unknown_topics;
    for (auto& topic : request.topic_data) {
        const cluster::topic_metadata* known = services.metadata->find_topic(topic.name);
        if (known == nullptr) {
            unknown_topics.insert(topic.name);
        }
        for (auto& data : topic.partition_data) {
            error_code placement = placement_error(services, known, data.index);
            if (context.api_version < first_served_version) {
                placement = error_code::unsupported_version;
            } else if (request.acks != 0 && request.acks != 1 && request.acks != -1) {
                placement = error_code::invalid_required_acks;
            }
            if (placement == error_code::none) {
                to_append.push_back(partitions.work.size());
            }
            partitions.outcomes.push_back(refused(placement));
            int32_t in_sync = 0;
            if (placement == error_code::none) {
                in_sync = static_cast<int32_t>(
                    known->partitions[static_cast<std::size_t>(data.index.value())].isr.size());
            }
            partitions.work.push_back({.id = {topic.name, data.index},
                                       .records = data.records.value_or(shared_bytes()),
                                       .in_sync_replicas = in_sync});
        }
    }
    append_request appending{.api_version = context.api_version,
                             .acks = request.acks,
                             .internal_topics = context.client_id == admin_client_id
                                                    ? storage::internal_topic_access::allowed
                                                    : storage::internal_topic_access::denied};
    auto batches = batch_by_owner(
        services, to_append.size(),
        [&](std::size_t item) { return partitions.work[to_append[item]].id; }, batching::by_owner);
    partitions.pending.resize(partitions.work.size());

    // The shards append at once; the turn is released when all have appended, so the next
    // request of this connection appends after this one on every partition.
    co_await turns.wait(ticket);
    std::vector<asio::awaitable<void>> appends;
    for (const auto& batch : batches) {
        appends.push_back(append_batch(services, batch, to_append, appending, partitions));
    }
    co_await runtime::when_all(std::move(appends));
    turns.finish(ticket);

    std::vector<asio::awaitable<void>> durability;
    for (const auto& batch : batches) {
        durability.push_back(make_batch_durable(services, batch, to_append, partitions));
    }
    co_await runtime::when_all(std::move(durability));

    if (services.auto_creator != nullptr && services.settings.auto_create_topics_enable &&
        hosts_partitions(services) && context.api_version >= first_served_version) {
        // The client retries UNKNOWN_TOPIC_OR_PARTITION and finds the topic created.
        for (const auto& name : unknown_topics) {
            co_await services.auto_creator->create_topic(name);
        }
    }
    co_return std::move(partitions.outcomes);
}

asio::awaitable<handler_result> handle(request_context& context, protocol::wire_reader& body) {
    produce_request request;
    protocol::decode_error error =
        co_await decode_request(context.decoded_entries, body, context.api_version, request);
    if (error != protocol::decode_error::none) {
        co_return undecodable_body(error);
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
