// CreateTopics, DeleteTopics and CreatePartitions, driven through their api_handler with
// encoded requests, against a fake topic_admin that records what it was asked and answers
// as scripted. No sockets: the handler coroutine runs on a local io_context.

#include <gtest/gtest.h>

#include <map>

#include "cluster/metadata_image.h"
#include "protocol/generated/create_partitions_request.h"
#include "protocol/generated/create_partitions_response.h"
#include "protocol/generated/create_topics_request.h"
#include "protocol/generated/create_topics_response.h"
#include "protocol/generated/delete_topics_request.h"
#include "protocol/generated/delete_topics_response.h"
#include "server/handler_registry.h"
#include "server/handlers/api_versions.h"
#include "server/handlers/create_partitions.h"
#include "server/handlers/create_topics.h"
#include "server/handlers/delete_topics.h"
#include "server/tests/handler_harness.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;

const topic_id orders_id(uuid(1, 1));
const topic_id offsets_id(uuid(2, 2));

// Knows the topics "orders" and "__consumer_offsets"; everything succeeds unless scripted.
class fake_topic_admin final : public topic_admin {
public:
    std::vector<std::vector<cluster::topic_request>> create_calls;
    std::vector<std::vector<cluster::topic_reference>> delete_calls;
    std::vector<std::vector<cluster::partition_increase>> partition_calls;
    std::vector<bool> validate_only_flags;
    std::map<std::string, std::pair<error_code, std::string>> failures;  // by topic name

    asio::awaitable<std::vector<cluster::topic_outcome>> create_topics(
        std::vector<cluster::topic_request> requests, bool validate_only) override {
        validate_only_flags.push_back(validate_only);
        std::vector<cluster::topic_outcome> outcomes;
        for (const auto& request : requests) {
            cluster::topic_outcome outcome{.name = request.name};
            if (!fail(outcome)) {
                outcome.id = topic_id(uuid(9, outcomes.size() + 1));
                outcome.num_partitions = request.num_partitions == -1 ? 3 : request.num_partitions;
                outcome.replication_factor =
                    request.replication_factor == -1 ? int16_t(1) : request.replication_factor;
            }
            outcomes.push_back(std::move(outcome));
        }
        create_calls.push_back(std::move(requests));
        co_return outcomes;
    }

    asio::awaitable<std::vector<cluster::topic_outcome>> delete_topics(
        std::vector<cluster::topic_reference> topics) override {
        std::vector<cluster::topic_outcome> outcomes;
        for (const auto& reference : topics) {
            cluster::topic_outcome outcome;
            if (const auto* name = std::get_if<std::string>(&reference)) {
                outcome.name = *name;
                if (*name == "orders") {
                    outcome.id = orders_id;
                } else {
                    outcome.error = error_code::unknown_topic_or_partition;
                    outcome.message = "This server does not host this topic-partition.";
                }
            } else {
                outcome.id = std::get<topic_id>(reference);
                if (outcome.id == orders_id) {
                    outcome.name = "orders";
                } else {
                    outcome.error = error_code::unknown_topic_id;
                    outcome.message = "This server does not host this topic ID.";
                }
            }
            outcomes.push_back(std::move(outcome));
        }
        delete_calls.push_back(std::move(topics));
        co_return outcomes;
    }

    asio::awaitable<std::vector<cluster::topic_outcome>> create_partitions(
        std::vector<cluster::partition_increase> increases, bool validate_only) override {
        validate_only_flags.push_back(validate_only);
        std::vector<cluster::topic_outcome> outcomes;
        for (const auto& increase : increases) {
            cluster::topic_outcome outcome{.name = increase.topic};
            if (!fail(outcome)) {
                outcome.num_partitions = increase.new_total;
            }
            outcomes.push_back(std::move(outcome));
        }
        partition_calls.push_back(std::move(increases));
        co_return outcomes;
    }

private:
    bool fail(cluster::topic_outcome& outcome) const {
        auto failure = failures.find(outcome.name);
        if (failure == failures.end()) {
            return false;
        }
        outcome.error = failure->second.first;
        outcome.message = failure->second.second;
        return true;
    }
};

cluster::metadata_image_ptr image_with_topics() {
    cluster::topic_metadata orders{.name = "orders", .id = orders_id};
    orders.partitions.push_back({.partition = partition_id(0), .leader = node_id(1)});
    cluster::topic_metadata offsets{
        .name = "__consumer_offsets", .id = offsets_id, .internal = true};
    offsets.partitions.push_back({.partition = partition_id(0), .leader = node_id(1)});
    std::vector<cluster::broker_registration> brokers{
        {.id = node_id(1), .endpoints = {{"PLAINTEXT", "127.0.0.1", 9092}}}};
    return std::make_shared<const cluster::metadata_image>("cluster-a", node_id(1), brokers,
                                                           std::vector{orders, offsets});
}

struct fixture {
    fake_topic_admin admin;
    shard_services services{.metadata = image_with_topics(), .admin = &admin};
    connection_info connection{.id = 1, .listener_name = "PLAINTEXT", .peer = "127.0.0.1:5000"};
};

// CreateTopics

protocol::create_topics_request create_request(std::vector<std::string> names) {
    protocol::create_topics_request request;
    for (auto& name : names) {
        request.topics.push_back(
            {.name = std::move(name), .num_partitions = -1, .replication_factor = -1});
    }
    return request;
}

protocol::create_topics_response create(fixture& f, const protocol::create_topics_request& request,
                                        int16_t version) {
    return call_handler<protocol::create_topics_response>(make_create_topics_handler(), f.services,
                                                          f.connection, request, version);
}

TEST(CreateTopics, V0PassesTopicsAndConfigsToTheController) {
    fixture f;
    auto request = create_request({"a", "b"});
    request.topics[0].num_partitions = 4;
    request.topics[0].replication_factor = 1;
    request.topics[0].configs.push_back({.name = "cleanup.policy", .value = "compact"});
    request.topics[0].configs.push_back({.name = "retention.ms", .value = std::nullopt});
    f.admin.failures["b"] = {error_code::topic_already_exists, "Topic 'b' already exists."};
    auto response = create(f, request, 0);

    ASSERT_EQ(f.admin.create_calls.size(), 1u);
    const auto& asked = f.admin.create_calls[0];
    ASSERT_EQ(asked.size(), 2u);
    EXPECT_EQ(asked[0].name, "a");
    EXPECT_EQ(asked[0].num_partitions, 4);
    EXPECT_EQ(asked[0].replication_factor, 1);
    ASSERT_EQ(asked[0].configs.size(), 2u);
    EXPECT_EQ(asked[0].configs[0].first, "cleanup.policy");
    EXPECT_EQ(asked[0].configs[0].second, "compact");
    EXPECT_EQ(asked[0].configs[1].second, std::nullopt);
    EXPECT_EQ(asked[1].num_partitions, -1);
    EXPECT_FALSE(f.admin.validate_only_flags[0]);

    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].name, "a");
    EXPECT_EQ(response.topics[0].error_code, error_code::none);
    EXPECT_EQ(response.topics[1].error_code, error_code::topic_already_exists);
}

TEST(CreateTopics, V1CarriesValidateOnlyAndErrorMessages) {
    fixture f;
    auto request = create_request({"a", "b"});
    request.validate_only = true;
    f.admin.failures["b"] = {error_code::invalid_partitions, "bad count"};
    auto response = create(f, request, 1);
    EXPECT_TRUE(f.admin.validate_only_flags.at(0));
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].error_message, std::nullopt);
    EXPECT_EQ(response.topics[1].error_message, "bad count");
}

TEST(CreateTopics, V5ReportsPartitionsReplicationAndAnEmptyConfigList) {
    fixture f;
    auto request = create_request({"a", "b"});
    f.admin.failures["b"] = {error_code::invalid_replication_factor, "too many"};
    auto response = create(f, request, 5);
    ASSERT_EQ(response.topics.size(), 2u);
    const auto& created = response.topics[0];
    EXPECT_EQ(created.error_code, error_code::none);
    EXPECT_EQ(created.num_partitions, 3);  // -1 took the controller's default
    EXPECT_EQ(created.replication_factor, 1);
    ASSERT_TRUE(created.configs.has_value());
    EXPECT_TRUE(created.configs->empty());
    EXPECT_EQ(created.topic_config_error_code, error_code::none);
    EXPECT_TRUE(created.topic_id.is_zero());  // not in the schema before v7
    const auto& refused = response.topics[1];
    EXPECT_EQ(refused.error_code, error_code::invalid_replication_factor);
    EXPECT_EQ(refused.error_message, "too many");
    EXPECT_EQ(refused.num_partitions, -1);
    EXPECT_EQ(refused.replication_factor, -1);
    ASSERT_TRUE(refused.configs.has_value());
}

TEST(CreateTopics, V7ReportsTopicIdsOfCreatedTopicsOnly) {
    fixture f;
    auto request = create_request({"a", "b"});
    f.admin.failures["b"] = {error_code::topic_already_exists, "exists"};
    auto response = create(f, request, 7);
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].topic_id, topic_id(uuid(9, 1)));
    EXPECT_TRUE(response.topics[1].topic_id.is_zero());
    EXPECT_EQ(response.throttle_time_ms, 0);
}

TEST(CreateTopics, ManualAssignmentsAreRefusedWithoutAskingTheController) {
    fixture f;
    auto request = create_request({"manual", "auto"});
    request.topics[0].assignments.push_back(
        {.partition_index = partition_id(0), .broker_ids = {node_id(1)}});
    auto response = create(f, request, 5);
    ASSERT_EQ(f.admin.create_calls.size(), 1u);
    ASSERT_EQ(f.admin.create_calls[0].size(), 1u);
    EXPECT_EQ(f.admin.create_calls[0][0].name, "auto");
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].name, "manual");
    EXPECT_EQ(response.topics[0].error_code, error_code::invalid_replica_assignment);
    EXPECT_TRUE(response.topics[0].error_message.has_value());
    EXPECT_EQ(response.topics[1].error_code, error_code::none);
}

TEST(CreateTopics, DuplicateNamesAreAnsweredOnceAndNotCreated) {
    fixture f;
    auto response = create(f, create_request({"twice", "once", "twice"}), 5);
    ASSERT_EQ(f.admin.create_calls.size(), 1u);
    ASSERT_EQ(f.admin.create_calls[0].size(), 1u);
    EXPECT_EQ(f.admin.create_calls[0][0].name, "once");
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].name, "twice");
    EXPECT_EQ(response.topics[0].error_code, error_code::invalid_request);
    EXPECT_EQ(response.topics[0].error_message, "Duplicate topic name.");
}

TEST(CreateTopics, TheMetadataLogIsRefusedButInternalTopicsMayBeCreated) {
    fixture f;
    auto response = create(f, create_request({"__cluster_metadata", "__transaction_state"}), 5);
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].error_code, error_code::topic_authorization_failed);
    EXPECT_EQ(response.topics[1].error_code, error_code::none);
    ASSERT_EQ(f.admin.create_calls.size(), 1u);
    ASSERT_EQ(f.admin.create_calls[0].size(), 1u);
    EXPECT_EQ(f.admin.create_calls[0][0].name, "__transaction_state");
}

TEST(CreateTopics, WithoutTopicAdminEveryTopicIsUnknownServerError) {
    fixture f;
    f.services.admin = nullptr;
    auto response = create(f, create_request({"a", "b"}), 7);
    ASSERT_EQ(response.topics.size(), 2u);
    for (const auto& topic : response.topics) {
        EXPECT_EQ(topic.error_code, error_code::unknown_server_error);
    }
}

// DeleteTopics

protocol::delete_topics_response delete_topics(fixture& f,
                                               const protocol::delete_topics_request& request,
                                               int16_t version) {
    return call_handler<protocol::delete_topics_response>(make_delete_topics_handler(), f.services,
                                                          f.connection, request, version);
}

TEST(DeleteTopics, V5DeletesByNameAndReportsMessages) {
    fixture f;
    protocol::delete_topics_request request;
    request.topic_names = {"orders", "missing"};
    auto response = delete_topics(f, request, 5);
    ASSERT_EQ(f.admin.delete_calls.size(), 1u);
    ASSERT_EQ(f.admin.delete_calls[0].size(), 2u);
    EXPECT_EQ(std::get<std::string>(f.admin.delete_calls[0][0]), "orders");
    ASSERT_EQ(response.responses.size(), 2u);
    EXPECT_EQ(response.responses[0].name, "orders");
    EXPECT_EQ(response.responses[0].error_code, error_code::none);
    EXPECT_EQ(response.responses[0].error_message, std::nullopt);
    EXPECT_TRUE(response.responses[0].topic_id.is_zero());  // not in the schema before v6
    EXPECT_EQ(response.responses[1].name, "missing");
    EXPECT_EQ(response.responses[1].error_code, error_code::unknown_topic_or_partition);
    EXPECT_TRUE(response.responses[1].error_message.has_value());
}

TEST(DeleteTopics, V0AnswersCodesOnly) {
    fixture f;
    protocol::delete_topics_request request;
    request.topic_names = {"orders"};
    auto response = delete_topics(f, request, 0);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].name, "orders");
    EXPECT_EQ(response.responses[0].error_code, error_code::none);
}

TEST(DeleteTopics, V6DeletesByIdAndAnswersUnknownIdsWithANullName) {
    fixture f;
    protocol::delete_topics_request request;
    request.topics = {{.topic_id = orders_id}, {.topic_id = topic_id(uuid(5, 5))}};
    auto response = delete_topics(f, request, 6);
    ASSERT_EQ(f.admin.delete_calls.size(), 1u);
    EXPECT_EQ(std::get<topic_id>(f.admin.delete_calls[0][0]), orders_id);
    ASSERT_EQ(response.responses.size(), 2u);
    EXPECT_EQ(response.responses[0].name, "orders");
    EXPECT_EQ(response.responses[0].topic_id, orders_id);
    EXPECT_EQ(response.responses[0].error_code, error_code::none);
    EXPECT_EQ(response.responses[1].name, std::nullopt);
    EXPECT_EQ(response.responses[1].topic_id, topic_id(uuid(5, 5)));
    EXPECT_EQ(response.responses[1].error_code, error_code::unknown_topic_id);
}

TEST(DeleteTopics, V6RefusesANameWithAnIdAndATopicWithNeither) {
    fixture f;
    protocol::delete_topics_request request;
    request.topics = {
        {.name = "orders", .topic_id = orders_id}, {.name = std::nullopt}, {.name = "missing"}};
    auto response = delete_topics(f, request, 6);
    ASSERT_EQ(f.admin.delete_calls.size(), 1u);
    ASSERT_EQ(f.admin.delete_calls[0].size(), 1u);
    EXPECT_EQ(std::get<std::string>(f.admin.delete_calls[0][0]), "missing");
    ASSERT_EQ(response.responses.size(), 3u);
    EXPECT_EQ(response.responses[0].error_code, error_code::invalid_request);
    EXPECT_EQ(response.responses[0].error_message,
              "You may not specify both topic name and topic id.");
    EXPECT_EQ(response.responses[1].error_code, error_code::invalid_request);
    EXPECT_EQ(response.responses[1].name, std::nullopt);
    EXPECT_EQ(response.responses[1].error_message, "Neither topic name nor id were specified.");
    EXPECT_EQ(response.responses[2].error_code, error_code::unknown_topic_or_partition);
}

TEST(DeleteTopics, InternalTopicsAreProtectedByNameAndById) {
    fixture f;
    protocol::delete_topics_request by_name;
    by_name.topic_names = {"__consumer_offsets"};
    auto response = delete_topics(f, by_name, 5);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, error_code::invalid_request);

    protocol::delete_topics_request by_id;
    by_id.topics = {{.topic_id = offsets_id}};
    response = delete_topics(f, by_id, 6);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, error_code::invalid_request);
    EXPECT_EQ(response.responses[0].name, "__consumer_offsets");
    EXPECT_TRUE(f.admin.delete_calls.empty());
}

TEST(DeleteTopics, DuplicateNamesAndIdsAreAnsweredOnce) {
    fixture f;
    protocol::delete_topics_request request;
    request.topics = {{.name = "orders"},
                      {.name = "orders"},
                      {.topic_id = topic_id(uuid(5, 5))},
                      {.topic_id = topic_id(uuid(5, 5))}};
    auto response = delete_topics(f, request, 6);
    EXPECT_TRUE(f.admin.delete_calls.empty());
    ASSERT_EQ(response.responses.size(), 2u);
    EXPECT_EQ(response.responses[0].error_message, "Duplicate topic name.");
    EXPECT_EQ(response.responses[1].error_message, "Duplicate topic id.");
    EXPECT_EQ(response.responses[1].name, std::nullopt);
}

TEST(DeleteTopics, WithoutTopicAdminEveryTopicIsUnknownServerError) {
    fixture f;
    f.services.admin = nullptr;
    protocol::delete_topics_request request;
    request.topic_names = {"orders"};
    auto response = delete_topics(f, request, 4);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, error_code::unknown_server_error);
}

// CreatePartitions

protocol::create_partitions_request partitions_request(
    std::vector<std::pair<std::string, int32_t>> counts) {
    protocol::create_partitions_request request;
    for (auto& [name, count] : counts) {
        request.topics.push_back({.name = name, .count = count, .assignments = std::nullopt});
    }
    return request;
}

protocol::create_partitions_response create_partitions(
    fixture& f, const protocol::create_partitions_request& request, int16_t version) {
    return call_handler<protocol::create_partitions_response>(
        make_create_partitions_handler(), f.services, f.connection, request, version);
}

TEST(CreatePartitions, PassesTheNewTotalAndValidateOnly) {
    fixture f;
    auto request = partitions_request({{"orders", 6}, {"missing", 2}});
    request.validate_only = true;
    f.admin.failures["missing"] = {error_code::unknown_topic_or_partition, "no such topic"};
    for (int16_t version : {int16_t(0), int16_t(3)}) {
        auto response = create_partitions(f, request, version);
        ASSERT_EQ(response.results.size(), 2u);
        EXPECT_EQ(response.results[0].name, "orders");
        EXPECT_EQ(response.results[0].error_code, error_code::none);
        EXPECT_EQ(response.results[0].error_message, std::nullopt);
        EXPECT_EQ(response.results[1].error_code, error_code::unknown_topic_or_partition);
        EXPECT_EQ(response.results[1].error_message, "no such topic");
    }
    ASSERT_EQ(f.admin.partition_calls.size(), 2u);
    EXPECT_EQ(f.admin.partition_calls[0][0].topic, "orders");
    EXPECT_EQ(f.admin.partition_calls[0][0].new_total, 6);
    EXPECT_TRUE(f.admin.validate_only_flags[0]);
}

TEST(CreatePartitions, ManualAssignmentsAreRefused) {
    fixture f;
    auto request = partitions_request({{"orders", 2}});
    request.topics[0].assignments.emplace();
    request.topics[0].assignments->push_back({.broker_ids = {node_id(1)}});
    auto response = create_partitions(f, request, 3);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, error_code::invalid_replica_assignment);
    EXPECT_EQ(response.results[0].error_message,
              "Manual partition assignment is not supported yet.");
    EXPECT_TRUE(f.admin.partition_calls.empty());
}

TEST(CreatePartitions, InternalTopicsKeepTheirPartitionCount) {
    fixture f;
    auto response = create_partitions(f, partitions_request({{"__consumer_offsets", 60}}), 2);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, error_code::invalid_request);
    EXPECT_TRUE(f.admin.partition_calls.empty());
}

TEST(CreatePartitions, DuplicateNamesAreAnsweredOnce) {
    fixture f;
    auto response = create_partitions(f, partitions_request({{"orders", 2}, {"orders", 3}}), 1);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, error_code::invalid_request);
    EXPECT_EQ(response.results[0].error_message, "Duplicate topic name.");
    EXPECT_TRUE(f.admin.partition_calls.empty());
}

TEST(CreatePartitions, WithoutTopicAdminEveryTopicIsUnknownServerError) {
    fixture f;
    f.services.admin = nullptr;
    auto response = create_partitions(f, partitions_request({{"orders", 2}}), 3);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, error_code::unknown_server_error);
}

// Registration

TEST(TopicAdminHandlers, ApiVersionsAdvertisesThemAtEverySchemaVersion) {
    handler_registry registry = make_default_handler_registry();
    auto response = build_api_versions_response(registry);
    for (int16_t key : {int16_t(19), int16_t(20), int16_t(37)}) {
        auto found = std::find_if(response.api_keys.begin(), response.api_keys.end(),
                                  [key](const auto& api) { return api.api_key == key; });
        ASSERT_NE(found, response.api_keys.end()) << "api key " << key;
        EXPECT_EQ(found->min_version, 0);
        EXPECT_EQ(found->max_version, protocol::find_api(key)->max_version);
    }
}

}  // namespace
}  // namespace samsa::server::handlers
