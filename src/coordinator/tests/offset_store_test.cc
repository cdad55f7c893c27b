#include "coordinator/offset_store.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace samsa::coordinator {
namespace {

using protocol::error_code;

constexpr int64_t retention_ms = default_offsets_retention_ms;

topic_partition tp(std::string topic, int32_t partition) {
    return topic_partition{std::move(topic), partition_id(partition)};
}

offset_and_metadata at(int64_t committed, int64_t commit_timestamp_ms = 1000) {
    return offset_and_metadata{.committed_offset = offset(committed),
                               .committed_leader_epoch = leader_epoch(5),
                               .metadata = "m" + std::to_string(committed),
                               .commit_timestamp_ms = commit_timestamp_ms,
                               .expire_timestamp_ms = std::nullopt};
}

// Commits through the driver's path: records, then completion as if they were durable.
void commit(offset_store& store, const std::string& group, std::vector<partition_commit> commits) {
    auto records = store.prepare_commit(group, commits);
    ASSERT_TRUE(records.has_value());
    ASSERT_EQ(records->size(), commits.size());
    store.complete_commit(group, commits);
}

// Replays encoded records as the loader would: decode, then apply.
void replay(offset_store& store, const std::vector<encoded_offsets_record>& records) {
    for (const encoded_offsets_record& record : records) {
        std::optional<std::span<const uint8_t>> value;
        if (record.value) {
            value = std::span<const uint8_t>(*record.value);
        }
        auto decoded = decode_offsets_record(std::span<const uint8_t>(record.key), value);
        ASSERT_TRUE(decoded.has_value());
        store.apply(*decoded);
    }
}

fetched_offset committed(topic_partition partition, int64_t value) {
    return fetched_offset{.partition = std::move(partition),
                          .committed_offset = offset(value),
                          .committed_leader_epoch = leader_epoch(5),
                          .metadata = "m" + std::to_string(value),
                          .error = error_code::none};
}

fetched_offset nothing_for(topic_partition partition) {
    return fetched_offset{.partition = std::move(partition)};
}

TEST(OffsetStore, ACompletedCommitIsFetched) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(10)}, {tp("t", 1), at(11)}});
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::any), committed(tp("t", 0), 10));
    EXPECT_EQ(store.fetch("g", tp("t", 1), fetch_stability::any), committed(tp("t", 1), 11));
    EXPECT_EQ(store.offset_count(), 2u);
}

TEST(OffsetStore, AnUnknownPartitionOrGroupAnswersMinusOneWithoutError) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(10)}});
    fetched_offset unknown = store.fetch("g", tp("t", 9), fetch_stability::any);
    EXPECT_EQ(unknown.committed_offset, offset(-1));
    EXPECT_EQ(unknown.committed_leader_epoch, leader_epoch(-1));
    EXPECT_EQ(unknown.metadata, "");
    EXPECT_EQ(unknown.error, error_code::none);
    EXPECT_EQ(store.fetch("other", tp("t", 0), fetch_stability::any), nothing_for(tp("t", 0)));
}

TEST(OffsetStore, NothingIsVisibleBeforeTheCommitIsDurable) {
    offset_store store;
    std::vector<partition_commit> commits = {{tp("t", 0), at(10)}};
    ASSERT_TRUE(store.prepare_commit("g", commits).has_value());
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::any), nothing_for(tp("t", 0)));
    EXPECT_FALSE(store.has_offsets("g"));
    store.complete_commit("g", commits);
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::any), committed(tp("t", 0), 10));
}

TEST(OffsetStore, RequireStableAnswersUnstableWhileACommitIsInFlight) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(10)}});
    std::vector<partition_commit> next = {{tp("t", 0), at(20)}};
    ASSERT_TRUE(store.prepare_commit("g", next).has_value());
    EXPECT_TRUE(store.is_pending("g", tp("t", 0)));

    fetched_offset stable = store.fetch("g", tp("t", 0), fetch_stability::require_stable);
    EXPECT_EQ(stable.error, error_code::unstable_offset_commit);
    EXPECT_EQ(stable.committed_offset, offset(-1));
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::any), committed(tp("t", 0), 10));
    EXPECT_EQ(store.fetch_all("g", fetch_stability::require_stable)[0].error,
              error_code::unstable_offset_commit);

    store.complete_commit("g", next);
    EXPECT_FALSE(store.is_pending("g", tp("t", 0)));
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::require_stable),
              committed(tp("t", 0), 20));
}

TEST(OffsetStore, AnAbortedCommitLeavesTheOffsetAsItWas) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(10)}});
    std::vector<partition_commit> next = {{tp("t", 0), at(20)}};
    ASSERT_TRUE(store.prepare_commit("g", next).has_value());
    store.abort_commit("g", next);
    EXPECT_FALSE(store.is_pending("g", tp("t", 0)));
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::require_stable),
              committed(tp("t", 0), 10));
}

TEST(OffsetStore, TwoCommitsInFlightKeepThePartitionPendingUntilBothEnd) {
    offset_store store;
    std::vector<partition_commit> first = {{tp("t", 0), at(10)}};
    std::vector<partition_commit> second = {{tp("t", 0), at(20)}};
    ASSERT_TRUE(store.prepare_commit("g", first).has_value());
    ASSERT_TRUE(store.prepare_commit("g", second).has_value());
    store.complete_commit("g", first);
    EXPECT_TRUE(store.is_pending("g", tp("t", 0)));
    store.complete_commit("g", second);
    EXPECT_FALSE(store.is_pending("g", tp("t", 0)));
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::any).committed_offset, offset(20));
}

TEST(OffsetStore, ACommitThatCannotBeEncodedLeavesNothingPending) {
    offset_store store;
    std::vector<partition_commit> commits = {{tp("t", 0), at(10)},
                                             {tp(std::string(40000, 't'), 0), at(10)}};
    auto records = store.prepare_commit("g", commits);
    ASSERT_FALSE(records.has_value());
    EXPECT_EQ(records.error(), offsets_record_error::too_long);
    EXPECT_FALSE(store.is_pending("g", tp("t", 0)));
}

TEST(OffsetStore, FetchAllReturnsEveryCommittedPartitionInOrder) {
    offset_store store;
    commit(store, "g", {{tp("b", 1), at(3)}, {tp("a", 0), at(1)}, {tp("b", 0), at(2)}});
    commit(store, "other", {{tp("a", 0), at(9)}});
    EXPECT_EQ(store.fetch_all("g", fetch_stability::any),
              (std::vector<fetched_offset>{committed(tp("a", 0), 1), committed(tp("b", 0), 2),
                                           committed(tp("b", 1), 3)}));
    EXPECT_TRUE(store.fetch_all("unknown", fetch_stability::any).empty());
}

TEST(OffsetStore, FetchTopicsReturnsTheCommittedPartitionsOfThoseTopics) {
    offset_store store;
    commit(store, "g",
           {{tp("a", 0), at(1)}, {tp("ab", 0), at(2)}, {tp("b", 0), at(3)}, {tp("c", 4), at(4)}});
    std::vector<std::string> topics = {"c", "a", "missing", "a"};
    EXPECT_EQ(store.fetch_topics("g", topics, fetch_stability::any),
              (std::vector<fetched_offset>{committed(tp("a", 0), 1), committed(tp("c", 4), 4)}));
}

TEST(OffsetStore, ReplayLetsTheLaterRecordWin) {
    offset_store writer;
    auto first = writer.prepare_commit("g", std::vector<partition_commit>{{tp("t", 0), at(10)}});
    auto second = writer.prepare_commit("g", std::vector<partition_commit>{{tp("t", 0), at(20)}});
    ASSERT_TRUE(first.has_value() && second.has_value());

    offset_store loaded;
    replay(loaded, *first);
    replay(loaded, *second);
    EXPECT_EQ(loaded.fetch("g", tp("t", 0), fetch_stability::any), committed(tp("t", 0), 20));
    EXPECT_EQ(loaded.offset_count(), 1u);
}

TEST(OffsetStore, ReplayOfATombstoneRemovesTheOffset) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(10)}, {tp("t", 1), at(11)}});
    offset_removal removal = store.delete_offsets_records("g", std::vector{tp("t", 0)});

    offset_store loaded;
    replay(loaded, *store.prepare_commit("g", std::vector<partition_commit>{{tp("t", 0), at(10)},
                                                                            {tp("t", 1), at(11)}}));
    replay(loaded, removal.records);
    EXPECT_EQ(loaded.fetch("g", tp("t", 0), fetch_stability::any), nothing_for(tp("t", 0)));
    EXPECT_EQ(loaded.fetch("g", tp("t", 1), fetch_stability::any), committed(tp("t", 1), 11));
}

TEST(OffsetStore, ReplayIgnoresGroupMetadataAndUnknownRecords) {
    offset_store store;
    store.apply(group_metadata_record{.group = "g", .value = protocol::group_metadata_value{}});
    store.apply(unknown_offsets_record{.key_version = 3});
    EXPECT_FALSE(store.has_offsets("g"));
    EXPECT_EQ(store.offset_count(), 0u);
}

TEST(OffsetStore, DeleteOffsetsBuildsTombstonesOnlyForCommittedPartitions) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(10)}, {tp("t", 1), at(11)}});
    offset_removal removal =
        store.delete_offsets_records("g", std::vector{tp("t", 0), tp("t", 7), tp("t", 0)});
    EXPECT_EQ(removal.group, "g");
    EXPECT_EQ(removal.partitions, std::vector{tp("t", 0)});
    ASSERT_EQ(removal.records.size(), 1u);
    EXPECT_FALSE(removal.records[0].value.has_value());

    // Nothing changes until the tombstones are durable.
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::any), committed(tp("t", 0), 10));
    store.remove(removal);
    EXPECT_EQ(store.fetch("g", tp("t", 0), fetch_stability::any), nothing_for(tp("t", 0)));
    EXPECT_EQ(store.fetch("g", tp("t", 1), fetch_stability::any), committed(tp("t", 1), 11));
    EXPECT_TRUE(store.delete_offsets_records("unknown", std::vector{tp("t", 0)}).records.empty());
}

TEST(OffsetStore, DeletingAGroupRemovesAllItsOffsetsAndTheGroupFromTheListing) {
    offset_store store;
    commit(store, "g", {{tp("a", 0), at(1)}, {tp("b", 0), at(2)}});
    commit(store, "h", {{tp("a", 0), at(3)}});
    EXPECT_EQ(store.groups(), (std::vector<std::string>{"g", "h"}));

    offset_removal removal = store.delete_group_records("g");
    EXPECT_EQ(removal.partitions, (std::vector{tp("a", 0), tp("b", 0)}));
    EXPECT_EQ(removal.records.size(), 2u);
    store.remove(removal);
    EXPECT_FALSE(store.has_offsets("g"));
    EXPECT_EQ(store.groups(), std::vector<std::string>{"h"});
    EXPECT_EQ(store.offset_count(), 1u);
}

// Expiry policies for the tests: a group not in the map is a simple group.
offset_expiration_policy policy(std::map<std::string, std::optional<offset_expiration>> rules) {
    return
        [rules = std::move(rules)](const std::string& group) -> std::optional<offset_expiration> {
            auto rule = rules.find(group);
            return rule == rules.end() ? std::optional(offset_expiration{}) : rule->second;
        };
}

TEST(OffsetStore, OffsetsOfAnEmptyGroupExpireRetentionAfterItBecameEmpty) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(1, /*commit_timestamp_ms=*/1000)}});
    auto rules = policy({{"g", offset_expiration{.since_ms = 50000, .subscribed_topics = {}}}});

    EXPECT_TRUE(store.expire(50000 + retention_ms - 1, retention_ms, rules).empty());
    std::vector<offset_removal> removals = store.expire(50000 + retention_ms, retention_ms, rules);
    ASSERT_EQ(removals.size(), 1u);
    EXPECT_EQ(removals[0].group, "g");
    EXPECT_EQ(removals[0].partitions, std::vector{tp("t", 0)});
    ASSERT_EQ(removals[0].records.size(), 1u);
    EXPECT_FALSE(removals[0].records[0].value.has_value());

    store.remove(removals[0]);
    EXPECT_FALSE(store.has_offsets("g"));
}

TEST(OffsetStore, OffsetsOfAGroupWithMembersDoNotExpire) {
    offset_store store;
    commit(store, "g", {{tp("t", 0), at(1, 1000)}});
    auto rules = policy({{"g", std::nullopt}});
    EXPECT_TRUE(store.expire(1000 + 10 * retention_ms, retention_ms, rules).empty());
}

TEST(OffsetStore, OffsetsOfASimpleGroupExpireRetentionAfterTheirCommit) {
    offset_store store;
    commit(store, "simple", {{tp("t", 0), at(1, 1000)}, {tp("t", 1), at(2, 5000)}});
    auto rules = policy({});
    EXPECT_TRUE(store.expire(1000 + retention_ms - 1, retention_ms, rules).empty());
    std::vector<offset_removal> removals = store.expire(1000 + retention_ms, retention_ms, rules);
    ASSERT_EQ(removals.size(), 1u);
    EXPECT_EQ(removals[0].partitions, std::vector{tp("t", 0)});
}

TEST(OffsetStore, OffsetsOfSubscribedTopicsDoNotExpire) {
    offset_store store;
    commit(store, "g", {{tp("kept", 0), at(1, 1000)}, {tp("gone", 0), at(2, 1000)}});
    auto rules =
        policy({{"g", offset_expiration{.since_ms = std::nullopt, .subscribed_topics = {"kept"}}}});
    std::vector<offset_removal> removals = store.expire(1000 + retention_ms, retention_ms, rules);
    ASSERT_EQ(removals.size(), 1u);
    EXPECT_EQ(removals[0].partitions, std::vector{tp("gone", 0)});
}

TEST(OffsetStore, AnExplicitExpireTimestampWinsOverRetention) {
    offset_store store;
    offset_and_metadata value = at(1, 1000);
    value.expire_timestamp_ms = 2000;
    commit(store, "simple", {{tp("t", 0), value}});
    auto rules = policy({});
    EXPECT_TRUE(store.expire(1999, retention_ms, rules).empty());
    EXPECT_EQ(store.expire(2000, retention_ms, rules).size(), 1u);
}

TEST(OffsetStore, APendingCommitDoesNotExpire) {
    offset_store store;
    commit(store, "simple", {{tp("t", 0), at(1, 1000)}});
    std::vector<partition_commit> next = {{tp("t", 0), at(2, 1000 + retention_ms)}};
    ASSERT_TRUE(store.prepare_commit("simple", next).has_value());
    EXPECT_TRUE(store.expire(1000 + retention_ms, retention_ms, policy({})).empty());
}

}  // namespace
}  // namespace samsa::coordinator
