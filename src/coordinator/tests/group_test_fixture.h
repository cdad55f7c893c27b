#pragma once

// What the group state machine tests share: a fake clock (an int64 that only the test
// advances), predictable member ids ("<client id>-1", "-2", ...), request builders, and a
// driver loop that takes a group to Stable the way clients would.

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coordinator/group.h"

namespace samsa::coordinator::testing {

using protocol::error_code;

inline shared_bytes bytes(std::string_view text) {
    return shared_bytes::copy_of(text);
}

// Protocols with metadata "<name>:<tag>", so tests can tell whose metadata went where.
inline std::vector<member_protocol> protocols(std::initializer_list<std::string_view> names,
                                              std::string_view tag = "v1") {
    std::vector<member_protocol> listed;
    for (std::string_view name : names) {
        listed.push_back({std::string(name), bytes(std::string(name) + ":" + std::string(tag))});
    }
    return listed;
}

class group_fixture : public ::testing::Test {
protected:
    static constexpr int32_t session_timeout_ms = 10'000;
    static constexpr int32_t rebalance_timeout_ms = 30'000;

    group make_group() {
        return group(
            "billing", config, [this] { return std::to_string(++suffixes); }, now_ms);
    }

    // A JoinGroup of v4+ (a dynamic member without an id must fetch one first).
    static join_request join_as(std::string member_id, std::string client_id,
                                std::vector<member_protocol> offered = protocols({"range"})) {
        join_request request;
        request.member_id = std::move(member_id);
        request.protocol_type = "consumer";
        request.protocols = std::move(offered);
        request.session_timeout_ms = session_timeout_ms;
        request.rebalance_timeout_ms = rebalance_timeout_ms;
        request.client_id = std::move(client_id);
        request.client_host = "/10.0.0.1";
        return request;
    }

    // A JoinGroup of v0-3: a new dynamic member joins at once.
    static join_request join_v3(std::string client_id,
                                std::vector<member_protocol> offered = protocols({"range"})) {
        join_request request = join_as("", std::move(client_id), std::move(offered));
        request.member_ids = member_id_policy::assign_on_join;
        return request;
    }

    static join_request join_static(std::string member_id, std::string instance_id,
                                    std::vector<member_protocol> offered = protocols({"range"})) {
        join_request request = join_as(std::move(member_id), "client", std::move(offered));
        request.group_instance_id = std::move(instance_id);
        return request;
    }

    request_token token() { return next_token++; }

    // Moves the clock forward and lets the group act on what fell due.
    void advance(group& g, int64_t elapsed_ms) {
        now_ms += elapsed_ms;
        g.expire(now_ms);
    }

    // Runs the clock from deadline to deadline until the group stops preparing a rebalance.
    void finish_rebalance(group& g) {
        for (int step = 0; step < 100 && g.state() == group_state::preparing_rebalance; ++step) {
            std::optional<int64_t> deadline = g.next_deadline_ms();
            ASSERT_TRUE(deadline.has_value());
            now_ms = std::max(now_ms, *deadline);
            g.expire(now_ms);
        }
    }

    static std::map<request_token, join_response> joins_by_token(group_effects& effects) {
        std::map<request_token, join_response> answered;
        for (join_completion& completion : effects.joins) {
            answered.emplace(completion.token, std::move(completion.response));
        }
        return answered;
    }

    static std::map<request_token, sync_response> syncs_by_token(group_effects& effects) {
        std::map<request_token, sync_response> answered;
        for (sync_completion& completion : effects.syncs) {
            answered.emplace(completion.token, std::move(completion.response));
        }
        return answered;
    }

    static std::string assignment_of(std::string_view member_id) {
        return "assignment:" + std::string(member_id);
    }

    // Takes an Empty group to Stable with these joins (v3 or static, no member id): every
    // member rejoins, the leader assigns "assignment:<member id>" to everyone, the write
    // succeeds and everyone syncs. Returns the member ids in join order.
    std::vector<std::string> make_stable(group& g, std::vector<join_request> joins) {
        std::vector<request_token> tokens;
        for (join_request& request : joins) {
            tokens.push_back(token());
            EXPECT_FALSE(g.join(tokens.back(), std::move(request), now_ms).has_value());
        }
        finish_rebalance(g);
        group_effects effects = g.take_effects();
        std::map<request_token, join_response> answered = joins_by_token(effects);
        std::vector<std::string> member_ids;
        for (request_token each : tokens) {
            EXPECT_EQ(answered[each].error, error_code::none);
            member_ids.push_back(answered[each].member_id);
        }
        sync_everyone(g, member_ids, instance_ids_of(g, member_ids));
        return member_ids;
    }

    // The leader and then the followers sync; the write succeeds.
    void sync_everyone(group& g, const std::vector<std::string>& member_ids,
                       const std::vector<std::optional<std::string>>& instance_ids) {
        sync_request leader_sync;
        leader_sync.member_id = g.leader_id();
        leader_sync.generation_id = g.generation_id();
        for (const std::string& member_id : member_ids) {
            leader_sync.assignments.push_back({member_id, bytes(assignment_of(member_id))});
        }
        for (std::size_t i = 0; i < member_ids.size(); ++i) {
            if (member_ids[i] == g.leader_id()) {
                leader_sync.group_instance_id = instance_ids[i];
            }
        }
        EXPECT_FALSE(g.sync(token(), std::move(leader_sync), now_ms).has_value());
        group_effects effects = g.take_effects();
        EXPECT_EQ(effects.persists.size(), 1u);
        for (const persist_request& persist : effects.persists) {
            g.on_persisted(persist.persist_id, error_code::none, now_ms);
        }
        g.take_effects();
        for (std::size_t i = 0; i < member_ids.size(); ++i) {
            if (member_ids[i] == g.leader_id()) {
                continue;
            }
            sync_request follower;
            follower.member_id = member_ids[i];
            follower.group_instance_id = instance_ids[i];
            follower.generation_id = g.generation_id();
            std::optional<sync_response> answer = g.sync(token(), follower, now_ms);
            EXPECT_TRUE(answer && answer->error == error_code::none);
        }
        EXPECT_EQ(g.state(), group_state::stable);
    }

    static std::vector<std::optional<std::string>> instance_ids_of(
        const group& g, const std::vector<std::string>& member_ids) {
        std::vector<std::optional<std::string>> instance_ids;
        group_description description = g.describe();
        for (const std::string& member_id : member_ids) {
            std::optional<std::string> instance_id;
            for (const described_member& member : description.members) {
                if (member.member_id == member_id) {
                    instance_id = member.group_instance_id;
                }
            }
            instance_ids.push_back(instance_id);
        }
        return instance_ids;
    }

    heartbeat_request heartbeat_of(const group& g, std::string member_id,
                                   std::optional<std::string> instance_id = std::nullopt) {
        return heartbeat_request{std::move(member_id), std::move(instance_id), g.generation_id()};
    }

    int64_t now_ms = 1'000'000;
    group_config config;
    int suffixes = 0;
    request_token next_token = 1;
};

}  // namespace samsa::coordinator::testing
