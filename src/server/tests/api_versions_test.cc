#include "server/handlers/api_versions.h"

#include <gtest/gtest.h>

#include "server/handler_registry.h"

namespace samsa::server::handlers {
namespace {

TEST(ApiVersions, AdvertisesExactlyTheRegisteredApis) {
    handler_registry registry = make_default_handler_registry();
    auto response = build_api_versions_response(registry);
    EXPECT_EQ(response.error_code, protocol::error_code::none);
    ASSERT_EQ(response.api_keys.size(), registry.served().size());
    for (std::size_t index = 0; index < response.api_keys.size(); ++index) {
        EXPECT_EQ(response.api_keys[index].api_key, registry.served()[index]->api_key);
        EXPECT_EQ(response.api_keys[index].min_version, registry.served()[index]->min_version);
        EXPECT_EQ(response.api_keys[index].max_version, registry.served()[index]->max_version);
    }
}

TEST(ApiVersions, ServesMetadataAndItselfAtEverySchemaVersion) {
    handler_registry registry = make_default_handler_registry();
    const api_handler* metadata = registry.find(3);
    ASSERT_NE(metadata, nullptr);
    EXPECT_EQ(metadata->min_version, protocol::find_api(3)->min_version);
    EXPECT_EQ(metadata->max_version, protocol::find_api(3)->max_version);
    const api_handler* api_versions = registry.find(18);
    ASSERT_NE(api_versions, nullptr);
    EXPECT_EQ(api_versions->max_version, protocol::find_api(18)->max_version);
    // Produce is advertised from v0 (KAFKA-18659), Fetch from v4 (the Kafka 4.0 baseline).
    ASSERT_NE(registry.find(0), nullptr);
    EXPECT_EQ(registry.find(0)->min_version, 0);
    ASSERT_NE(registry.find(1), nullptr);
    EXPECT_EQ(registry.find(1)->min_version, 4);
    EXPECT_EQ(registry.find(4), nullptr);  // LeaderAndIsr: not a KRaft broker API
}

TEST(ApiVersions, UnsupportedVersionAnswerListsOnlyApiVersions) {
    handler_registry registry = make_default_handler_registry();
    auto response = build_unsupported_version_response(registry);
    EXPECT_EQ(response.error_code, protocol::error_code::unsupported_version);
    ASSERT_EQ(response.api_keys.size(), 1u);
    EXPECT_EQ(response.api_keys[0].api_key, 18);
}

TEST(ApiVersions, AcceptsEveryVersionOfApiVersionsButOnlyServedVersionsOfOthers) {
    handler_registry registry = make_default_handler_registry();
    EXPECT_TRUE(registry.accepts(18, 127));
    EXPECT_TRUE(registry.accepts(18, -1));
    EXPECT_TRUE(registry.accepts(3, 0));
    EXPECT_FALSE(registry.accepts(3, 99));
    EXPECT_FALSE(registry.accepts(3, -1));
    EXPECT_TRUE(registry.accepts(0, 0));
    EXPECT_FALSE(registry.accepts(0, 11));
    EXPECT_FALSE(registry.accepts(1, 3));
    EXPECT_FALSE(registry.accepts(4, 0));
}

TEST(ApiVersions, ClientSoftwareFieldsFollowKafkasPattern) {
    EXPECT_TRUE(is_valid_client_software_field("librdkafka"));
    EXPECT_TRUE(is_valid_client_software_field("2.0.2"));
    EXPECT_TRUE(is_valid_client_software_field("apache-kafka-java"));
    EXPECT_TRUE(is_valid_client_software_field("a"));
    EXPECT_FALSE(is_valid_client_software_field(""));
    EXPECT_FALSE(is_valid_client_software_field("-leading"));
    EXPECT_FALSE(is_valid_client_software_field("trailing."));
    EXPECT_FALSE(is_valid_client_software_field("with space"));
    EXPECT_FALSE(is_valid_client_software_field("under_score"));
}

}  // namespace
}  // namespace samsa::server::handlers
