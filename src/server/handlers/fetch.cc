#include "server/handlers/fetch.h"

#include <asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

#include "base/clock.h"
#include "protocol/generated/fetch_request.h"
#include "protocol/generated/fetch_response.h"
#include "server/fetch_purgatory.h"
#include "server/fetch_session_cache.h"
#include "server/partition_access.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;
using protocol::fetch_request;
using protocol::fetch_response;

constexpr int16_t first_served_version = 4;
constexpr int16_t first_version_with_log_start_offset = 5;
constexpr int16_t first_version_with_topic_ids = 13;
constexpr int8_t read_committed = 1;

// What one read of one partition found.
struct partition_read {
    error_code error = error_code::none;
    offset high_watermark{-1};
    offset last_stable_offset{-1};
    offset log_start_offset{-1};
    std::vector<storage::file_region> records;  // whole batches, in offset order
    uint32_t size_bytes = 0;
    // read_committed: the aborted transactions overlapping the records returned.
    std::vector<storage::aborted_transaction> aborted;
};

// The response's byte budget, spent partition by partition in response order (Kafka's
// rule: the first partition with data returns at least one batch, whatever the budget).
struct read_budget {
    uint32_t remaining = 0;
    bool returned_data = false;
};

// How a partition on another shard wakes this shard's delayed fetches.
struct wake_registration {
    uint32_t key = 0;  // the waiting shard
    asio::any_io_executor executor;
    fetch_purgatory* purgatory = nullptr;
};

partition_read read_on_owner(cluster::partition_manager& manager, const fetch_target& target,
                             bool committed_only, read_budget& budget,
                             const wake_registration* watch) {
    storage::topic_partition id{target.topic, target.partition};
    serving_partition serving = find_serving(manager, id, target.current_leader_epoch, &target.id);
    if (serving.partition == nullptr) {
        return {.error = serving.error};
    }
    cluster::partition& hosted = *serving.partition;
    partition_read found{.high_watermark = hosted.high_watermark(),
                         .last_stable_offset = hosted.last_stable_offset(),
                         .log_start_offset = hosted.log_start_offset()};
    // read_committed stops at the last stable offset, and names the aborted transactions
    // among the records so the consumer can drop them.
    offset limit = committed_only ? found.last_stable_offset : found.high_watermark;
    uint32_t max_bytes =
        std::min(static_cast<uint32_t>(std::max(target.partition_max_bytes, 0)), budget.remaining);
    auto data = hosted.log().read(target.fetch_offset, max_bytes, limit, !budget.returned_data);
    if (!data) {
        found.error = error_for(data.error());
        return found;
    }
    if (data.value().size_bytes > 0 && committed_only) {
        auto aborted =
            hosted.log().aborted_transactions(target.fetch_offset, data.value().next_offset);
        if (!aborted) {
            found.error = error_for(aborted.error());
            return found;
        }
        found.aborted = std::move(aborted).value();
    }
    if (data.value().size_bytes > 0) {
        found.records = std::move(data.value().regions);
        found.size_bytes = data.value().size_bytes;
        budget.remaining -= std::min(budget.remaining, found.size_bytes);
        budget.returned_data = true;
    }
    if (watch != nullptr) {
        hosted.on_next_append(watch->key,
                              [executor = watch->executor, purgatory = watch->purgatory, id] {
                                  asio::post(executor, [purgatory, id] { purgatory->wake(id); });
                              });
    }
    return found;
}

// Reads every target without an error, in response order: one cross-shard call per run of
// consecutive targets on one shard, so the byte budget is spent in Kafka's order.
asio::awaitable<std::vector<partition_read>> read_all(request_context& context,
                                                      const fetch_plan& plan,
                                                      const std::vector<error_code>& refused,
                                                      bool committed_only, uint32_t max_bytes,
                                                      const wake_registration* watch) {
    shard_services& services = context.services;
    std::vector<partition_read> reads(plan.targets.size());
    std::vector<std::size_t> to_read;
    for (std::size_t index = 0; index < plan.targets.size(); ++index) {
        if (refused[index] == error_code::none) {
            to_read.push_back(index);
        } else {
            reads[index].error = refused[index];
        }
    }
    auto batches = batch_by_owner(
        services, to_read.size(),
        [&](std::size_t item) {
            const fetch_target& target = plan.targets[to_read[item]];
            return storage::topic_partition{target.topic, target.partition};
        },
        batching::in_order);
    read_budget budget{.remaining = max_bytes};
    for (auto& batch : batches) {
        auto read_batch = [&plan, &reads, &to_read, &items = batch.items, &budget, committed_only,
                           watch](cluster::partition_manager& manager) {
            for (std::size_t item : items) {
                std::size_t index = to_read[item];
                reads[index] =
                    read_on_owner(manager, plan.targets[index], committed_only, budget, watch);
            }
        };
        co_await on_owner(services, batch.owner, std::move(read_batch));
    }
    co_return reads;
}

// Why a target cannot be read here, from the metadata image alone.
std::vector<error_code> check_targets(const shard_services& services, const fetch_plan& plan) {
    std::vector<error_code> refused;
    for (const auto& target : plan.targets) {
        if (target.error != error_code::none) {
            refused.push_back(target.error);
            continue;
        }
        const cluster::topic_metadata* topic = services.metadata->find_topic(target.topic);
        if (topic != nullptr && !target.id.is_zero() && topic->id != target.id) {
            // The name now belongs to another incarnation of the topic.
            refused.push_back(error_code::unknown_topic_id);
            continue;
        }
        refused.push_back(placement_error(services, topic, target.partition));
    }
    return refused;
}

fetch_response::partition_data to_partition_data(const fetch_target& target,
                                                 const partition_read& read, int16_t version,
                                                 bool committed_only,
                                                 std::vector<storage::file_region>& regions) {
    fetch_response::partition_data data{.partition_index = target.partition,
                                        .error_code = read.error,
                                        .high_watermark = read.high_watermark,
                                        .last_stable_offset = read.last_stable_offset};
    if (version >= first_version_with_log_start_offset) {
        data.log_start_offset = read.log_start_offset;
    }
    if (committed_only) {
        data.aborted_transactions.emplace();
        for (const auto& aborted : read.aborted) {
            data.aborted_transactions->push_back(
                {.producer_id = aborted.id, .first_offset = aborted.first_offset});
        }
    }
    if (read.size_bytes > 0) {
        data.records = shared_bytes::external(read.size_bytes);
        regions.insert(regions.end(), read.records.begin(), read.records.end());
    } else {
        data.records = shared_bytes();
    }
    return data;
}

// The fetch's settings that do not change while it waits.
struct fetch_limits {
    bool committed_only = false;
    uint32_t max_bytes = 0;
    int32_t min_bytes = 0;
    std::chrono::steady_clock::time_point deadline;
    bool may_wait = false;
};

fetch_limits limits_of(const shard_services& services, const fetch_request& request,
                       const fetch_plan& plan) {
    return {.committed_only = request.isolation_level == read_committed,
            .max_bytes = static_cast<uint32_t>(
                std::clamp(request.max_bytes, 0, services.settings.fetch_max_bytes)),
            .min_bytes = request.min_bytes,
            .deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max(request.max_wait_ms, 0)),
            .may_wait = services.fetches != nullptr && request.max_wait_ms > 0 &&
                        request.min_bytes > 0 && !plan.targets.empty()};
}

wake_registration wake_for(const shard_services& services) {
    return {.key = services.shard->id().value(),
            .executor = services.shard->executor(),
            .purgatory = services.fetches};
}

std::vector<storage::topic_partition> partitions_of(const fetch_plan& plan) {
    std::vector<storage::topic_partition> partitions;
    partitions.reserve(plan.targets.size());
    for (const auto& target : plan.targets) {
        partitions.push_back({target.topic, target.partition});
    }
    return partitions;
}

// Reads until the fetch has min_bytes, a partition has an error, or the wait is over.
asio::awaitable<std::vector<partition_read>> read_until_satisfied(request_context& context,
                                                                  const fetch_plan& plan,
                                                                  const fetch_limits& limits) {
    shard_services& services = context.services;
    fetch_purgatory* purgatory = services.fetches;
    std::optional<wake_registration> watch;
    if (limits.may_wait) {
        watch = wake_for(services);
    }
    while (true) {
        // Checked again on every pass: a topic may have been deleted while waiting.
        std::vector<error_code> refused = check_targets(services, plan);
        uint64_t generation = purgatory != nullptr ? purgatory->generation() : 0;
        std::vector<partition_read> reads =
            co_await read_all(context, plan, refused, limits.committed_only, limits.max_bytes,
                              watch ? &*watch : nullptr);
        int64_t bytes = 0;
        bool any_error = false;
        for (const auto& read : reads) {
            bytes += read.size_bytes;
            any_error = any_error || read.error != error_code::none;
        }
        if (bytes >= limits.min_bytes || any_error || !limits.may_wait || !purgatory->has_room() ||
            context.connection.closed || std::chrono::steady_clock::now() >= limits.deadline) {
            co_return reads;
        }
        if (purgatory->generation() == generation) {
            std::vector<storage::topic_partition> partitions = partitions_of(plan);
            co_await purgatory->wait_until(partitions, limits.deadline);
        }
    }
}

std::vector<fetched_partition> summarize(const std::vector<partition_read>& reads) {
    std::vector<fetched_partition> results;
    results.reserve(reads.size());
    for (const auto& read : reads) {
        results.push_back({.error = read.error,
                           .high_watermark = read.high_watermark,
                           .last_stable_offset = read.last_stable_offset,
                           .log_start_offset = read.log_start_offset,
                           .has_records = read.size_bytes > 0});
    }
    return results;
}

handler_result respond(const fetch_plan& plan, const fetch_completion& done,
                       const std::vector<partition_read>& reads, int16_t version,
                       bool committed_only) {
    fetch_response response;
    response.error_code = done.error;
    response.session_id = done.session_id;
    std::vector<storage::file_region> regions;
    if (done.error == error_code::none) {
        for (std::size_t index = 0; index < plan.targets.size(); ++index) {
            if (!done.included[index]) {
                continue;
            }
            const fetch_target& target = plan.targets[index];
            bool same_topic = !response.responses.empty() &&
                              (version >= first_version_with_topic_ids
                                   ? response.responses.back().topic_id == target.id
                                   : response.responses.back().topic == target.topic);
            if (!same_topic) {
                auto& topic = response.responses.emplace_back();
                if (version >= first_version_with_topic_ids) {
                    topic.topic_id = target.id;
                } else {
                    topic.topic = target.topic;
                }
            }
            response.responses.back().partitions.push_back(
                to_partition_data(target, reads[index], version, committed_only, regions));
        }
    }
    return encode_response_with_regions(response, version, std::move(regions));
}

fetch_session_cache& sessions_of(shard_services& services,
                                 std::unique_ptr<fetch_session_cache>& fallback) {
    if (services.fetch_sessions != nullptr) {
        return *services.fetch_sessions;
    }
    // Tests without sessions: a cache of none serves every fetch sessionless.
    fallback = std::make_unique<fetch_session_cache>(fetch_session_limits{.max_sessions = 0});
    return *fallback;
}

fetch_plan plan_fetch(fetch_session_cache& sessions, const shard_services& services,
                      const fetch_request& request, int16_t version) {
    cluster::metadata_image_ptr image = services.metadata;
    auto name_of = [&image](const topic_id& id) -> std::optional<std::string> {
        const cluster::topic_metadata* topic = image->find_topic(id);
        return topic == nullptr ? std::nullopt : std::optional<std::string>(topic->name);
    };
    return sessions.plan(request, version, name_of, wall_clock_ms());
}

asio::awaitable<handler_result> handle(request_context& context, protocol::wire_reader& body) {
    fetch_request request;
    protocol::decode_error error =
        co_await decode_request(context.decoded_entries, body, context.api_version, request);
    if (error != protocol::decode_error::none) {
        co_return undecodable_body(error);
    }
    std::unique_ptr<fetch_session_cache> fallback;
    fetch_session_cache& sessions = sessions_of(context.services, fallback);
    fetch_plan plan = plan_fetch(sessions, context.services, request, context.api_version);
    if (plan.context == fetch_context::session_error) {
        fetch_response response;
        response.error_code = plan.error;
        co_return encode_response(response, context.api_version);
    }
    fetch_limits limits = limits_of(context.services, request, plan);
    std::vector<partition_read> reads = co_await read_until_satisfied(context, plan, limits);
    fetch_completion done = sessions.complete(plan, summarize(reads), wall_clock_ms());
    co_return respond(plan, done, reads, context.api_version, limits.committed_only);
}

}  // namespace

api_handler make_fetch_handler() {
    return api_handler{.api_key = protocol::message_traits<fetch_request>::api_key,
                       .min_version = first_served_version,
                       .max_version = protocol::message_traits<fetch_request>::max_version,
                       .handle = handle};
}

}  // namespace samsa::server::handlers
