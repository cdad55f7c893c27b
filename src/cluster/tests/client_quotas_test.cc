#include "cluster/client_quotas.h"

#include <gtest/gtest.h>

#include "cluster/metadata_image_builder.h"

namespace samsa::cluster {
namespace {

using protocol::error_code;

quota_entity user(std::optional<std::string> name) {
    return {{.type = "user", .name = std::move(name)}};
}

class ClientQuotasTest : public ::testing::Test {
protected:
    ClientQuotasTest() : image_(metadata_image_builder("cluster", node_id(1)).build()) {}

    std::vector<quota_outcome> alter(std::vector<quota_alteration> alterations) {
        planned_quota_changes plan = plan_quota_changes(*image_, alterations);
        metadata_image_builder builder(*image_);
        EXPECT_TRUE(builder.apply(plan.records));
        records_ = plan.records.size();
        image_ = std::move(builder).build();
        return plan.outcomes;
    }

    quota_description describe(std::vector<quota_filter_component> components, bool strict) {
        return describe_client_quotas(*image_, components, strict);
    }

    metadata_image_ptr image_;
    std::size_t records_ = 0;
};

TEST_F(ClientQuotasTest, SetValuesAreKeptByEntityAndRemovalsDropThem) {
    quota_entity alice_app{{.type = "client-id", .name = "app"}, {.type = "user", .name = "alice"}};
    // The request may list the parts in any order; the image keeps them sorted by type.
    quota_entity listed{{.type = "user", .name = "alice"}, {.type = "client-id", .name = "app"}};
    auto outcomes =
        alter({{.entity = listed,
                .operations = {{"producer_byte_rate", 1024.0}, {"request_percentage", 12.5}}}});
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_EQ(outcomes[0].error, error_code::none);
    ASSERT_EQ(image_->client_quotas().count(alice_app), 1u);
    EXPECT_EQ(image_->client_quotas().at(alice_app),
              (quota_values{{"producer_byte_rate", 1024.0}, {"request_percentage", 12.5}}));

    alter({{.entity = alice_app,
            .operations = {{"producer_byte_rate", std::nullopt},
                           {"request_percentage", std::nullopt}}}});
    EXPECT_TRUE(image_->client_quotas().empty());
}

TEST_F(ClientQuotasTest, KafkasValidationErrors) {
    auto outcomes = alter({
        {.entity = {}, .operations = {{"producer_byte_rate", 1.0}}},
        {.entity = {{.type = "group", .name = "g"}}, .operations = {{"producer_byte_rate", 1.0}}},
        {.entity = {{.type = "ip", .name = "10.0.0.1"}, {.type = "user", .name = "a"}},
         .operations = {{"producer_byte_rate", 1.0}}},
        {.entity = user("bob"), .operations = {{"connection_creation_rate", 1.0}}},
        {.entity = user("carol"), .operations = {{"producer_byte_rate", 1.5}}},
        {.entity = user("dave"), .operations = {{"consumer_byte_rate", 0.0}}},
        {.entity = {{.type = "ip", .name = "not an ip"}},
         .operations = {{"connection_creation_rate", 5.0}}},
        {.entity = user(""), .operations = {{"producer_byte_rate", 1.0}}},
        {.entity = user("erin"),
         .operations = {{"producer_byte_rate", 1.0}, {"producer_byte_rate", 2.0}}},
    });
    for (const auto& outcome : outcomes) {
        EXPECT_EQ(outcome.error, error_code::invalid_request);
    }
    EXPECT_EQ(outcomes[0].message, "Invalid empty client quota entity");
    EXPECT_EQ(outcomes[1].message, "Unhandled client quota entity type: group");
    EXPECT_EQ(outcomes[3].message, "Invalid configuration key connection_creation_rate");
    EXPECT_EQ(outcomes[4].message, "producer_byte_rate cannot be a fractional value.");
    EXPECT_EQ(outcomes[5].message, "Quota consumer_byte_rate must be greater than 0");
    EXPECT_EQ(outcomes[6].message, "not an ip is not a valid IP or resolvable host.");
    EXPECT_EQ(outcomes[7].message, "Empty user not supported");
    EXPECT_EQ(records_, 0u);
}

TEST_F(ClientQuotasTest, IpEntitiesTakeConnectionCreationRate) {
    auto outcomes = alter({{.entity = {{.type = "ip", .name = "192.168.0.1"}},
                            .operations = {{"connection_creation_rate", 10.0}}},
                           {.entity = {{.type = "ip", .name = std::nullopt}},
                            .operations = {{"connection_creation_rate", 100.0}}}});
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(outcomes[1].error, error_code::none);
    EXPECT_EQ(image_->client_quotas().size(), 2u);
}

TEST_F(ClientQuotasTest, AnEntityNamedTwiceIsRefusedBothTimes) {
    auto outcomes = alter({{.entity = user("alice"), .operations = {{"producer_byte_rate", 1.0}}},
                           {.entity = user("alice"), .operations = {{"consumer_byte_rate", 1.0}}}});
    EXPECT_EQ(outcomes[0].error, error_code::invalid_request);
    EXPECT_EQ(outcomes[1].error, error_code::invalid_request);
    EXPECT_TRUE(image_->client_quotas().empty());
}

TEST_F(ClientQuotasTest, DescribeMatchesExactDefaultAndAnyComponents) {
    alter({{.entity = user("alice"), .operations = {{"producer_byte_rate", 1.0}}},
           {.entity = user(std::nullopt), .operations = {{"producer_byte_rate", 2.0}}},
           {.entity = {{.type = "client-id", .name = "app"}, {.type = "user", .name = "alice"}},
            .operations = {{"consumer_byte_rate", 3.0}}},
           {.entity = {{.type = "client-id", .name = "app"}},
            .operations = {{"request_percentage", 4.0}}}});

    auto alice = describe({{.entity_type = "user", .match_type = 0, .match = "alice"}}, false);
    EXPECT_EQ(alice.error, error_code::none);
    EXPECT_EQ(alice.entries.size(), 2u);  // alice, and alice with app
    auto alice_only = describe({{.entity_type = "user", .match_type = 0, .match = "alice"}}, true);
    ASSERT_EQ(alice_only.entries.size(), 1u);
    EXPECT_EQ(alice_only.entries[0].first, user("alice"));
    EXPECT_EQ(alice_only.entries[0].second, (quota_values{{"producer_byte_rate", 1.0}}));

    auto default_user = describe({{.entity_type = "user", .match_type = 1}}, true);
    ASSERT_EQ(default_user.entries.size(), 1u);
    EXPECT_EQ(default_user.entries[0].first, user(std::nullopt));

    auto any_user = describe({{.entity_type = "user", .match_type = 2}}, false);
    EXPECT_EQ(any_user.entries.size(), 3u);
    EXPECT_EQ(describe({}, false).entries.size(), 4u);
    EXPECT_TRUE(describe({}, true).entries.empty());
}

TEST_F(ClientQuotasTest, MalformedFiltersAreTheWholeAnswersError) {
    EXPECT_EQ(describe({{.entity_type = "", .match_type = 2}}, false).error,
              error_code::invalid_request);
    EXPECT_EQ(describe({{.entity_type = "group", .match_type = 2}}, false).error,
              error_code::unsupported_version);
    EXPECT_EQ(describe({{.entity_type = "user", .match_type = 0}}, false).error,
              error_code::invalid_request);
    EXPECT_EQ(describe({{.entity_type = "user", .match_type = 1, .match = "x"}}, false).error,
              error_code::invalid_request);
    EXPECT_EQ(describe({{.entity_type = "user", .match_type = 2},
                        {.entity_type = "user", .match_type = 2}},
                       false)
                  .error,
              error_code::invalid_request);
    EXPECT_EQ(
        describe({{.entity_type = "ip", .match_type = 2}, {.entity_type = "user", .match_type = 2}},
                 false)
            .error,
        error_code::invalid_request);
    EXPECT_EQ(describe({{.entity_type = "user", .match_type = 7}}, false).error,
              error_code::invalid_request);
}

TEST_F(ClientQuotasTest, ARecordWithoutEntityOrWithATypeTwiceDoesNotReplay) {
    metadata_image_builder builder(*image_);
    EXPECT_FALSE(builder.apply(make_metadata_record(protocol::client_quota_record{.key = "k"})));
    protocol::client_quota_record twice{.key = "producer_byte_rate", .value = 1.0};
    twice.entity = {{.entity_type = "user", .entity_name = "a"},
                    {.entity_type = "user", .entity_name = "b"}};
    EXPECT_FALSE(builder.apply(make_metadata_record(twice)));
}

}  // namespace
}  // namespace samsa::cluster
