// DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and the client quota APIs, driven
// through their api_handler with encoded requests against a fake config_admin: what the
// handlers answer themselves (Kafka's preprocessing) and what they pass on. No sockets: the
// handler coroutine runs on a local io_context.

#include <gtest/gtest.h>

#include "protocol/generated/alter_client_quotas_request.h"
#include "protocol/generated/alter_client_quotas_response.h"
#include "protocol/generated/alter_configs_request.h"
#include "protocol/generated/alter_configs_response.h"
#include "protocol/generated/describe_client_quotas_request.h"
#include "protocol/generated/describe_client_quotas_response.h"
#include "protocol/generated/incremental_alter_configs_request.h"
#include "protocol/generated/incremental_alter_configs_response.h"
#include "server/handlers/alter_configs.h"
#include "server/handlers/client_quotas.h"
#include "server/handlers/describe_configs.h"
#include "server/tests/handler_harness.h"

namespace samsa::server::handlers {
namespace {

using protocol::error_code;

// Describes every resource as one config "k" of source DEFAULT_CONFIG; records the
// alterations it is asked for and accepts them.
class fake_config_admin final : public config_admin {
public:
    std::vector<std::vector<cluster::config_alteration>> config_calls;
    std::vector<std::vector<cluster::quota_alteration>> quota_calls;

    protocol::describe_configs_response::describe_configs_result describe_configs(
        const cluster::metadata_image&,
        const protocol::describe_configs_request::describe_configs_resource&, bool,
        bool) const override {
        protocol::describe_configs_response::describe_configs_result result{.error_message =
                                                                                std::nullopt};
        result.configs.push_back({.name = "k", .value = "v", .config_source = 5});
        return result;
    }

    asio::awaitable<std::vector<cluster::config_outcome>> alter_configs(
        std::vector<cluster::config_alteration> alterations, bool) override {
        std::vector<cluster::config_outcome> outcomes(alterations.size());
        config_calls.push_back(std::move(alterations));
        co_return outcomes;
    }

    asio::awaitable<std::vector<cluster::quota_outcome>> alter_client_quotas(
        std::vector<cluster::quota_alteration> alterations, bool) override {
        std::vector<cluster::quota_outcome> outcomes(alterations.size());
        quota_calls.push_back(std::move(alterations));
        co_return outcomes;
    }
};

struct fixture {
    fake_config_admin admin;
    shard_services services{
        .metadata = std::make_shared<const cluster::metadata_image>(
            "cluster-a", node_id(1), std::vector<cluster::broker_registration>{},
            std::vector<cluster::topic_metadata>{}),
        .configs = &admin};
    connection_info connection{.id = 1, .listener_name = "PLAINTEXT", .peer = "127.0.0.1:5000"};
};

template <typename Response, typename Request>
Response call(const api_handler& handler, fixture& f, const Request& request, int16_t version) {
    return call_handler<Response>(handler, f.services, f.connection, request, version);
}

TEST(DescribeConfigs, V0ReportsIsDefaultAndUnsupportedTypesAreRefused) {
    fixture f;
    protocol::describe_configs_request request;
    request.resources.push_back({.resource_type = 2, .resource_name = "orders"});
    request.resources.push_back({.resource_type = 32, .resource_name = "group"});
    auto response =
        call<protocol::describe_configs_response>(make_describe_configs_handler(), f, request, 0);
    ASSERT_EQ(response.results.size(), 2u);
    EXPECT_EQ(response.results[0].resource_name, "orders");
    ASSERT_EQ(response.results[0].configs.size(), 1u);
    EXPECT_TRUE(response.results[0].configs[0].is_default);
    EXPECT_EQ(response.results[1].error_code, error_code::invalid_request);
    EXPECT_EQ(response.results[1].error_message, "Unsupported resource type: 32");
}

TEST(IncrementalAlterConfigs, KafkasPreprocessingAnswersWithoutTheController) {
    fixture f;
    protocol::incremental_alter_configs_request request;
    using config = protocol::incremental_alter_configs_request::alterable_config;
    auto resource = [&](int8_t type, std::string name, std::vector<config> configs) {
        request.resources.push_back({.resource_type = type,
                                     .resource_name = std::move(name),
                                     .configs = std::move(configs)});
    };
    resource(2, "twice", {});
    resource(2, "twice", {});
    resource(2, "keys", {{.name = "a", .value = "1"}, {.name = "a", .value = "2"}});
    resource(2, "null",
             {{.name = "a", .config_operation = 0, .value = std::nullopt},
              {.name = "b", .config_operation = 1, .value = std::nullopt}});
    resource(2, "op", {{.name = "a", .config_operation = 9, .value = "1"}});
    resource(8, "1", {{.name = "root", .value = "DEBUG"}});
    resource(16, "x", {});
    resource(4, "", {{.name = "log.retention.ms", .config_operation = 2, .value = "1"}});
    auto response = call<protocol::incremental_alter_configs_response>(
        make_incremental_alter_configs_handler(), f, request, 1);
    ASSERT_EQ(response.responses.size(), 8u);
    EXPECT_EQ(response.responses[0].error_message, "Each resource must appear at most once.");
    EXPECT_EQ(response.responses[1].error_message, "Each resource must appear at most once.");
    EXPECT_EQ(response.responses[2].error_message, "Error due to duplicate config keys");
    EXPECT_EQ(response.responses[3].error_message, "Null value not supported for : a");
    EXPECT_EQ(response.responses[4].error_message, "Unknown operations type 9");
    EXPECT_EQ(response.responses[5].error_code, error_code::invalid_config);
    EXPECT_EQ(response.responses[6].error_message, "Unknown resource type 16");
    EXPECT_EQ(response.responses[7].error_code, error_code::none);
    EXPECT_FALSE(response.responses[7].error_message.has_value());

    ASSERT_EQ(f.admin.config_calls.size(), 1u);
    ASSERT_EQ(f.admin.config_calls[0].size(), 1u);
    const auto& passed = f.admin.config_calls[0][0];
    EXPECT_EQ(passed.type, cluster::config_resource_type::broker);
    EXPECT_FALSE(passed.replaces_all);
    EXPECT_EQ(passed.changes[0].operation, cluster::config_operation::append);
}

TEST(AlterConfigs, ResourcesReplaceTheirWholeSet) {
    fixture f;
    protocol::alter_configs_request request;
    request.resources.push_back(
        {.resource_type = 2, .resource_name = "orders", .configs = {{.name = "a", .value = "1"}}});
    request.resources.push_back({.resource_type = 8, .resource_name = "1"});
    auto response =
        call<protocol::alter_configs_response>(make_alter_configs_handler(), f, request, 0);
    ASSERT_EQ(response.responses.size(), 2u);
    EXPECT_EQ(response.responses[0].error_code, error_code::none);
    EXPECT_EQ(response.responses[1].error_message, "Unknown resource type 8");
    ASSERT_EQ(f.admin.config_calls.size(), 1u);
    EXPECT_TRUE(f.admin.config_calls[0][0].replaces_all);
}

TEST(AlterClientQuotas, EntitiesAreEchoedAndRemovalsHaveNoValue) {
    fixture f;
    protocol::alter_client_quotas_request request;
    request.entries.push_back({.entity = {{.entity_type = "user", .entity_name = std::nullopt}},
                               .ops = {{.key = "producer_byte_rate", .value = 5, .remove = true}}});
    auto response = call<protocol::alter_client_quotas_response>(make_alter_client_quotas_handler(),
                                                                 f, request, 1);
    ASSERT_EQ(response.entries.size(), 1u);
    EXPECT_EQ(response.entries[0].error_code, error_code::none);
    EXPECT_FALSE(response.entries[0].entity[0].entity_name.has_value());
    ASSERT_EQ(f.admin.quota_calls.size(), 1u);
    EXPECT_FALSE(f.admin.quota_calls[0][0].operations[0].value.has_value());
}

TEST(DescribeClientQuotas, AMalformedFilterIsTheWholeAnswersError) {
    fixture f;
    protocol::describe_client_quotas_request request;
    request.components.push_back({.entity_type = "", .match_type = 2, .match = std::nullopt});
    auto response = call<protocol::describe_client_quotas_response>(
        make_describe_client_quotas_handler(), f, request, 1);
    EXPECT_EQ(response.error_code, error_code::invalid_request);
    EXPECT_FALSE(response.entries.has_value());
}

}  // namespace
}  // namespace samsa::server::handlers
