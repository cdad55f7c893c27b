#include "cluster/controller.h"

#include <gtest/gtest.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include "base/temporary_directory.h"

namespace samsa::cluster {
namespace {

using protocol::error_code;
constexpr int64_t t0 = 1'700'000'000'000;

// Takes any key and value, except the value "bad".
class permissive_schema final : public config_schema {
public:
    bool is_list(config_resource_type, std::string_view) const override { return false; }
    std::optional<std::string> default_value(config_resource_type,
                                             std::string_view) const override {
        return std::nullopt;
    }
    std::optional<config_outcome> validate(config_resource_type, std::string_view,
                                           const config_map&,
                                           const config_map& proposed) const override {
        for (const auto& [key, value] : proposed) {
            if (value == "bad") {
                return config_outcome{.error = error_code::invalid_config, .message = key};
            }
        }
        return std::nullopt;
    }
};

class ControllerTest : public ::testing::Test {
protected:
    void SetUp() override { reopen(); }

    void reopen() {
        if (controller_) {
            ASSERT_TRUE(controller_->close());
            controller_.reset();
        }
        controller_settings settings{.default_num_partitions = 3};
        settings.validate_topic_config =
            [](std::string_view key,
               const std::optional<std::string>&) -> std::optional<std::string> {
            if (key == "retention.ms" || key == "cleanup.policy") {
                return std::nullopt;
            }
            return std::string("Unknown topic config name: ") + std::string(key);
        };
        settings.configs = std::make_shared<permissive_schema>();
        auto opened = controller::open(*fs_, dir_.path(), "cluster-a", node_id(1), settings, t0);
        ASSERT_TRUE(opened) << opened.error().message;
        controller_ = std::move(opened).value();
    }

    // Runs an operation of the controller to completion.
    template <typename Operation>
    auto run(Operation operation) {
        using value = typename decltype(operation())::value_type;
        std::optional<value> outcome;
        asio::co_spawn(
            io_, [&]() -> asio::awaitable<void> { outcome = co_await operation(); },
            asio::detached);
        io_.run();
        io_.restart();
        return std::move(*outcome);
    }

    void register_self() {
        broker_registration self{.id = node_id(1), .endpoints = {{"PLAINTEXT", "127.0.0.1", 9092}}};
        auto registered = run([&] { return controller_->register_broker(self, t0); });
        ASSERT_TRUE(registered);
    }

    std::vector<topic_outcome> create(std::vector<topic_request> requests,
                                      bool validate_only = false) {
        return run([&] { return controller_->create_topics(requests, validate_only, t0); });
    }

    asio::io_context io_;  // outlives the controller's log, which waits on it
    temporary_directory dir_;
    std::unique_ptr<storage::file_system> fs_ = storage::make_posix_file_system(nullptr);
    std::unique_ptr<controller> controller_;
};

TEST_F(ControllerTest, RegistrationFinalizesTheMetadataVersionAndUnfencesTheBroker) {
    register_self();
    auto image = controller_->image();
    EXPECT_EQ(image->metadata_version(), bootstrap_metadata_version);
    ASSERT_NE(image->find_broker(node_id(1)), nullptr);
    EXPECT_FALSE(image->find_broker(node_id(1))->fenced);
    EXPECT_EQ(image->find_broker(node_id(1))->endpoints[0].port, 9092);
}

TEST_F(ControllerTest, CreatedTopicsHaveTheirPartitionsLedByThisNode) {
    register_self();
    auto outcomes = create({{.name = "orders", .num_partitions = 4}, {.name = "audit"}});
    ASSERT_EQ(outcomes.size(), 2u);
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(outcomes[0].num_partitions, 4);
    EXPECT_EQ(outcomes[1].num_partitions, 3);  // num.partitions
    const auto* orders = controller_->image()->find_topic("orders");
    ASSERT_NE(orders, nullptr);
    EXPECT_EQ(orders->id, outcomes[0].id);
    ASSERT_EQ(orders->partitions.size(), 4u);
    EXPECT_EQ(orders->partitions[3].leader, node_id(1));
    EXPECT_EQ(orders->partitions[3].isr, std::vector<node_id>{node_id(1)});
}

TEST_F(ControllerTest, TheImageSurvivesAReopenByReplayingTheLog) {
    register_self();
    create({{.name = "orders", .num_partitions = 2, .configs = {{"retention.ms", "1000"}}}});
    auto before = controller_->image();
    reopen();
    auto after = controller_->image();
    ASSERT_NE(after->find_topic("orders"), nullptr);
    EXPECT_EQ(after->find_topic("orders")->id, before->find_topic("orders")->id);
    EXPECT_EQ(after->find_topic("orders")->partitions.size(), 2u);
    ASSERT_NE(after->find_topic_configs("orders"), nullptr);
    EXPECT_EQ(after->find_broker(node_id(1))->endpoints,
              before->find_broker(node_id(1))->endpoints);
}

TEST_F(ControllerTest, CreationIsRefusedWithKafkasErrorCodes) {
    register_self();
    create({{.name = "taken"}, {.name = "a_b"}});
    auto outcomes = create({{.name = "taken"},
                            {.name = "bad name"},
                            {.name = "a.b"},
                            {.name = "zero", .num_partitions = 0},
                            {.name = "rf", .replication_factor = 3},
                            {.name = "cfg", .configs = {{"no.such.config", "1"}}},
                            {.name = "dup"},
                            {.name = "dup"}});
    EXPECT_EQ(outcomes[0].error, error_code::topic_already_exists);
    EXPECT_EQ(outcomes[1].error, error_code::invalid_topic_exception);
    EXPECT_EQ(outcomes[2].error, error_code::invalid_topic_exception);  // collides with a_b
    EXPECT_EQ(outcomes[3].error, error_code::invalid_partitions);
    EXPECT_EQ(outcomes[4].error, error_code::invalid_replication_factor);
    EXPECT_NE(outcomes[4].message->find("only 1 broker(s)"), std::string::npos);
    EXPECT_EQ(outcomes[5].error, error_code::invalid_config);
    EXPECT_EQ(outcomes[6].error, error_code::invalid_request);
    EXPECT_EQ(outcomes[7].error, error_code::invalid_request);
    EXPECT_EQ(controller_->image()->topics().size(), 2u);
}

TEST_F(ControllerTest, ValidateOnlyCreatesNothing) {
    register_self();
    auto outcomes = create({{.name = "maybe"}}, true);
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(controller_->image()->find_topic("maybe"), nullptr);
}

TEST_F(ControllerTest, DeletesTopicsByNameOrIdAndReportsUnknownOnes) {
    register_self();
    auto created = create({{.name = "one"}, {.name = "two"}});
    auto outcomes = run([&] {
        return controller_->delete_topics(
            {std::string("one"), created[1].id, std::string("ghost"), topic_id(uuid(9, 9))}, t0);
    });
    ASSERT_EQ(outcomes.size(), 4u);
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(outcomes[1].error, error_code::none);
    EXPECT_EQ(outcomes[1].name, "two");
    EXPECT_EQ(outcomes[2].error, error_code::unknown_topic_or_partition);
    EXPECT_EQ(outcomes[3].error, error_code::unknown_topic_id);
    EXPECT_TRUE(controller_->image()->topics().empty());
    reopen();
    EXPECT_TRUE(controller_->image()->topics().empty());
}

TEST_F(ControllerTest, PartitionsOnlyIncrease) {
    register_self();
    create({{.name = "orders", .num_partitions = 2}});
    auto outcomes = run([&] {
        return controller_->create_partitions({{"orders", 5}, {"ghost", 3}}, false, t0);
    });
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(outcomes[1].error, error_code::unknown_topic_or_partition);
    EXPECT_EQ(controller_->image()->find_topic("orders")->partitions.size(), 5u);
    auto same = run([&] { return controller_->create_partitions({{"orders", 5}}, false, t0); });
    EXPECT_EQ(same[0].error, error_code::invalid_partitions);
    auto twice = run([&] {
        return controller_->create_partitions({{"orders", 7}, {"orders", 8}}, false, t0);
    });
    EXPECT_EQ(twice[0].error, error_code::invalid_request);
    EXPECT_EQ(twice[1].error, error_code::invalid_request);
    auto shrink = run([&] { return controller_->create_partitions({{"orders", 3}}, false, t0); });
    EXPECT_EQ(shrink[0].error, error_code::invalid_partitions);
}

TEST_F(ControllerTest, ConcurrentCreationsOfOneNameLetExactlyOneWin) {
    register_self();
    std::vector<topic_outcome> first;
    std::vector<topic_outcome> second;
    // Built outside the coroutines: g++ 12 cannot brace-initialize these inside co_await.
    const std::vector<topic_request> race{{.name = "race"}};
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
            first = co_await controller_->create_topics(race, false, t0);
        },
        asio::detached);
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
            second = co_await controller_->create_topics(race, false, t0);
        },
        asio::detached);
    io_.run();
    io_.restart();
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(first[0].error, error_code::none);
    EXPECT_EQ(second[0].error, error_code::topic_already_exists);
}

TEST_F(ControllerTest, AlteredConfigsAndQuotasSurviveAReopen) {
    register_self();
    create({{.name = "orders"}});
    std::vector<config_alteration> alterations{
        {.type = config_resource_type::topic,
         .resource_name = "orders",
         .changes = {{.name = "retention.ms", .value = "5000"}}},
        {.type = config_resource_type::broker,
         .resource_name = "",
         .changes = {{.name = "log.retention.ms", .value = "bad"}}}};
    auto outcomes = run([&] { return controller_->alter_configs(alterations, false, t0); });
    ASSERT_EQ(outcomes.size(), 2u);
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(outcomes[1].error, error_code::invalid_config);
    std::vector<quota_alteration> quotas{
        {.entity = {{.type = "user", .name = "alice"}},
         .operations = {{.key = "producer_byte_rate", .value = 1024.0}}}};
    auto quota_outcomes = run([&] { return controller_->alter_client_quotas(quotas, false, t0); });
    EXPECT_EQ(quota_outcomes[0].error, error_code::none);

    reopen();
    auto image = controller_->image();
    ASSERT_NE(image->find_topic_configs("orders"), nullptr);
    EXPECT_EQ(image->find_topic_configs("orders")->at("retention.ms"), "5000");
    EXPECT_EQ(image->find_broker_configs(""), nullptr);
    ASSERT_EQ(image->client_quotas().size(), 1u);
    EXPECT_EQ(image->client_quotas().begin()->second.at("producer_byte_rate"), 1024.0);
}

TEST_F(ControllerTest, ValidateOnlyAlterationsWriteNothing) {
    register_self();
    create({{.name = "orders"}});
    std::vector<config_alteration> alterations{
        {.type = config_resource_type::topic,
         .resource_name = "orders",
         .changes = {{.name = "retention.ms", .value = "5000"}}}};
    auto before = controller_->image();
    auto outcomes = run([&] { return controller_->alter_configs(alterations, true, t0); });
    EXPECT_EQ(outcomes[0].error, error_code::none);
    EXPECT_EQ(controller_->image(), before);
}

TEST(RandomTopicId, IsNeverReservedNorLooksLikeAFlag) {
    for (int round = 0; round < 1000; ++round) {
        topic_id id = random_topic_id();
        EXPECT_FALSE(id.is_zero());
        EXPECT_NE(id.to_string().front(), '-');
    }
}

}  // namespace
}  // namespace samsa::cluster
