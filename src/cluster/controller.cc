#include "cluster/controller.h"

#include <fmt/format.h>
#include <asio/this_coro.hpp>

#include <limits>
#include <map>
#include <random>
#include <set>

#include "base/assert.h"
#include "base/log.h"
#include "cluster/metadata_batch.h"
#include "cluster/metadata_image_builder.h"
#include "cluster/topic_name.h"
#include "protocol/generated/config_record.h"
#include "protocol/generated/feature_level_record.h"
#include "protocol/generated/partition_record.h"
#include "protocol/generated/register_broker_record.h"
#include "protocol/generated/remove_topic_record.h"
#include "protocol/generated/topic_record.h"
#include "protocol/record_batch.h"

namespace samsa::cluster {
namespace {

using protocol::error_code;

constexpr int8_t topic_resource_type = 2;  // ConfigResource.Type.TOPIC
// The metadata log's Raft epoch while there is one voter that never changes.
constexpr leader_epoch single_voter_epoch{1};
// Bounds what one request may create, so a hostile count cannot exhaust memory: Kafka's
// default max partitions per request of a controller mutation is far below this.
constexpr int64_t max_partitions_per_request = 100'000;

storage::storage_error corrupt(std::string message) {
    return {storage::storage_errc::corrupt_log, std::move(message)};
}

// Replays the whole metadata log into builder.
storage::storage_result<std::monostate> replay(storage::partition_log& log,
                                               metadata_image_builder& builder) {
    auto apply_batch =
        [&builder](
            const protocol::record_batch_view& batch) -> storage::storage_result<std::monostate> {
        auto records = read_metadata_batch(batch);
        if (!records) {
            return failure{
                corrupt(fmt::format("metadata log at offset {}: {}", batch.base_offset().value(),
                                    to_string(records.error())))};
        }
        if (auto applied = builder.apply(records.value()); !applied) {
            return failure{
                corrupt(fmt::format("metadata log at offset {}: {}", batch.base_offset().value(),
                                    to_string(applied.error())))};
        }
        builder.set_provenance(provenance_of(batch));
        return std::monostate{};
    };
    return log.visit_batches(log.log_start_offset(), protocol::crc_check::verify, apply_batch);
}

std::size_t unfenced_brokers(const metadata_image& image) {
    std::size_t count = 0;
    for (const auto& [id, broker] : image.brokers()) {
        count += broker.fenced ? 0 : 1;
    }
    return count;
}

std::string colliding_name(std::string_view name) {
    std::string normalized(name);
    std::replace(normalized.begin(), normalized.end(), '.', '_');
    return normalized;
}

topic_outcome refused(std::string name, error_code error, std::string message) {
    return {.name = std::move(name), .error = error, .message = std::move(message)};
}

std::vector<metadata_record> partition_records(const topic_id& topic, int32_t first, int32_t count,
                                               node_id leader) {
    std::vector<metadata_record> records;
    for (int32_t index = first; index < first + count; ++index) {
        records.push_back(make_metadata_record(protocol::partition_record{
            .partition_id = partition_id(index),
            .topic_id = topic,
            .replicas = {leader},
            .isr = {leader.value()},
            .leader = leader,
            .leader_epoch = leader_epoch(0),
            .partition_epoch = 0,
            .directories = {uuid()}}));  // Kafka's DirectoryId.UNASSIGNED
    }
    return records;
}

}  // namespace

topic_id random_topic_id() {
    static thread_local std::mt19937_64 random(std::random_device{}());
    while (true) {
        uuid candidate(random(), random());
        bool reserved = candidate.is_zero() || candidate == uuid(0, 1);
        if (!reserved && candidate.to_string().front() != '-') {
            return topic_id(candidate);
        }
    }
}

controller::controller(std::unique_ptr<storage::partition_log> log, metadata_image_ptr image,
                       node_id self, controller_settings settings)
    : log_(std::move(log)), image_(std::move(image)), self_(self), settings_(std::move(settings)) {}

storage::storage_result<std::unique_ptr<controller>> controller::open(
    storage::file_system& fs, const std::filesystem::path& metadata_dir, std::string cluster_id,
    node_id self, controller_settings settings, int64_t now_ms) {
    // The metadata log is small: it is scanned in full at every start.
    auto log = storage::partition_log::open(fs, metadata_dir / storage::metadata_log_dir_name,
                                            settings.metadata_log, {.now_ms = now_ms});
    if (!log) {
        return failure{log.error()};
    }
    metadata_image_builder builder(std::move(cluster_id), self);
    if (auto replayed = replay(*log.value(), builder); !replayed) {
        return failure{replayed.error()};
    }
    auto image = std::move(builder).build();
    log::info("metadata log replayed to offset {}: {} topics, {} brokers",
              log.value()->log_end_offset().value(), image->topics().size(),
              image->brokers().size());
    return std::unique_ptr<controller>(
        new controller(std::move(log).value(), std::move(image), self, std::move(settings)));
}

asio::awaitable<void> controller::begin_operation() {
    if (!operation_finished_) {
        operation_finished_ =
            std::make_unique<runtime::async_event>(co_await asio::this_coro::executor);
    }
    while (operation_running_) {
        co_await operation_finished_->wait();
    }
    operation_running_ = true;
}

void controller::end_operation() {
    operation_running_ = false;
    operation_finished_->notify_all();
}

asio::awaitable<storage::storage_result<metadata_image_ptr>> controller::commit(
    std::vector<metadata_record> records, int64_t now_ms) {
    auto batch = build_metadata_batch(records, {.append_time_ms = now_ms});
    if (!batch) {
        co_return failure{storage::storage_error{
            storage::storage_errc::io_error,
            fmt::format("metadata batch refused: {}", to_string(batch.error()))}};
    }
    auto appended = log_->append(batch.value(), single_voter_epoch, now_ms);
    if (!appended) {
        co_return failure{appended.error()};
    }
    log_->set_high_watermark(log_->log_end_offset());
    auto durable = co_await log_->wait_durable(offset(appended.value().last_offset.value() + 1));
    if (!durable) {
        co_return failure{durable.error()};
    }
    metadata_image_builder builder(*image_);
    auto applied = builder.apply(records);
    // Every record was checked against this image before it was written.
    SAMSA_ASSERT(applied, "the controller wrote records its image refuses: %s",
                 std::string(to_string(applied.error())).c_str());
    builder.set_provenance({.last_offset = appended.value().last_offset,
                            .last_epoch = single_voter_epoch,
                            .last_append_time_ms = now_ms});
    image_ = std::move(builder).build();
    co_return image_;
}

template <typename Outcome>
asio::awaitable<void> controller::commit_for(std::vector<Outcome>& outcomes,
                                             std::vector<metadata_record> records, int64_t now_ms) {
    if (records.empty()) {
        co_return;
    }
    auto committed = co_await commit(std::move(records), now_ms);
    if (committed) {
        co_return;
    }
    log::error("metadata change not written: {}", committed.error().message);
    for (auto& outcome : outcomes) {
        if (outcome.error == error_code::none) {
            outcome.error = error_code::kafka_storage_error;
            outcome.message = committed.error().message;
        }
    }
}

asio::awaitable<storage::storage_result<metadata_image_ptr>> controller::register_broker(
    const broker_registration& self, int64_t now_ms) {
    co_await begin_operation();
    std::vector<metadata_record> records;
    if (!image_->metadata_version()) {
        records.push_back(make_metadata_record(
            protocol::feature_level_record{.name = std::string(metadata_version_feature),
                                           .feature_level = bootstrap_metadata_version}));
    }
    protocol::register_broker_record registration{.broker_id = self.id,
                                                  .incarnation_id = random_topic_id(),
                                                  .broker_epoch = log_->log_end_offset().value(),
                                                  .rack = self.rack,
                                                  .fenced = false};
    for (const auto& endpoint : self.endpoints) {
        registration.end_points.push_back(
            {.name = endpoint.listener_name,
             .host = endpoint.host,
             .port = endpoint.port,
             .security_protocol = static_cast<int16_t>(endpoint.protocol)});
    }
    records.push_back(make_metadata_record(std::move(registration)));
    auto committed = co_await commit(std::move(records), now_ms);
    end_operation();
    co_return committed;
}

topic_outcome controller::check_new_topic(const topic_request& request,
                                          const std::vector<std::string>& duplicates) const {
    const std::string& name = request.name;
    if (std::find(duplicates.begin(), duplicates.end(), name) != duplicates.end()) {
        return refused(name, error_code::invalid_request, "Duplicate topic name.");
    }
    if (!is_valid_topic_name(name)) {
        return refused(name, error_code::invalid_topic_exception,
                       fmt::format("Topic name '{}' is illegal: it must be 1 to {} characters of "
                                   "ASCII alphanumerics, '.', '_' and '-', and not '.' or '..'.",
                                   name, max_topic_name_length));
    }
    if (image_->find_topic(name) != nullptr) {
        return refused(name, error_code::topic_already_exists,
                       fmt::format("Topic '{}' already exists.", name));
    }
    for (const auto& [existing, topic] : image_->topics()) {
        if (colliding_name(existing) == colliding_name(name)) {
            return refused(
                name, error_code::invalid_topic_exception,
                fmt::format("Topic '{}' collides with existing topic: {}", name, existing));
        }
    }
    int32_t partitions =
        request.num_partitions == -1 ? settings_.default_num_partitions : request.num_partitions;
    if (partitions <= 0 || partitions > max_partitions_per_request) {
        return refused(name, error_code::invalid_partitions,
                       fmt::format("Number of partitions was set to an invalid value {}; it must "
                                   "be -1 or between 1 and {}.",
                                   request.num_partitions, max_partitions_per_request));
    }
    int16_t replication = request.replication_factor == -1 ? settings_.default_replication_factor
                                                           : request.replication_factor;
    if (replication <= 0) {
        return refused(name, error_code::invalid_replication_factor,
                       "Replication factor must be larger than 0, or -1 to use the default value.");
    }
    std::size_t brokers = unfenced_brokers(*image_);
    if (static_cast<std::size_t>(replication) > brokers) {
        return refused(name, error_code::invalid_replication_factor,
                       fmt::format("Unable to replicate the partition {} time(s): The target "
                                   "replication factor of {} cannot be reached because only {} "
                                   "broker(s) are registered.",
                                   replication, replication, brokers));
    }
    for (const auto& [key, value] : request.configs) {
        if (settings_.validate_topic_config) {
            if (auto problem = settings_.validate_topic_config(key, value)) {
                return refused(name, error_code::invalid_config, *problem);
            }
        }
    }
    return {.name = name, .num_partitions = partitions, .replication_factor = replication};
}

asio::awaitable<std::vector<topic_outcome>> controller::create_topics(
    std::vector<topic_request> requests, bool validate_only, int64_t now_ms) {
    co_await begin_operation();
    std::vector<std::string> duplicates;
    std::set<std::string, std::less<>> seen;
    for (const auto& request : requests) {
        if (!seen.insert(request.name).second) {
            duplicates.push_back(request.name);
        }
    }
    std::vector<topic_outcome> outcomes;
    std::vector<metadata_record> records;
    int64_t partitions_requested = 0;
    for (const auto& request : requests) {
        topic_outcome outcome = check_new_topic(request, duplicates);
        if (outcome.error == error_code::none) {
            partitions_requested += outcome.num_partitions;
            if (partitions_requested > max_partitions_per_request) {
                outcome = refused(request.name, error_code::invalid_partitions,
                                  "Too many partitions in one request.");
            }
        }
        if (outcome.error == error_code::none) {
            outcome.id = random_topic_id();
            if (!validate_only) {
                records.push_back(make_metadata_record(
                    protocol::topic_record{.name = request.name, .topic_id = outcome.id}));
                for (auto& record :
                     partition_records(outcome.id, 0, outcome.num_partitions, self_)) {
                    records.push_back(std::move(record));
                }
                for (const auto& [key, value] : request.configs) {
                    records.push_back(make_metadata_record(
                        protocol::config_record{.resource_type = topic_resource_type,
                                                .resource_name = request.name,
                                                .name = key,
                                                .value = value}));
                }
            }
        }
        outcomes.push_back(std::move(outcome));
    }
    co_await commit_for(outcomes, std::move(records), now_ms);
    end_operation();
    co_return outcomes;
}

asio::awaitable<std::vector<topic_outcome>> controller::delete_topics(
    std::vector<topic_reference> topics, int64_t now_ms) {
    co_await begin_operation();
    std::vector<topic_outcome> outcomes;
    std::vector<metadata_record> records;
    std::set<topic_id> removing;
    for (const auto& reference : topics) {
        const topic_metadata* found = nullptr;
        topic_outcome outcome;
        if (const auto* name = std::get_if<std::string>(&reference)) {
            outcome.name = *name;
            found = image_->find_topic(*name);
            if (found == nullptr) {
                outcome.error = error_code::unknown_topic_or_partition;
                outcome.message = "This server does not host this topic-partition.";
            }
        } else {
            outcome.id = std::get<topic_id>(reference);
            found = image_->find_topic(outcome.id);
            if (found == nullptr) {
                outcome.error = error_code::unknown_topic_id;
                outcome.message = "This server does not host this topic ID.";
            }
        }
        if (found != nullptr) {
            outcome.name = found->name;
            outcome.id = found->id;
            if (removing.insert(found->id).second) {
                records.push_back(
                    make_metadata_record(protocol::remove_topic_record{.topic_id = found->id}));
            }
        }
        outcomes.push_back(std::move(outcome));
    }
    co_await commit_for(outcomes, std::move(records), now_ms);
    end_operation();
    co_return outcomes;
}

asio::awaitable<std::vector<topic_outcome>> controller::create_partitions(
    std::vector<partition_increase> increases, bool validate_only, int64_t now_ms) {
    co_await begin_operation();
    std::map<std::string, int, std::less<>> mentions;
    for (const auto& increase : increases) {
        ++mentions[increase.topic];
    }
    std::vector<topic_outcome> outcomes;
    std::vector<metadata_record> records;
    for (const auto& increase : increases) {
        topic_outcome outcome{.name = increase.topic};
        const topic_metadata* topic = image_->find_topic(increase.topic);
        auto current = topic == nullptr ? 0 : static_cast<int32_t>(topic->partitions.size());
        if (mentions[increase.topic] > 1) {
            outcome.error = error_code::invalid_request;
            outcome.message = "Duplicate topic in request.";
        } else if (topic == nullptr) {
            outcome.error = error_code::unknown_topic_or_partition;
            outcome.message = "This server does not host this topic-partition.";
        } else if (increase.new_total == current) {
            outcome.error = error_code::invalid_partitions;
            outcome.message = fmt::format("Topic already has {} partition(s).", current);
        } else if (increase.new_total < current) {
            outcome.error = error_code::invalid_partitions;
            outcome.message = fmt::format(
                "The topic {} currently has {} partition(s); {} would not be an increase.",
                increase.topic, current, increase.new_total);
        } else if (increase.new_total - current > max_partitions_per_request) {
            outcome.error = error_code::invalid_partitions;
            outcome.message = "Too many partitions in one request.";
        } else {
            outcome.id = topic->id;
            outcome.num_partitions = increase.new_total;
            if (!validate_only) {
                for (auto& record :
                     partition_records(topic->id, current, increase.new_total - current, self_)) {
                    records.push_back(std::move(record));
                }
            }
        }
        outcomes.push_back(std::move(outcome));
    }
    co_await commit_for(outcomes, std::move(records), now_ms);
    end_operation();
    co_return outcomes;
}

asio::awaitable<std::vector<config_outcome>> controller::alter_configs(
    std::vector<config_alteration> alterations, bool validate_only, int64_t now_ms) {
    co_await begin_operation();
    std::vector<config_outcome> outcomes;
    if (!settings_.configs) {
        outcomes.assign(alterations.size(),
                        {.error = error_code::invalid_config,
                         .message = "This node cannot change configs at runtime."});
        end_operation();
        co_return outcomes;
    }
    planned_config_changes plan = plan_config_changes(*image_, alterations, *settings_.configs);
    outcomes = std::move(plan.outcomes);
    if (!validate_only) {
        co_await commit_for(outcomes, std::move(plan.records), now_ms);
    }
    end_operation();
    co_return outcomes;
}

asio::awaitable<std::vector<quota_outcome>> controller::alter_client_quotas(
    std::vector<quota_alteration> alterations, bool validate_only, int64_t now_ms) {
    co_await begin_operation();
    planned_quota_changes plan = plan_quota_changes(*image_, alterations);
    std::vector<quota_outcome> outcomes = std::move(plan.outcomes);
    if (!validate_only) {
        co_await commit_for(outcomes, std::move(plan.records), now_ms);
    }
    end_operation();
    co_return outcomes;
}

asio::awaitable<producer_ids_result> controller::allocate_producer_ids(node_id broker,
                                                                       int64_t broker_epoch,
                                                                       int64_t now_ms) {
    co_await begin_operation();
    const broker_registration* registered = image_->find_broker(broker);
    if (registered == nullptr || registered->broker_epoch != broker_epoch) {
        end_operation();
        co_return producer_ids_result{.error = error_code::stale_broker_epoch};
    }
    int64_t first = image_->next_producer_id();
    if (first > std::numeric_limits<int64_t>::max() - producer_id_block_size) {
        log::error("every producer id has been handed out");
        end_operation();
        co_return producer_ids_result{.error = error_code::unknown_server_error};
    }
    std::vector<metadata_record> records;
    records.push_back(make_metadata_record(
        protocol::producer_ids_record{.broker_id = broker,
                                      .broker_epoch = broker_epoch,
                                      .next_producer_id = first + producer_id_block_size}));
    auto committed = co_await commit(std::move(records), now_ms);
    end_operation();
    if (!committed) {
        log::error("producer id block not written: {}", committed.error().message);
        co_return producer_ids_result{.error = error_code::unknown_server_error};
    }
    co_return producer_ids_result{.block = {.first = first, .size = producer_id_block_size}};
}

storage::storage_result<std::monostate> controller::close() {
    return log_->close();
}

}  // namespace samsa::cluster
