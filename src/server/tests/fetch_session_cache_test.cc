#include "server/fetch_session_cache.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace samsa::server {
namespace {

using protocol::error_code;
using protocol::fetch_request;

constexpr int16_t v12 = 12;  // the last version naming topics
constexpr int16_t v13 = 13;  // the first naming topic ids

const topic_id orders_id(1, 1);
const topic_id payments_id(2, 2);

fetch_request::fetch_partition at(int32_t partition, int64_t fetch_offset,
                                  int32_t max_bytes = 1024) {
    fetch_request::fetch_partition fetched;
    fetched.partition = partition_id(partition);
    fetched.fetch_offset = offset(fetch_offset);
    fetched.partition_max_bytes = max_bytes;
    return fetched;
}

fetch_request::fetch_topic named(std::string topic,
                                 std::vector<fetch_request::fetch_partition> partitions) {
    fetch_request::fetch_topic fetched;
    fetched.topic = std::move(topic);
    fetched.partitions = std::move(partitions);
    return fetched;
}

fetch_request::fetch_topic with_id(topic_id id,
                                   std::vector<fetch_request::fetch_partition> partitions) {
    fetch_request::fetch_topic fetched;
    fetched.topic_id = id;
    fetched.partitions = std::move(partitions);
    return fetched;
}

fetch_request::forgotten_topic forget(std::string topic, std::vector<int32_t> partitions) {
    fetch_request::forgotten_topic forgotten;
    forgotten.topic = std::move(topic);
    for (int32_t partition : partitions) {
        forgotten.partitions.emplace_back(partition);
    }
    return forgotten;
}

fetch_request::forgotten_topic forget(topic_id id, std::vector<int32_t> partitions) {
    fetch_request::forgotten_topic forgotten = forget(std::string(), std::move(partitions));
    forgotten.topic_id = id;
    return forgotten;
}

fetch_request fetch(int32_t session_id, int32_t epoch,
                    std::vector<fetch_request::fetch_topic> topics = {},
                    std::vector<fetch_request::forgotten_topic> forgotten = {}) {
    fetch_request request;
    request.session_id = session_id;
    request.session_epoch = epoch;
    request.topics = std::move(topics);
    request.forgotten_topics_data = std::move(forgotten);
    return request;
}

fetch_request from_follower(fetch_request request) {
    request.replica_id = node_id(2);
    return request;
}

// "topic-partition@fetch_offset", with "!error" when the target carries one.
std::vector<std::string> describe(const fetch_plan& plan) {
    std::vector<std::string> described;
    for (const auto& target : plan.targets) {
        std::string text = target.topic + "-" + std::to_string(target.partition.value()) + "@" +
                           std::to_string(target.fetch_offset.value());
        if (target.error != error_code::none) {
            text += "!" + std::to_string(static_cast<int>(target.error));
        }
        described.push_back(std::move(text));
    }
    return described;
}

// The partitions' logs as a read sees them, and the topic ids of the metadata image.
class fake_broker {
public:
    struct log_state {
        offset high_watermark{0};
        offset last_stable_offset{0};
        offset log_start_offset{0};
        error_code error = error_code::none;
    };

    log_state& log(const std::string& topic, int32_t partition) {
        return logs_[{topic, partition}];
    }
    void name_topic(topic_id id, std::string name) { names_[id] = std::move(name); }
    void delete_topic(topic_id id) { names_.erase(id); }

    fetch_session_cache::topic_name_lookup names() const {
        return [this](const topic_id& id) -> std::optional<std::string> {
            auto found = names_.find(id);
            return found == names_.end() ? std::nullopt : std::optional(found->second);
        };
    }

    // Reads every target: records when the fetch offset is below the high watermark.
    std::vector<fetched_partition> read(const fetch_plan& plan) const {
        std::vector<fetched_partition> results;
        for (const auto& target : plan.targets) {
            if (target.error != error_code::none) {
                results.push_back({.error = target.error});
                continue;
            }
            auto found = logs_.find({target.topic, target.partition.value()});
            if (found == logs_.end()) {
                results.push_back({.error = error_code::unknown_topic_or_partition});
                continue;
            }
            const log_state& state = found->second;
            results.push_back({
                .error = state.error,
                .high_watermark = state.high_watermark,
                .last_stable_offset = state.last_stable_offset,
                .log_start_offset = state.log_start_offset,
                .has_records =
                    state.error == error_code::none && target.fetch_offset < state.high_watermark,
            });
        }
        return results;
    }

private:
    std::map<std::pair<std::string, int32_t>, log_state> logs_;
    std::map<topic_id, std::string> names_;
};

class FetchSessionCache : public ::testing::Test {
protected:
    FetchSessionCache() {
        broker.log("orders", 0);
        broker.log("orders", 1);
        broker.log("orders", 2);
        broker.log("payments", 0);
        broker.name_topic(orders_id, "orders");
        broker.name_topic(payments_id, "payments");
    }

    fetch_plan plan(const fetch_request& request, int16_t version = v12) {
        return cache.plan(request, version, broker.names(), now_ms);
    }

    // Plans and serves a request, as the Fetch handler does.
    std::pair<fetch_plan, fetch_completion> serve(const fetch_request& request,
                                                  int16_t version = v12) {
        fetch_plan planned = plan(request, version);
        auto results = broker.read(planned);
        fetch_completion done = cache.complete(planned, results, now_ms);
        return {std::move(planned), std::move(done)};
    }

    // Opens a session on orders-0 and orders-1 and returns its id.
    int32_t open_orders_session(int16_t version = v12) {
        auto topic = version >= v13 ? with_id(orders_id, {at(0, 0), at(1, 0)})
                                    : named("orders", {at(0, 0), at(1, 0)});
        auto [planned, done] = serve(fetch(0, 0, {topic}), version);
        EXPECT_EQ(planned.context, fetch_context::full);
        EXPECT_NE(done.session_id, 0);
        return done.session_id;
    }

    int64_t now_ms = 1'000'000;
    fake_broker broker;
    fetch_session_cache cache{fetch_session_limits{.random_seed = 7}};
};

TEST_F(FetchSessionCache, SessionlessRequestReadsAndListsEveryPartition) {
    auto [planned, done] =
        serve(fetch(0, -1, {named("orders", {at(1, 5), at(0, 3)}), named("payments", {at(0, 9)})}));
    EXPECT_EQ(planned.context, fetch_context::sessionless);
    EXPECT_EQ(describe(planned),
              (std::vector<std::string>{"orders-1@5", "orders-0@3", "payments-0@9"}));
    EXPECT_EQ(done.error, error_code::none);
    EXPECT_EQ(done.session_id, 0);
    EXPECT_EQ(done.included, std::vector<bool>(3, true));
    EXPECT_EQ(cache.size(), 0u);
}

TEST_F(FetchSessionCache, VersionsBeforeSevenAreSessionlessWhateverTheFieldsSay) {
    auto [planned, done] = serve(fetch(0, 0, {named("orders", {at(0, 0)})}), 6);
    EXPECT_EQ(planned.context, fetch_context::sessionless);
    EXPECT_EQ(done.session_id, 0);
    EXPECT_EQ(cache.size(), 0u);
}

TEST_F(FetchSessionCache, RepeatedPartitionKeepsItsFirstPositionAndLastValues) {
    fetch_plan planned =
        plan(fetch(0, -1, {named("orders", {at(0, 1), at(1, 1)}), named("orders", {at(0, 7)})}));
    EXPECT_EQ(describe(planned), (std::vector<std::string>{"orders-0@7", "orders-1@1"}));
}

TEST_F(FetchSessionCache, FullRequestOpensASessionThatExpectsEpochOne) {
    int32_t id = open_orders_session();
    EXPECT_GT(id, 0);
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.cached_partitions(), 2);

    auto [planned, done] = serve(fetch(id, 1));
    EXPECT_EQ(planned.context, fetch_context::incremental);
    EXPECT_EQ(done.error, error_code::none);
    EXPECT_EQ(done.session_id, id);
    EXPECT_EQ(serve(fetch(id, 2)).second.error, error_code::none);
}

TEST_F(FetchSessionCache, SessionIdsAreRandomUniqueAndInTheShardsRange) {
    fetch_session_cache shard{fetch_session_limits{
        .max_sessions = 100, .shard_index = 2, .shard_count = 4, .random_seed = 1}};
    const int32_t range = std::numeric_limits<int32_t>::max() / 4;
    std::set<int32_t> ids;
    for (int i = 0; i < 100; ++i) {
        fetch_plan planned =
            shard.plan(fetch(0, 0, {named("orders", {at(0, 0)})}), v12, broker.names(), now_ms);
        int32_t id = shard.complete(planned, broker.read(planned), now_ms).session_id;
        EXPECT_GE(id, 2 * range);
        EXPECT_LT(id, 3 * range);
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 100u);
    EXPECT_EQ(shard.size(), 100u);
}

TEST_F(FetchSessionCache, IncrementalRequestReadsEveryPartitionOfTheSession) {
    int32_t id = open_orders_session();
    fetch_plan planned = plan(fetch(id, 1));
    EXPECT_EQ(planned.session_id, id);
    EXPECT_EQ(describe(planned), (std::vector<std::string>{"orders-0@0", "orders-1@0"}));
}

TEST_F(FetchSessionCache, IncrementalRequestAddsUpdatesAndForgetsPartitions) {
    int32_t id = open_orders_session();
    auto [planned, done] =
        serve(fetch(id, 1, {named("orders", {at(0, 4), at(2, 0)}), named("payments", {at(0, 8)})},
                    {forget("orders", {1})}));
    EXPECT_EQ(planned.context, fetch_context::incremental);
    EXPECT_EQ(describe(planned),
              (std::vector<std::string>{"orders-0@4", "orders-2@0", "payments-0@8"}));
    EXPECT_EQ(cache.cached_partitions(), 3);
    // The cached request parameters stay for the requests that omit them.
    EXPECT_EQ(describe(plan(fetch(id, 2))),
              (std::vector<std::string>{"orders-0@4", "orders-2@0", "payments-0@8"}));
}

TEST_F(FetchSessionCache, IncrementalResponseListsOnlyPartitionsThatChanged) {
    auto [opened, full] = serve(fetch(0, 0, {named("orders", {at(0, 0), at(1, 0), at(2, 0)})}));
    int32_t id = full.session_id;
    EXPECT_EQ(full.included, std::vector<bool>(3, true));

    EXPECT_EQ(serve(fetch(id, 1)).second.included, (std::vector<bool>{false, false, false}));

    broker.log("orders", 1).high_watermark = offset(5);  // new records
    broker.log("orders", 1).last_stable_offset = offset(5);
    broker.log("orders", 2).log_start_offset = offset(3);  // retention moved the start
    auto changed = serve(fetch(id, 2)).second;
    EXPECT_EQ(changed.included, (std::vector<bool>{false, true, true}));

    // The fetcher consumed orders-1; the records are gone, nothing else changed.
    auto consumed = serve(fetch(id, 3, {named("orders", {at(1, 5)})}));
    EXPECT_EQ(describe(consumed.first),
              (std::vector<std::string>{"orders-0@0", "orders-2@0", "orders-1@5"}));
    EXPECT_EQ(consumed.second.included, (std::vector<bool>{false, false, false}));
}

TEST_F(FetchSessionCache, LastStableOffsetAloneIsAChange) {
    int32_t id = open_orders_session();
    broker.log("orders", 0).last_stable_offset = offset(0);
    broker.log("orders", 1).last_stable_offset = offset(-1);
    EXPECT_EQ(serve(fetch(id, 1)).second.included, (std::vector<bool>{false, true}));
}

TEST_F(FetchSessionCache, ErroredPartitionIsAlwaysListedAndListedAgainWhenItRecovers) {
    int32_t id = open_orders_session();
    broker.log("orders", 0).error = error_code::not_leader_or_follower;
    EXPECT_EQ(serve(fetch(id, 1)).second.included, (std::vector<bool>{true, false}));
    EXPECT_EQ(serve(fetch(id, 2)).second.included, (std::vector<bool>{true, false}));
    broker.log("orders", 0).error = error_code::none;
    EXPECT_EQ(serve(fetch(id, 3)).second.included, (std::vector<bool>{true, false}));
    EXPECT_EQ(serve(fetch(id, 4)).second.included, (std::vector<bool>{false, false}));
}

TEST_F(FetchSessionCache, PartitionsThatReturnedRecordsMoveToTheEnd) {
    auto [opened, full] = serve(fetch(0, 0, {named("orders", {at(0, 0), at(1, 0), at(2, 0)})}));
    int32_t id = full.session_id;
    broker.log("orders", 0).high_watermark = offset(10);
    EXPECT_EQ(serve(fetch(id, 1)).second.included, (std::vector<bool>{true, false, false}));
    EXPECT_EQ(describe(plan(fetch(id, 2))),
              (std::vector<std::string>{"orders-1@0", "orders-2@0", "orders-0@0"}));
}

TEST_F(FetchSessionCache, WrongEpochIsInvalidFetchSessionEpochAndKeepsTheSession) {
    int32_t id = open_orders_session();
    for (int32_t epoch : {2, 7, -5}) {
        auto [planned, done] = serve(fetch(id, epoch, {named("orders", {at(2, 0)})}));
        EXPECT_EQ(planned.context, fetch_context::session_error);
        EXPECT_TRUE(planned.targets.empty());
        EXPECT_EQ(done.error, error_code::invalid_fetch_session_epoch);
        EXPECT_EQ(done.session_id, 0);
        EXPECT_TRUE(done.included.empty());
    }
    EXPECT_EQ(describe(plan(fetch(id, 1))), (std::vector<std::string>{"orders-0@0", "orders-1@0"}));
}

TEST_F(FetchSessionCache, UnknownSessionIdIsFetchSessionIdNotFound) {
    int32_t id = open_orders_session();
    EXPECT_EQ(serve(fetch(id + 1, 1)).second.error, error_code::fetch_session_id_not_found);
    EXPECT_EQ(serve(fetch(0, 1)).second.error, error_code::fetch_session_id_not_found);
}

TEST_F(FetchSessionCache, FinalEpochClosesTheSessionAndIsServedSessionless) {
    int32_t id = open_orders_session();
    auto [planned, done] = serve(fetch(id, -1, {named("payments", {at(0, 0)})}));
    EXPECT_EQ(planned.context, fetch_context::sessionless);
    EXPECT_EQ(describe(planned), (std::vector<std::string>{"payments-0@0"}));
    EXPECT_EQ(done.session_id, 0);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.cached_partitions(), 0);
    EXPECT_EQ(serve(fetch(id, 1)).second.error, error_code::fetch_session_id_not_found);
}

TEST_F(FetchSessionCache, FullRequestNamingASessionReplacesIt) {
    int32_t id = open_orders_session();
    auto [planned, done] = serve(fetch(id, 0, {named("payments", {at(0, 0)})}));
    EXPECT_EQ(planned.context, fetch_context::full);
    EXPECT_NE(done.session_id, 0);
    EXPECT_NE(done.session_id, id);
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.cached_partitions(), 1);
}

TEST_F(FetchSessionCache, ForgettingEveryPartitionClosesTheSession) {
    int32_t id = open_orders_session();
    auto [planned, done] = serve(fetch(id, 1, {}, {forget("orders", {0, 1})}));
    EXPECT_EQ(planned.context, fetch_context::sessionless);
    EXPECT_TRUE(planned.targets.empty());
    EXPECT_EQ(done.session_id, 0);
    EXPECT_EQ(cache.size(), 0u);
}

TEST_F(FetchSessionCache, RequestThatRanConcurrentlyWithTheNextGetsInvalidEpoch) {
    int32_t id = open_orders_session();
    fetch_plan first = plan(fetch(id, 1));
    auto [second, second_done] = serve(fetch(id, 2));
    EXPECT_EQ(second_done.error, error_code::none);
    fetch_completion first_done = cache.complete(first, broker.read(first), now_ms);
    EXPECT_EQ(first_done.error, error_code::invalid_fetch_session_epoch);
    EXPECT_EQ(first_done.session_id, id);
    EXPECT_EQ(first_done.included, (std::vector<bool>{false, false}));
}

TEST_F(FetchSessionCache, SessionClosedWhileReadingListsEverything) {
    int32_t id = open_orders_session();
    fetch_plan planned = plan(fetch(id, 1));
    serve(fetch(id, -1));
    fetch_completion done = cache.complete(planned, broker.read(planned), now_ms);
    EXPECT_EQ(done.error, error_code::none);
    EXPECT_EQ(done.included, (std::vector<bool>{true, true}));
}

class FetchSessionEviction : public FetchSessionCache {
protected:
    static constexpr int64_t timeout_ms = 120'000;

    int32_t open(fetch_session_cache& small, fetch_request request) {
        fetch_plan planned = small.plan(request, v12, broker.names(), now_ms);
        return small.complete(planned, broker.read(planned), now_ms).session_id;
    }
    static fetch_request consumer_full(int partitions) {
        std::vector<fetch_request::fetch_partition> fetched;
        for (int32_t p = 0; p < partitions; ++p) {
            fetched.push_back(at(p, 0));
        }
        return fetch(0, 0, {named("orders", fetched)});
    }

    fetch_session_cache small{fetch_session_limits{.max_sessions = 2, .random_seed = 3}};
};

TEST_F(FetchSessionEviction, FullCacheServesSessionlessWhenNothingIsEvictable) {
    EXPECT_NE(open(small, consumer_full(1)), 0);
    EXPECT_NE(open(small, consumer_full(1)), 0);
    now_ms += timeout_ms;  // not yet stale, not yet old
    EXPECT_EQ(open(small, consumer_full(1)), 0);
    EXPECT_EQ(open(small, consumer_full(3)), 0);
    EXPECT_EQ(small.size(), 2u);
    EXPECT_EQ(small.evictions(), 0);
}

TEST_F(FetchSessionEviction, StaleSessionIsEvictedFirst) {
    int32_t first = open(small, consumer_full(3));
    now_ms += 1000;
    int32_t second = open(small, consumer_full(3));
    now_ms += timeout_ms;  // first unused for longer than the timeout, second not
    int32_t third = open(small, consumer_full(1));
    EXPECT_NE(third, 0);
    EXPECT_EQ(small.evictions(), 1);
    EXPECT_EQ(small.plan(fetch(first, 1), v12, broker.names(), now_ms).error,
              error_code::fetch_session_id_not_found);
    EXPECT_EQ(small.plan(fetch(second, 1), v12, broker.names(), now_ms).error, error_code::none);
}

TEST_F(FetchSessionEviction, BiggerSessionEvictsTheSmallestOldSession) {
    int32_t one = open(small, consumer_full(1));
    int32_t two = open(small, consumer_full(2));
    now_ms += timeout_ms / 2;
    // Keep both in use, so neither is stale, while they grow old.
    EXPECT_EQ(small.plan(fetch(one, 1), v12, broker.names(), now_ms).error, error_code::none);
    EXPECT_EQ(small.plan(fetch(two, 1), v12, broker.names(), now_ms).error, error_code::none);
    now_ms += timeout_ms / 2 + 1;

    EXPECT_EQ(open(small, consumer_full(1)), 0);  // not bigger than the smallest
    EXPECT_NE(open(small, consumer_full(3)), 0);
    EXPECT_EQ(small.evictions(), 1);
    EXPECT_EQ(small.plan(fetch(one, 2), v12, broker.names(), now_ms).error,
              error_code::fetch_session_id_not_found);
    EXPECT_EQ(small.plan(fetch(two, 2), v12, broker.names(), now_ms).error, error_code::none);
}

TEST_F(FetchSessionEviction, FollowerEvictsAYoungConsumerSession) {
    EXPECT_NE(open(small, consumer_full(3)), 0);
    EXPECT_NE(open(small, consumer_full(2)), 0);
    EXPECT_EQ(open(small, consumer_full(3)), 0);  // a consumer cannot displace young sessions
    int32_t follower = open(small, from_follower(consumer_full(1)));
    EXPECT_NE(follower, 0);
    EXPECT_EQ(small.evictions(), 1);
    EXPECT_EQ(small.cached_partitions(), 4);  // the 2-partition consumer session went
}

TEST_F(FetchSessionEviction, YoungFollowerSessionsAreSafeFromEveryone) {
    int32_t first = open(small, from_follower(consumer_full(1)));
    int32_t second = open(small, from_follower(consumer_full(2)));
    EXPECT_EQ(open(small, from_follower(consumer_full(3))), 0);
    EXPECT_EQ(open(small, consumer_full(3)), 0);

    // In use (not stale) but old: a bigger follower session may displace the smaller one,
    // a consumer session never displaces a follower's.
    now_ms += timeout_ms / 2;
    for (int32_t id : {first, second}) {
        EXPECT_EQ(small.plan(fetch(id, 1), v12, broker.names(), now_ms).error, error_code::none);
    }
    now_ms += timeout_ms / 2 + 1;
    EXPECT_EQ(open(small, consumer_full(3)), 0);
    EXPECT_NE(open(small, from_follower(consumer_full(3))), 0);
    EXPECT_EQ(small.plan(fetch(first, 2), v12, broker.names(), now_ms).error,
              error_code::fetch_session_id_not_found);
}

TEST_F(FetchSessionEviction, FollowerOfVersion15IsKnownByItsReplicaState) {
    fetch_request request = consumer_full(1);
    request.replica_state.replica_id = node_id(3);
    EXPECT_EQ(small.plan(request, 15, broker.names(), now_ms).fetcher, fetcher_kind::follower);
    EXPECT_EQ(small.plan(request, 14, broker.names(), now_ms).fetcher, fetcher_kind::consumer);
}

TEST_F(FetchSessionEviction, CachedPartitionBoundRefusesOrDropsSessions) {
    fetch_session_cache bounded{fetch_session_limits{.max_cached_partitions = 3}};
    EXPECT_EQ(open(bounded, consumer_full(4)), 0);  // bigger than the bound: sessionless
    int32_t id = open(bounded, consumer_full(3));
    EXPECT_NE(id, 0);
    EXPECT_EQ(open(bounded, consumer_full(1)), 0);  // no room, nothing evictable
    fetch_plan grown =
        bounded.plan(fetch(id, 1, {named("payments", {at(0, 0)})}), v12, broker.names(), now_ms);
    EXPECT_EQ(grown.error, error_code::fetch_session_id_not_found);
    EXPECT_EQ(bounded.size(), 0u);
    EXPECT_EQ(bounded.cached_partitions(), 0);
}

TEST_F(FetchSessionCache, TopicIdsAreResolvedToNames) {
    auto [planned, done] =
        serve(fetch(0, 0, {with_id(orders_id, {at(0, 1)}), with_id(payments_id, {at(0, 2)})}), v13);
    EXPECT_EQ(planned.naming, topic_naming::by_id);
    EXPECT_EQ(describe(planned), (std::vector<std::string>{"orders-0@1", "payments-0@2"}));
    EXPECT_EQ(planned.targets[0].id, orders_id);
    EXPECT_NE(done.session_id, 0);
}

TEST_F(FetchSessionCache, UnknownTopicIdIsAPartitionErrorThatTheSessionKeeps) {
    const topic_id refunds_id(3, 3);
    auto [planned, done] =
        serve(fetch(0, 0, {with_id(refunds_id, {at(0, 0)}), with_id(orders_id, {at(0, 0)})}), v13);
    EXPECT_EQ(describe(planned), (std::vector<std::string>{"-0@0!100", "orders-0@0"}));
    EXPECT_EQ(planned.targets[0].id, refunds_id);
    EXPECT_EQ(done.included, (std::vector<bool>{true, true}));

    EXPECT_EQ(serve(fetch(done.session_id, 1), v13).second.included,
              (std::vector<bool>{true, false}));

    // Once the image knows the topic, the session's partition is read like any other.
    broker.name_topic(refunds_id, "refunds");
    broker.log("refunds", 0);
    auto [resolved, resolved_done] = serve(fetch(done.session_id, 2), v13);
    EXPECT_EQ(describe(resolved), (std::vector<std::string>{"refunds-0@0", "orders-0@0"}));
    EXPECT_EQ(resolved_done.included, (std::vector<bool>{true, false}));
}

TEST_F(FetchSessionCache, DeletedTopicBecomesUnknownTopicIdInItsSession) {
    int32_t id = open_orders_session(v13);
    broker.delete_topic(orders_id);
    auto [planned, done] = serve(fetch(id, 1), v13);
    EXPECT_EQ(describe(planned), (std::vector<std::string>{"-0@0!100", "-1@0!100"}));
    EXPECT_EQ(done.included, (std::vector<bool>{true, true}));
}

TEST_F(FetchSessionCache, TopicIdSessionForgetsByTopicId) {
    int32_t id = open_orders_session(v13);
    fetch_plan planned =
        plan(fetch(id, 1, {}, {forget(orders_id, {0}), forget("orders", {1})}), v13);
    EXPECT_EQ(describe(planned), (std::vector<std::string>{"orders-1@0"}));
}

TEST_F(FetchSessionCache, SessionKeepsTheTopicNamingItWasCreatedWith) {
    int32_t by_id = open_orders_session(v13);
    EXPECT_EQ(plan(fetch(by_id, 1), v12).error, error_code::fetch_session_topic_id_error);
    int32_t by_name = open_orders_session(v12);
    EXPECT_EQ(plan(fetch(by_name, 1), v13).error, error_code::fetch_session_topic_id_error);
    // The refused requests did not use up the epoch.
    EXPECT_EQ(plan(fetch(by_id, 1), v13).error, error_code::none);
    EXPECT_EQ(plan(fetch(by_name, 1), v12).error, error_code::none);
}

TEST_F(FetchSessionCache, SameSeedGivesTheSameSessionIds) {
    fetch_session_cache other{fetch_session_limits{.random_seed = 7}};
    fetch_plan planned = other.plan(fetch(0, 0, {named("orders", {at(0, 0), at(1, 0)})}), v12,
                                    broker.names(), now_ms);
    int32_t other_id = other.complete(planned, broker.read(planned), now_ms).session_id;
    EXPECT_EQ(open_orders_session(), other_id);
}

}  // namespace
}  // namespace samsa::server
