// The partition log keeping its producer state (partition_log_producers.cc): duplicates,
// gaps and fenced epochs of idempotent producers checked against what the log holds, the
// last stable offset and the transaction indexes of transactions, and the state coming back
// after a clean or unclean restart, a corrupt snapshot, truncation, retention and expiry.
// Real files in a temporary directory; the clock is the batches' timestamps and now_ms.

#include <gtest/gtest.h>

#include <fstream>
#include <tuple>

#include "base/temporary_directory.h"
#include "protocol/control_record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/log_segment.h"
#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"

namespace samsa::storage {
namespace {

using protocol::control_type;
using protocol::error_code;

constexpr int64_t t0 = 1'700'000'000'000;
constexpr int64_t pid_a = 1001;
constexpr int64_t pid_b = 2002;
constexpr int64_t pid_c = 3003;
constexpr int64_t pid_d = 4004;

// With segment.bytes 1024, a batch of one 500-byte record (~570 bytes) never shares a
// segment with another such batch; small batches (~85 bytes) and markers (~80) fit beside one.
constexpr std::size_t big_value_bytes = 500;

struct batch_spec {
    int64_t id = -1;
    int16_t epoch = 0;
    int32_t sequence = 0;
    int records = 1;
    bool transactional = false;
    int64_t timestamp_ms = t0;
    std::size_t value_bytes = 16;
};

std::vector<uint8_t> build_batch(const batch_spec& spec) {
    protocol::record_batch_settings settings;
    settings.producer_id = producer_id(spec.id);
    settings.producer_epoch = producer_epoch(spec.id < 0 ? -1 : spec.epoch);
    settings.base_sequence = spec.id < 0 ? -1 : spec.sequence;
    settings.transactional = spec.transactional ? protocol::transaction_mode::transactional
                                                : protocol::transaction_mode::none;
    protocol::record_batch_builder builder(settings);
    std::string value(spec.value_bytes, 'v');
    for (int index = 0; index < spec.records; ++index) {
        protocol::record_fields fields;
        fields.timestamp_ms = spec.timestamp_ms;
        fields.value =
            protocol::byte_view(reinterpret_cast<const uint8_t*>(value.data()), value.size());
        builder.append(fields);
    }
    auto built = std::move(builder).build();
    SAMSA_ASSERT(built, "test batch did not build");
    return std::move(built).value();
}

// (producer id, first offset, last offset, last stable offset): printable in failures.
using aborted_tuple = std::tuple<int64_t, int64_t, int64_t, int64_t>;

class PartitionLogProducersTest : public ::testing::Test {
protected:
    std::filesystem::path partition_dir() const { return dir_.path() / "orders-0"; }

    std::unique_ptr<partition_log> open_log(log_load_options options = {.now_ms = t0}) {
        auto log = partition_log::open(*fs_, partition_dir(), config_, options);
        EXPECT_TRUE(log) << (log ? "" : log.error().message);
        return log ? std::move(log).value() : nullptr;
    }
    std::unique_ptr<partition_log> reopen_clean(offset log_end) {
        return open_log({.recovery_point = log_end, .clean_shutdown = true, .now_ms = t0});
    }
    std::unique_ptr<partition_log> reopen_unclean() {
        return open_log({.recovery_point = offset(0), .clean_shutdown = false, .now_ms = t0});
    }

    // Appends a copy of the bytes (append rewrites the base offset in place); the high
    // watermark follows the log end unless told otherwise.
    append_result append_bytes(partition_log& log, std::vector<uint8_t> bytes,
                               bool advance_high_watermark = true) {
        auto appended = log.append(bytes, leader_epoch(1), t0);
        EXPECT_TRUE(appended) << (appended ? "" : appended.error().message);
        if (advance_high_watermark) {
            log.set_high_watermark(log.log_end_offset());
        }
        return appended ? appended.value() : append_result{};
    }

    // What a leader does with a client's batch: check it, then append it. Returns the batch
    // as built, for retries.
    std::vector<uint8_t> produce(partition_log& log, const batch_spec& spec,
                                 bool advance_high_watermark = true) {
        std::vector<uint8_t> bytes = build_batch(spec);
        auto checked = check(log, bytes);
        EXPECT_TRUE(checked) << (checked ? "" : checked.error().message);
        EXPECT_FALSE(checked && checked.value()) << "unexpected duplicate";
        append_bytes(log, bytes, advance_high_watermark);
        return bytes;
    }

    // A coordinator's marker, checked and appended; returns its offset.
    offset end_transaction(partition_log& log, int64_t id, int16_t epoch, control_type type,
                           bool advance_high_watermark = true, int32_t coordinator_epoch = 0) {
        auto checked =
            log.check_transaction_marker(producer_id(id), producer_epoch(epoch), coordinator_epoch);
        EXPECT_TRUE(checked) << (checked ? "" : checked.error().message);
        protocol::transaction_marker marker{type, coordinator_epoch};
        auto bytes = protocol::build_transaction_marker_batch(producer_id(id),
                                                              producer_epoch(epoch), marker, t0);
        return append_bytes(log, std::move(bytes), advance_high_watermark).base_offset;
    }

    static result<std::optional<duplicate_batch>, producer_error> check(
        const partition_log& log, const std::vector<uint8_t>& bytes) {
        auto view = protocol::record_batch_view::parse(bytes);
        SAMSA_ASSERT(view, "test batch does not parse");
        return log.check_producer_batch(view.value());
    }
    // The offsets a retry of the batch is answered with; nullopt (and a failure) otherwise.
    static std::optional<std::pair<int64_t, int64_t>> duplicate_offsets(
        const partition_log& log, const std::vector<uint8_t>& bytes) {
        auto checked = check(log, bytes);
        EXPECT_TRUE(checked) << (checked ? "" : checked.error().message);
        if (!checked || !checked.value()) {
            return std::nullopt;
        }
        return std::pair{checked.value()->first_offset.value(),
                         checked.value()->last_offset.value()};
    }
    static error_code refusal(const partition_log& log, const std::vector<uint8_t>& bytes) {
        auto checked = check(log, bytes);
        EXPECT_FALSE(checked) << "accepted";
        return checked ? error_code::none : checked.error().code;
    }

    static std::vector<aborted_tuple> aborted(const partition_log& log, int64_t from,
                                              int64_t upper_bound) {
        auto found = log.aborted_transactions(offset(from), offset(upper_bound));
        EXPECT_TRUE(found) << (found ? "" : found.error().message);
        std::vector<aborted_tuple> tuples;
        if (found) {
            for (const aborted_transaction& each : found.value()) {
                tuples.emplace_back(each.id.value(), each.first_offset.value(),
                                    each.last_offset.value(), each.last_stable_offset.value());
            }
        }
        return tuples;
    }

    std::vector<int64_t> snapshot_offsets() {
        auto listed = list_producer_snapshots(*fs_, partition_dir());
        EXPECT_TRUE(listed);
        std::vector<int64_t> offsets;
        if (listed) {
            for (offset each : listed.value()) {
                offsets.push_back(each.value());
            }
        }
        return offsets;
    }
    std::filesystem::path segment_path(int64_t base, std::string_view suffix) const {
        return partition_dir() / segment_file_name(offset(base), suffix);
    }
    std::vector<int64_t> segment_bases(const partition_log& log) const {
        std::vector<int64_t> bases;
        for (offset base : log.segment_base_offsets()) {
            bases.push_back(base.value());
        }
        return bases;
    }

    static void flip_last_byte(const std::filesystem::path& file) {
        auto size = static_cast<std::streamoff>(std::filesystem::file_size(file));
        std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
        stream.seekg(size - 1);
        char byte = 0;
        stream.read(&byte, 1);
        stream.seekp(size - 1);
        byte = static_cast<char>(byte ^ 0x5a);
        stream.write(&byte, 1);
    }

    // The log the recovery tests restart, with segments [0, 1, 3] and snapshots 1 and 3:
    //   0  A seq 0 (big)              segment 0
    //   1  C transactional (big)      segment 1 (roll: snapshot 1)
    //   2  C ABORT
    //   3  B transactional (big)      segment 3 (roll: snapshot 3), left open
    //   4  D transactional
    //   5  D ABORT
    //   6  A seq 1
    //   7  A seq 2                    log end 8
    // C's abort is indexed before the last snapshot, D's after it (a replay re-adds it).
    void write_recovery_layout(partition_log& log) {
        a_batches_.push_back(produce(log, {.id = pid_a, .value_bytes = big_value_bytes}));
        produce(log, {.id = pid_c, .transactional = true, .value_bytes = big_value_bytes});
        end_transaction(log, pid_c, 0, control_type::abort);
        produce(log, {.id = pid_b, .transactional = true, .value_bytes = big_value_bytes});
        produce(log, {.id = pid_d, .transactional = true});
        end_transaction(log, pid_d, 0, control_type::abort);
        a_batches_.push_back(produce(log, {.id = pid_a, .sequence = 1}));
        a_batches_.push_back(produce(log, {.id = pid_a, .sequence = 2}));
        ASSERT_EQ(log.log_end_offset(), offset(8));
        ASSERT_EQ(segment_bases(log), (std::vector<int64_t>{0, 1, 3}));
        ASSERT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 3}));
    }

    // What the recovery tests expect of the state rebuilt from write_recovery_layout.
    void expect_recovered_state(const partition_log& log) {
        const producer_entry* a = log.producers().find(producer_id(pid_a));
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->epoch, producer_epoch(0));
        EXPECT_EQ(a->last_sequence(), 2);
        EXPECT_EQ(a->last_data_offset(), offset(7));
        const producer_entry* b = log.producers().find(producer_id(pid_b));
        ASSERT_NE(b, nullptr);
        EXPECT_EQ(b->current_txn_first_offset, std::optional<offset>(offset(3)));
        EXPECT_EQ(log.last_stable_offset(), offset(3));
        EXPECT_EQ(aborted(log, 0, 8),
                  (std::vector<aborted_tuple>{{pid_c, 1, 2, 3}, {pid_d, 4, 5, 3}}));
        EXPECT_EQ(duplicate_offsets(log, a_batches_[2]), (std::pair<int64_t, int64_t>{7, 7}));
        EXPECT_EQ(refusal(log, build_batch({.id = pid_a, .sequence = 4})),
                  error_code::out_of_order_sequence_number);
    }

    temporary_directory dir_;
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);
    log_config config_{.segment_bytes = 1024, .retention_ms = -1};
    std::vector<std::vector<uint8_t>> a_batches_;
};

// --- idempotent producers ---------------------------------------------------------------

TEST_F(PartitionLogProducersTest, ARetriedBatchIsADuplicateAnsweredWithItsOriginalOffsets) {
    auto log = open_log();
    auto first = produce(*log, {.id = pid_a, .sequence = 0, .records = 3});
    produce(*log, {.records = 2});  // no producer id: offsets 3-4
    auto second = produce(*log, {.id = pid_a, .sequence = 3, .records = 2});
    EXPECT_EQ(log->log_end_offset(), offset(7));

    EXPECT_EQ(duplicate_offsets(*log, first), (std::pair<int64_t, int64_t>{0, 2}));
    EXPECT_EQ(duplicate_offsets(*log, second), (std::pair<int64_t, int64_t>{5, 6}));
    // A batch without a producer id is never a duplicate.
    EXPECT_EQ(duplicate_offsets(*log, build_batch({.records = 2})), std::nullopt);
    const producer_entry* a = log->producers().find(producer_id(pid_a));
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->last_sequence(), 4);
}

TEST_F(PartitionLogProducersTest, ASequenceGapIsOutOfOrder) {
    auto log = open_log();
    produce(*log, {.id = pid_a, .sequence = 0, .records = 2});
    EXPECT_EQ(refusal(*log, build_batch({.id = pid_a, .sequence = 3})),
              error_code::out_of_order_sequence_number);
    EXPECT_EQ(refusal(*log, build_batch({.id = pid_a, .sequence = 1})),
              error_code::out_of_order_sequence_number);
    produce(*log, {.id = pid_a, .sequence = 2});
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->last_sequence(), 2);
}

TEST_F(PartitionLogProducersTest, AnOlderEpochIsInvalidProducerEpoch) {
    auto log = open_log();
    produce(*log, {.id = pid_a, .epoch = 1, .sequence = 0});
    // A bumped epoch starts again at sequence 0, and nowhere else.
    EXPECT_EQ(refusal(*log, build_batch({.id = pid_a, .epoch = 2, .sequence = 1})),
              error_code::out_of_order_sequence_number);
    produce(*log, {.id = pid_a, .epoch = 2, .sequence = 0});
    EXPECT_EQ(refusal(*log, build_batch({.id = pid_a, .epoch = 1, .sequence = 1})),
              error_code::invalid_producer_epoch);
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->epoch, producer_epoch(2));
}

TEST_F(PartitionLogProducersTest, MarkersFromAnOlderEpochOrCoordinatorAreRefused) {
    auto log = open_log();
    produce(*log, {.id = pid_a, .epoch = 3, .transactional = true});
    end_transaction(*log, pid_a, 3, control_type::commit, true, 5);
    auto old_epoch = log->check_transaction_marker(producer_id(pid_a), producer_epoch(2), 5);
    ASSERT_FALSE(old_epoch);
    EXPECT_EQ(old_epoch.error().code, error_code::invalid_producer_epoch);
    auto old_coordinator = log->check_transaction_marker(producer_id(pid_a), producer_epoch(3), 4);
    ASSERT_FALSE(old_coordinator);
    EXPECT_EQ(old_coordinator.error().code, error_code::transaction_coordinator_fenced);
}

// --- transactions -----------------------------------------------------------------------

TEST_F(PartitionLogProducersTest, AnOpenTransactionHoldsTheLastStableOffsetUntilCommitted) {
    auto log = open_log();
    produce(*log, {.records = 2});  // 0-1
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    produce(*log, {.id = pid_a, .sequence = 0, .records = 2, .transactional = true});  // 2-3
    produce(*log, {.id = pid_a, .sequence = 2, .records = 2, .transactional = true});  // 4-5
    EXPECT_EQ(log->high_watermark(), offset(6));
    EXPECT_EQ(log->last_stable_offset(), offset(2));

    offset marker = end_transaction(*log, pid_a, 0, control_type::commit, false);
    EXPECT_EQ(marker, offset(6));
    // Until the high watermark passes the marker the transaction still holds the LSO.
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    log->set_high_watermark(log->log_end_offset());
    EXPECT_EQ(log->last_stable_offset(), offset(7));
    EXPECT_TRUE(aborted(*log, 0, 7).empty());
    EXPECT_FALSE(std::filesystem::exists(segment_path(0, transaction_index::suffix)));
}

TEST_F(PartitionLogProducersTest, AnAbortIsIndexedAndReturnedForRangesOverlappingIt) {
    auto log = open_log();
    produce(*log, {.records = 2});                                                     // 0-1
    produce(*log, {.id = pid_a, .sequence = 0, .records = 3, .transactional = true});  // 2-4
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    EXPECT_EQ(end_transaction(*log, pid_a, 0, control_type::abort), offset(5));
    produce(*log, {.records = 2});  // 6-7
    EXPECT_EQ(log->last_stable_offset(), offset(8));
    EXPECT_TRUE(std::filesystem::exists(segment_path(0, transaction_index::suffix)));

    const std::vector<aborted_tuple> entry{{pid_a, 2, 5, 6}};
    EXPECT_EQ(aborted(*log, 0, 8), entry);
    EXPECT_EQ(aborted(*log, 0, 3), entry);     // reaches its first offset
    EXPECT_EQ(aborted(*log, 3, 4), entry);     // inside it
    EXPECT_EQ(aborted(*log, 5, 8), entry);     // from its marker
    EXPECT_TRUE(aborted(*log, 0, 2).empty());  // before it
    EXPECT_TRUE(aborted(*log, 6, 8).empty());  // after it
}

TEST_F(PartitionLogProducersTest, TwoInterleavedProducersEachHoldTheirOwnTransaction) {
    auto log = open_log();
    // A's and B's first batches in one append, as a follower might copy them.
    auto both = build_batch({.id = pid_a, .transactional = true});
    auto b_first = build_batch({.id = pid_b, .transactional = true});
    both.insert(both.end(), b_first.begin(), b_first.end());
    append_bytes(*log, both);                                            // A 0, B 1
    produce(*log, {.id = pid_a, .sequence = 1, .transactional = true});  // 2
    produce(*log, {.id = pid_b, .sequence = 1, .transactional = true});  // 3
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    EXPECT_EQ(log->producers().ongoing_transactions().size(), 2u);

    EXPECT_EQ(end_transaction(*log, pid_a, 0, control_type::abort), offset(4));
    // B's transaction, open since offset 1, is now the oldest.
    EXPECT_EQ(log->last_stable_offset(), offset(1));
    EXPECT_EQ(end_transaction(*log, pid_b, 0, control_type::commit), offset(5));
    EXPECT_EQ(log->last_stable_offset(), offset(6));

    // A's entry records the LSO when it ended: B's first offset.
    EXPECT_EQ(aborted(*log, 0, 6), (std::vector<aborted_tuple>{{pid_a, 0, 4, 1}}));
    EXPECT_EQ(aborted(*log, 2, 6), (std::vector<aborted_tuple>{{pid_a, 0, 4, 1}}));
    EXPECT_TRUE(aborted(*log, 5, 6).empty());
}

// --- recovery ---------------------------------------------------------------------------

TEST_F(PartitionLogProducersTest,
       AfterACleanCloseTheSnapshotAtTheLogEndIsLoadedAndNothingReplayed) {
    {
        auto log = open_log();
        write_recovery_layout(*log);
        ASSERT_TRUE(log->close());
    }
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 3, 8}));
    auto log = reopen_clean(offset(8));
    ASSERT_NE(log, nullptr);
    expect_recovered_state(*log);
    // A snapshot keeps only a producer's newest batch: had the tail after snapshot 3 been
    // replayed, A's batch at offset 6 would still be a known duplicate.
    EXPECT_EQ(refusal(*log, a_batches_[1]), error_code::out_of_order_sequence_number);
    produce(*log, {.id = pid_a, .sequence = 3});
    EXPECT_EQ(log->log_end_offset(), offset(9));
}

TEST_F(PartitionLogProducersTest, AfterACrashTheStateIsReplayedFromTheLastRollsSnapshot) {
    {
        auto log = open_log();
        write_recovery_layout(*log);
        // Dropped without close(): no snapshot at the log end.
    }
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 3}));
    auto log = reopen_unclean();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), offset(8));
    expect_recovered_state(*log);
    // Replayed from offset 3: A's batches after it are known duplicates again.
    EXPECT_EQ(duplicate_offsets(*log, a_batches_[1]), (std::pair<int64_t, int64_t>{6, 6}));
    // The replay re-added D's abort once, not twice.
    EXPECT_EQ(aborted(*log, 4, 8), (std::vector<aborted_tuple>{{pid_d, 4, 5, 3}}));
    // B's transaction still ends normally.
    end_transaction(*log, pid_b, 0, control_type::commit);
    EXPECT_EQ(log->last_stable_offset(), offset(9));
}

TEST_F(PartitionLogProducersTest, ACorruptNewestSnapshotIsDeletedAndAnOlderOneUsed) {
    {
        auto log = open_log();
        write_recovery_layout(*log);
        ASSERT_TRUE(log->close());
    }
    flip_last_byte(producer_snapshot_path(partition_dir(), offset(8)));
    auto log = reopen_clean(offset(8));
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 3}));
    expect_recovered_state(*log);
    // Rebuilt from snapshot 3 plus the log after it.
    EXPECT_EQ(duplicate_offsets(*log, a_batches_[1]), (std::pair<int64_t, int64_t>{6, 6}));
}

TEST_F(PartitionLogProducersTest, WithEverySnapshotCorruptTheWholeLogIsReplayed) {
    {
        auto log = open_log();
        write_recovery_layout(*log);
        ASSERT_TRUE(log->close());
    }
    for (int64_t at : {1, 3, 8}) {
        flip_last_byte(producer_snapshot_path(partition_dir(), offset(at)));
    }
    auto log = reopen_clean(offset(8));
    ASSERT_NE(log, nullptr);
    EXPECT_TRUE(snapshot_offsets().empty());
    expect_recovered_state(*log);
    // All of A's batches came from the log: the first, at offset 0, too.
    EXPECT_EQ(duplicate_offsets(*log, a_batches_[0]), (std::pair<int64_t, int64_t>{0, 0}));
}

TEST_F(PartitionLogProducersTest, ATornTailIsForgottenAndSnapshotsPastTheRecoveredEndDeleted) {
    uint64_t last_batch_position = 0;
    {
        auto log = open_log();
        write_recovery_layout(*log);
        auto read = log->read(offset(7), 1 << 20, offset(8), true);
        ASSERT_TRUE(read);
        ASSERT_EQ(read.value().regions.size(), 1u);
        last_batch_position = read.value().regions[0].position;
        ASSERT_TRUE(log->close());  // a snapshot at 8
    }
    // A crash while the last batch (A seq 2, offset 7) was being written: part of it is lost.
    std::filesystem::resize_file(segment_path(3, log_segment::log_suffix),
                                 last_batch_position + 10);
    auto log = reopen_unclean();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), offset(7));
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->last_sequence(), 1);
    // The lost batch is no duplicate: the producer's retry is appended.
    produce(*log, {.id = pid_a, .sequence = 2});
    EXPECT_EQ(log->log_end_offset(), offset(8));
}

TEST_F(PartitionLogProducersTest, ACorruptTransactionIndexIsRebuiltFromItsSegment) {
    {
        auto log = open_log();
        write_recovery_layout(*log);
        ASSERT_TRUE(log->close());
    }
    // Segment 1's index holds C's abort, below every snapshot: an entry version other than 0.
    {
        std::fstream stream(segment_path(1, transaction_index::suffix),
                            std::ios::in | std::ios::out | std::ios::binary);
        char byte = 1;
        stream.seekp(0);
        stream.write(&byte, 1);
    }
    auto log = reopen_clean(offset(8));
    ASSERT_NE(log, nullptr);
    // Kafka's LogLoader recovers a segment whose index fails its sanity check, which
    // rebuilds the .txnindex from the segment's batches: read_committed readers must still
    // be told C's records are aborted.
    EXPECT_EQ(aborted(*log, 0, 8),
              (std::vector<aborted_tuple>{{pid_c, 1, 2, 3}, {pid_d, 4, 5, 3}}));
}

TEST_F(PartitionLogProducersTest, ATransactionSpanningSegmentsIsFoundFromEither) {
    auto log = open_log();
    produce(*log, {.id = pid_a, .transactional = true, .value_bytes = big_value_bytes});  // 0
    produce(*log, {.value_bytes = big_value_bytes});                                      // 1
    end_transaction(*log, pid_a, 0, control_type::abort);                                 // 2
    ASSERT_EQ(segment_bases(*log), (std::vector<int64_t>{0, 1}));
    EXPECT_FALSE(std::filesystem::exists(segment_path(0, transaction_index::suffix)));
    EXPECT_TRUE(std::filesystem::exists(segment_path(1, transaction_index::suffix)));
    const std::vector<aborted_tuple> entry{{pid_a, 0, 2, 3}};
    EXPECT_EQ(aborted(*log, 0, 1), entry);
    EXPECT_EQ(aborted(*log, 1, 3), entry);

    // Its first segment gone, the transaction is still reported to readers of the rest.
    ASSERT_TRUE(log->delete_records_before(offset(1), t0));
    ASSERT_EQ(segment_bases(*log), std::vector<int64_t>{1});
    EXPECT_EQ(aborted(*log, 1, 3), entry);
}

// --- truncation -------------------------------------------------------------------------

TEST_F(PartitionLogProducersTest, TruncatingBelowAnAbortMarkerReopensTheTransaction) {
    auto log = open_log();
    produce(*log, {.records = 2});                                                     // 0-1
    produce(*log, {.id = pid_a, .sequence = 0, .records = 2, .transactional = true});  // 2-3
    end_transaction(*log, pid_a, 0, control_type::abort);                              // 4
    produce(*log, {.records = 1});                                                     // 5
    ASSERT_EQ(aborted(*log, 0, 6).size(), 1u);
    ASSERT_EQ(log->last_stable_offset(), offset(6));

    ASSERT_TRUE(log->truncate_to(offset(4)));
    EXPECT_EQ(log->log_end_offset(), offset(4));
    EXPECT_EQ(log->last_stable_offset(), offset(2));
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->current_txn_first_offset,
              std::optional<offset>(offset(2)));
    EXPECT_TRUE(aborted(*log, 0, 4).empty());

    // The coordinator writes the marker again: one entry, at the new offset.
    end_transaction(*log, pid_a, 0, control_type::abort);
    EXPECT_EQ(aborted(*log, 0, 5), (std::vector<aborted_tuple>{{pid_a, 2, 4, 5}}));
}

TEST_F(PartitionLogProducersTest, TruncatingBelowACommitMarkerReopensTheTransaction) {
    auto log = open_log();
    produce(*log, {.id = pid_a, .transactional = true});    // 0
    produce(*log, {.id = pid_b, .transactional = true});    // 1
    end_transaction(*log, pid_b, 0, control_type::commit);  // 2
    end_transaction(*log, pid_a, 0, control_type::commit);  // 3
    ASSERT_EQ(log->last_stable_offset(), offset(4));

    ASSERT_TRUE(log->truncate_to(offset(3)));
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    ASSERT_TRUE(log->truncate_to(offset(2)));
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    EXPECT_EQ(log->producers().ongoing_transactions().size(), 2u);
}

TEST_F(PartitionLogProducersTest, TruncatingBelowASnapshotDeletesItAndRestoresTheOlderState) {
    auto log = open_log();
    std::vector<std::vector<uint8_t>> batches;
    for (int32_t sequence = 0; sequence < 4; ++sequence) {
        batches.push_back(
            produce(*log, {.id = pid_a, .sequence = sequence, .value_bytes = big_value_bytes}));
    }
    ASSERT_EQ(segment_bases(*log), (std::vector<int64_t>{0, 1, 2, 3}));
    ASSERT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 2, 3}));

    ASSERT_TRUE(log->truncate_to(offset(2)));
    // The snapshot at the new end still describes the log; the one past it does not.
    EXPECT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->last_sequence(), 1);

    ASSERT_TRUE(log->truncate_to(offset(1)));
    EXPECT_EQ(snapshot_offsets(), std::vector<int64_t>{1});
    EXPECT_EQ(segment_bases(*log), std::vector<int64_t>{0});
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->last_sequence(), 0);
    EXPECT_EQ(duplicate_offsets(*log, batches[0]), (std::pair<int64_t, int64_t>{0, 0}));
    EXPECT_EQ(refusal(*log, batches[2]), error_code::out_of_order_sequence_number);
    // The producer's retry of the lost batch is accepted.
    produce(*log, {.id = pid_a, .sequence = 1});
}

// --- retention --------------------------------------------------------------------------

TEST_F(PartitionLogProducersTest, DeleteRecordsRetiresTransactionIndexesAndOldSnapshots) {
    auto log = open_log();
    produce(*log, {.id = pid_a, .sequence = 0, .value_bytes = big_value_bytes});          // 0
    produce(*log, {.id = pid_c, .transactional = true, .value_bytes = big_value_bytes});  // 1
    end_transaction(*log, pid_c, 0, control_type::abort);                                 // 2
    produce(*log, {.id = pid_a, .sequence = 1, .value_bytes = big_value_bytes});          // 3
    produce(*log, {.id = pid_a, .sequence = 2, .value_bytes = big_value_bytes});          // 4
    ASSERT_EQ(segment_bases(*log), (std::vector<int64_t>{0, 1, 3, 4}));
    ASSERT_EQ(snapshot_offsets(), (std::vector<int64_t>{1, 3, 4}));
    ASSERT_TRUE(std::filesystem::exists(segment_path(1, transaction_index::suffix)));

    auto moved = log->delete_records_before(offset(4), t0);
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(segment_bases(*log), std::vector<int64_t>{4});
    EXPECT_FALSE(std::filesystem::exists(segment_path(1, transaction_index::suffix)));
    auto deleted_index = segment_path(1, transaction_index::suffix);
    deleted_index += ".deleted";
    EXPECT_TRUE(std::filesystem::exists(deleted_index));
    EXPECT_EQ(snapshot_offsets(), std::vector<int64_t>{4});
    EXPECT_TRUE(aborted(*log, 4, 5).empty());
    // Producers outlive their batches (only expiry forgets them).
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->last_sequence(), 2);

    ASSERT_TRUE(log->remove_expired_files(t0 + config_.file_delete_delay_ms));
    EXPECT_FALSE(std::filesystem::exists(deleted_index));
}

TEST_F(PartitionLogProducersTest, RetentionOfTheWholeLogKeepsOnlyTheSnapshotAtTheNewSegment) {
    config_.retention_ms = 1000;
    auto log = open_log();
    produce(*log, {.id = pid_c, .transactional = true, .value_bytes = big_value_bytes});  // 0
    end_transaction(*log, pid_c, 0, control_type::abort);                                 // 1
    produce(*log, {.id = pid_a, .value_bytes = big_value_bytes});                         // 2
    ASSERT_EQ(segment_bases(*log), (std::vector<int64_t>{0, 2}));
    ASSERT_TRUE(std::filesystem::exists(segment_path(0, transaction_index::suffix)));

    auto deleted = log->delete_old_segments(t0 + 5000);
    ASSERT_TRUE(deleted) << deleted.error().message;
    EXPECT_EQ(deleted.value(), 2);
    EXPECT_EQ(segment_bases(*log), std::vector<int64_t>{3});
    EXPECT_EQ(snapshot_offsets(), std::vector<int64_t>{3});
    EXPECT_FALSE(std::filesystem::exists(segment_path(0, transaction_index::suffix)));
    EXPECT_TRUE(aborted(*log, 0, 3).empty());  // the index went with its segment
    EXPECT_EQ(log->last_stable_offset(), offset(3));
    produce(*log, {.id = pid_a, .sequence = 1});
}

// --- expiry -----------------------------------------------------------------------------

TEST_F(PartitionLogProducersTest, AnIdleProducerExpiresButOneWithAnOpenTransactionStays) {
    constexpr int64_t expiration_ms = 60'000;
    auto log = open_log();
    produce(*log, {.id = pid_a, .sequence = 0, .records = 3, .timestamp_ms = t0});
    produce(*log, {.id = pid_b, .transactional = true, .timestamp_ms = t0});

    log->expire_producers(t0 + expiration_ms - 1, expiration_ms);
    EXPECT_NE(log->producers().find(producer_id(pid_a)), nullptr);
    EXPECT_EQ(refusal(*log, build_batch({.id = pid_a, .sequence = 5})),
              error_code::out_of_order_sequence_number);

    log->expire_producers(t0 + expiration_ms, expiration_ms);
    EXPECT_EQ(log->producers().find(producer_id(pid_a)), nullptr);
    ASSERT_NE(log->producers().find(producer_id(pid_b)), nullptr);
    EXPECT_EQ(log->last_stable_offset(), offset(3));

    // KIP-360: a producer the partition no longer knows may continue at any sequence.
    produce(*log, {.id = pid_a, .sequence = 5, .timestamp_ms = t0 + expiration_ms});
    EXPECT_EQ(log->producers().find(producer_id(pid_a))->last_sequence(), 5);
}

}  // namespace
}  // namespace samsa::storage
