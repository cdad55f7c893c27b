// Transactional offset commits (TxnOffsetCommit): pending until the producer's marker, then
// committed or dropped; and the same outcome when a coordinator loads them back from the
// log's batches and markers.

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/offset_store.h"
#include "coordinator/offsets_log.h"
#include "coordinator/pending_transactional_offsets.h"
#include "protocol/control_record.h"

namespace samsa::coordinator {
namespace {

using protocol::error_code;

constexpr producer_id producer_a(4000);
constexpr producer_id producer_b(4001);
constexpr producer_epoch epoch_a(3);

topic_partition tp(std::string topic, int32_t partition) {
    return topic_partition{std::move(topic), partition_id(partition)};
}

offset_and_metadata at(int64_t committed) {
    return offset_and_metadata{.committed_offset = offset(committed),
                               .committed_leader_epoch = leader_epoch(2),
                               .metadata = "m" + std::to_string(committed),
                               .commit_timestamp_ms = 1000,
                               .expire_timestamp_ms = std::nullopt};
}

int64_t fetched(const offset_store& store, const std::string& group,
                const topic_partition& partition) {
    fetched_offset answer = store.fetch(group, partition, fetch_stability::any);
    EXPECT_EQ(answer.error, error_code::none);
    return answer.committed_offset.value();
}

error_code stable_error(const offset_store& store, const std::string& group,
                        const topic_partition& partition) {
    return store.fetch(group, partition, fetch_stability::require_stable).error;
}

// A plain OffsetCommit whose records landed at first_record_offset.
void commit_plain(offset_store& store, const std::string& group,
                  std::vector<partition_commit> commits, int64_t first_record_offset) {
    ASSERT_TRUE(store.prepare_commit(group, commits).has_value());
    store.complete_commit(group, commits, offset(first_record_offset));
}

// A TxnOffsetCommit whose transactional batch landed at first_record_offset.
void commit_transactional(offset_store& store, const std::string& group, producer_id producer,
                          std::vector<partition_commit> commits, int64_t first_record_offset) {
    ASSERT_TRUE(store.prepare_commit(group, commits).has_value());
    store.complete_transactional_commit(group, producer, commits, offset(first_record_offset));
}

TEST(TransactionalOffsets, InvisibleUntilTheCommitMarker) {
    offset_store store;
    commit_plain(store, "g", {{tp("t", 0), at(5)}}, 10);
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}, {tp("t", 1), at(3)}}, 11);

    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 5);
    EXPECT_EQ(fetched(store, "g", tp("t", 1)), -1);
    EXPECT_TRUE(store.has_pending_transaction(producer_a));

    EXPECT_EQ(store.complete_transaction(producer_a, transaction_result::commit), 2u);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 9);
    EXPECT_EQ(fetched(store, "g", tp("t", 1)), 3);
    EXPECT_FALSE(store.has_pending_transaction(producer_a));
    EXPECT_EQ(store.pending_transactional_count(), 0u);
}

TEST(TransactionalOffsets, AbortMarkerDropsThem) {
    offset_store store;
    commit_plain(store, "g", {{tp("t", 0), at(5)}}, 10);
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}}, 11);

    EXPECT_EQ(store.complete_transaction(producer_a, transaction_result::abort), 1u);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 5);
    EXPECT_EQ(stable_error(store, "g", tp("t", 0)), error_code::none);
    EXPECT_EQ(store.pending_transactional_count(), 0u);
}

TEST(TransactionalOffsets, RequireStableAnswersUnstableWhilePending) {
    offset_store store;
    commit_plain(store, "g", {{tp("t", 0), at(5)}}, 10);
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}}, 11);

    fetched_offset answer = store.fetch("g", tp("t", 0), fetch_stability::require_stable);
    EXPECT_EQ(answer.error, error_code::unstable_offset_commit);
    EXPECT_EQ(answer.committed_offset, offset(-1));
    // A partition with only a pending offset too, and fetch_all for the committed one.
    commit_transactional(store, "g", producer_a, {{tp("u", 0), at(1)}}, 12);
    EXPECT_EQ(stable_error(store, "g", tp("u", 0)), error_code::unstable_offset_commit);
    std::vector<fetched_offset> all = store.fetch_all("g", fetch_stability::require_stable);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].error, error_code::unstable_offset_commit);
    // Without require_stable: the last committed value.
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 5);

    store.complete_transaction(producer_a, transaction_result::commit);
    EXPECT_EQ(stable_error(store, "g", tp("t", 0)), error_code::none);
    EXPECT_EQ(stable_error(store, "g", tp("u", 0)), error_code::none);
}

TEST(TransactionalOffsets, PendingWhileTheAppendIsInFlightAndNothingAfterItFails) {
    offset_store store;
    std::vector<partition_commit> commits{{tp("t", 0), at(9)}};
    ASSERT_TRUE(store.prepare_commit("g", commits).has_value());
    EXPECT_EQ(stable_error(store, "g", tp("t", 0)), error_code::unstable_offset_commit);

    store.abort_commit("g", commits);
    EXPECT_EQ(stable_error(store, "g", tp("t", 0)), error_code::none);
    EXPECT_FALSE(store.has_pending_transaction(producer_a));
    EXPECT_FALSE(store.has_offsets("g"));
}

TEST(TransactionalOffsets, PlainCommitWrittenLaterBeatsTheTransaction) {
    // Kafka materializes in log order, not in the order transactions end.
    offset_store store;
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}}, 20);
    commit_plain(store, "g", {{tp("t", 0), at(12)}}, 21);

    store.complete_transaction(producer_a, transaction_result::commit);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 12);
}

TEST(TransactionalOffsets, TransactionWrittenLaterBeatsAnEarlierPlainCommit) {
    offset_store store;
    commit_plain(store, "g", {{tp("t", 0), at(12)}}, 20);
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}}, 21);

    store.complete_transaction(producer_a, transaction_result::commit);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 9);
}

TEST(TransactionalOffsets, MarkerEndsOnlyItsProducerInEveryGroup) {
    offset_store store;
    commit_transactional(store, "g1", producer_a, {{tp("t", 0), at(1)}}, 10);
    commit_transactional(store, "g2", producer_a, {{tp("t", 0), at(2)}}, 11);
    commit_transactional(store, "g1", producer_b, {{tp("t", 1), at(3)}}, 12);

    EXPECT_EQ(store.complete_transaction(producer_a, transaction_result::commit), 2u);
    EXPECT_EQ(fetched(store, "g1", tp("t", 0)), 1);
    EXPECT_EQ(fetched(store, "g2", tp("t", 0)), 2);
    EXPECT_EQ(fetched(store, "g1", tp("t", 1)), -1);
    EXPECT_EQ(stable_error(store, "g1", tp("t", 1)), error_code::unstable_offset_commit);
    EXPECT_TRUE(store.has_pending_transaction(producer_b));
}

TEST(TransactionalOffsets, LaterCommitOfTheSameTransactionReplacesTheEarlier) {
    offset_store store;
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(1)}}, 10);
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(7)}}, 11);
    EXPECT_EQ(store.pending_transactional_count(), 1u);

    store.complete_transaction(producer_a, transaction_result::commit);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 7);
}

TEST(TransactionalOffsets, MarkerOfAProducerWithNothingPendingIsIgnored) {
    offset_store store;
    commit_plain(store, "g", {{tp("t", 0), at(5)}}, 10);
    EXPECT_EQ(store.complete_transaction(producer_a, transaction_result::commit), 0u);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 5);
}

TEST(TransactionalOffsets, AGroupWithOnlyPendingOffsetsExistsAndIsListed) {
    offset_store store;
    commit_transactional(store, "pending-only", producer_a, {{tp("t", 0), at(1)}}, 10);
    commit_plain(store, "committed", {{tp("t", 0), at(1)}}, 11);

    EXPECT_TRUE(store.has_offsets("pending-only"));
    EXPECT_EQ(store.groups(), (std::vector<std::string>{"committed", "pending-only"}));
    EXPECT_TRUE(store.fetch_all("pending-only", fetch_stability::any).empty());

    store.complete_transaction(producer_a, transaction_result::abort);
    EXPECT_FALSE(store.has_offsets("pending-only"));
}

TEST(TransactionalOffsets, OffsetDeleteTombstonesPendingPartitionsAndDropsThem) {
    offset_store store;
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}}, 10);

    offset_removal removal = store.delete_offsets_records("g", std::vector{tp("t", 0), tp("t", 1)});
    ASSERT_EQ(removal.partitions, (std::vector{tp("t", 0)}));
    ASSERT_EQ(removal.records.size(), 1u);
    EXPECT_FALSE(removal.records[0].value.has_value());
    store.remove(removal);

    // The commit marker no longer brings the deleted offset back.
    EXPECT_EQ(store.complete_transaction(producer_a, transaction_result::commit), 0u);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), -1);
    EXPECT_FALSE(store.has_offsets("g"));
}

TEST(TransactionalOffsets, DeleteGroupTombstonesCommittedAndPendingPartitionsOnce) {
    offset_store store;
    commit_plain(store, "g", {{tp("t", 0), at(5)}}, 10);
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}, {tp("t", 1), at(2)}}, 11);

    offset_removal removal = store.delete_group_records("g");
    EXPECT_EQ(removal.partitions, (std::vector{tp("t", 0), tp("t", 1)}));
    store.remove(removal);
    EXPECT_FALSE(store.has_offsets("g"));
    EXPECT_EQ(store.pending_transactional_count(), 0u);
}

TEST(TransactionalOffsets, RetentionKeepsPartitionsWithPendingOffsets) {
    offset_store store;
    commit_plain(store, "g", {{tp("t", 0), at(5)}, {tp("t", 1), at(6)}}, 10);
    commit_transactional(store, "g", producer_a, {{tp("t", 0), at(9)}}, 12);

    offset_expiration_policy simple = [](const std::string&) {
        return std::optional<offset_expiration>(offset_expiration{});
    };
    std::vector<offset_removal> removals =
        store.expire(1000 + default_offsets_retention_ms, default_offsets_retention_ms, simple);
    ASSERT_EQ(removals.size(), 1u);
    EXPECT_EQ(removals[0].partitions, (std::vector{tp("t", 1)}));
}

// Loading: the batches as the coordinator writes them, at the offsets the log gave them.

std::vector<uint8_t> batch_at(int64_t base_offset,
                              const std::vector<encoded_offsets_record>& records,
                              std::optional<transactional_writer> writer) {
    auto built = build_offsets_batch(records, 1000, writer);
    EXPECT_TRUE(built.has_value());
    std::vector<uint8_t> bytes = std::move(built).value();
    // baseOffset: the first 8 bytes, big-endian, outside the CRC (the log rewrites it too).
    for (int i = 0; i < 8; ++i) {
        bytes[static_cast<std::size_t>(i)] = static_cast<uint8_t>(base_offset >> (56 - 8 * i));
    }
    return bytes;
}

std::vector<uint8_t> marker_at(int64_t base_offset, producer_id producer,
                               protocol::control_type type) {
    std::vector<uint8_t> bytes = protocol::build_transaction_marker_batch(
        producer, epoch_a, protocol::transaction_marker{.type = type, .coordinator_epoch = 0},
        1000);
    for (int i = 0; i < 8; ++i) {
        bytes[static_cast<std::size_t>(i)] = static_cast<uint8_t>(base_offset >> (56 - 8 * i));
    }
    return bytes;
}

std::vector<encoded_offsets_record> commit_records(const std::string& group,
                                                   std::vector<partition_commit> commits) {
    offset_store scratch;
    auto records = scratch.prepare_commit(group, commits);
    EXPECT_TRUE(records.has_value());
    return std::move(records).value();
}

void append(std::vector<uint8_t>& log, const std::vector<uint8_t>& batch) {
    log.insert(log.end(), batch.begin(), batch.end());
}

// What group_coordinator::load does with the partition's bytes.
offset_store load(const std::vector<uint8_t>& log) {
    offset_store store;
    offsets_record_visitor visit = [&](const logged_record& record) {
        auto decoded = decode_offsets_record(record.key, record.value);
        ASSERT_TRUE(decoded.has_value());
        store.replay(decoded.value(), record.record_offset, record.transactional_producer);
    };
    transaction_marker_visitor visit_marker = [&](const logged_marker& marker) {
        store.complete_transaction(marker.producer, marker.committed ? transaction_result::commit
                                                                     : transaction_result::abort);
    };
    auto visited = visit_offsets_batches(log, visit, visit_marker);
    EXPECT_TRUE(visited.has_value());
    return store;
}

TEST(TransactionalOffsetsLoad, CommittedAbortedAndOpenTransactions) {
    transactional_writer writer_a{.producer = producer_a, .epoch = epoch_a};
    transactional_writer writer_b{.producer = producer_b, .epoch = epoch_a};
    std::vector<uint8_t> log;
    append(log, batch_at(0, commit_records("g", {{tp("t", 0), at(5)}}), std::nullopt));
    append(log, batch_at(1, commit_records("g", {{tp("t", 0), at(9)}}), writer_a));
    append(log, batch_at(2, commit_records("g", {{tp("t", 1), at(4)}}), writer_b));
    append(log, marker_at(3, producer_a, protocol::control_type::commit));
    append(log, batch_at(4, commit_records("g", {{tp("t", 1), at(8)}}), writer_a));
    append(log, marker_at(5, producer_b, protocol::control_type::abort));
    append(log, marker_at(6, producer_a, protocol::control_type::abort));
    append(log, batch_at(7, commit_records("g", {{tp("t", 2), at(1)}}), writer_b));

    offset_store store = load(log);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 9);   // committed by a's first marker
    EXPECT_EQ(fetched(store, "g", tp("t", 1)), -1);  // b aborted, then a aborted
    EXPECT_EQ(fetched(store, "g", tp("t", 2)), -1);  // b's new transaction is still open
    EXPECT_EQ(stable_error(store, "g", tp("t", 2)), error_code::unstable_offset_commit);
    EXPECT_TRUE(store.has_pending_transaction(producer_b));
    EXPECT_FALSE(store.has_pending_transaction(producer_a));

    // The marker written after the load ends it.
    store.complete_transaction(producer_b, transaction_result::commit);
    EXPECT_EQ(fetched(store, "g", tp("t", 2)), 1);
}

TEST(TransactionalOffsetsLoad, CommitMarkerKeepsAPlainCommitWrittenAfterTheTransaction) {
    transactional_writer writer_a{.producer = producer_a, .epoch = epoch_a};
    std::vector<uint8_t> log;
    append(log, batch_at(0, commit_records("g", {{tp("t", 0), at(9)}}), writer_a));
    append(log, batch_at(1, commit_records("g", {{tp("t", 0), at(12)}}), std::nullopt));
    append(log, marker_at(2, producer_a, protocol::control_type::commit));

    offset_store store = load(log);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), 12);
}

TEST(TransactionalOffsetsLoad, TombstoneDropsPendingOffsets) {
    transactional_writer writer_a{.producer = producer_a, .epoch = epoch_a};
    std::vector<uint8_t> log;
    append(log, batch_at(0, commit_records("g", {{tp("t", 0), at(9)}}), writer_a));
    std::vector<encoded_offsets_record> tombstone = commit_records("g", {{tp("t", 0), at(0)}});
    tombstone[0].value.reset();
    append(log, batch_at(1, tombstone, std::nullopt));
    append(log, marker_at(2, producer_a, protocol::control_type::commit));

    offset_store store = load(log);
    EXPECT_EQ(fetched(store, "g", tp("t", 0)), -1);
    EXPECT_FALSE(store.has_offsets("g"));
}

TEST(TransactionalOffsetsLoad, TheCoordinatorsBatchIsTransactionalWithTheProducer) {
    transactional_writer writer_a{.producer = producer_a, .epoch = epoch_a};
    auto built = build_offsets_batch(commit_records("g", {{tp("t", 0), at(9)}}), 1000, writer_a);
    ASSERT_TRUE(built.has_value());
    auto batch = protocol::record_batch_view::parse(built.value(), protocol::crc_check::verify);
    ASSERT_TRUE(batch.has_value());
    EXPECT_TRUE(batch->is_transactional());
    EXPECT_FALSE(batch->is_control());
    EXPECT_EQ(batch->producer_id(), producer_a);
    EXPECT_EQ(batch->producer_epoch(), epoch_a);
    EXPECT_EQ(batch->base_sequence(), -1);
}

TEST(PendingTransactionalOffsets, IndexesFollowAddTakeAndRemove) {
    pending_transactional_offsets pending;
    logged_offset value{at(1), offset(3)};
    pending.add(producer_a, "g", tp("t", 0), value);
    pending.add(producer_b, "g", tp("t", 0), value);
    pending.add(producer_a, "h", tp("t", 1), value);
    EXPECT_EQ(pending.size(), 3u);
    EXPECT_EQ(pending.partitions("g"), (std::vector{tp("t", 0)}));

    pending.remove_partition("g", tp("t", 0));
    EXPECT_EQ(pending.size(), 1u);
    EXPECT_FALSE(pending.has_pending_from(producer_b));
    EXPECT_FALSE(pending.has_pending("g"));

    std::vector<ended_offset> ended = pending.take(producer_a);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].group, "h");
    EXPECT_EQ(ended[0].value, value);
    EXPECT_EQ(pending.size(), 0u);
    EXPECT_TRUE(pending.groups().empty());
}

}  // namespace
}  // namespace samsa::coordinator
