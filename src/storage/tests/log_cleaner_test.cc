// Log compaction end to end on real files: partition_log plans a clean, clean_log runs it
// (here on the test's thread) and install_cleaned swaps it in. Covers Kafka's retention
// rules (the last record per key, tombstones until their delete horizon, min.compaction.lag.ms,
// aborted transactions, producers' last batches), the offset map filling up, and a crash at
// every stage of a swap. The clock is the batches' timestamps and now_ms.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "base/temporary_directory.h"
#include "protocol/control_record.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/log_cleaner.h"
#include "storage/log_segment.h"
#include "storage/offset_map.h"
#include "storage/partition_log.h"

namespace samsa::storage {
namespace {

constexpr int64_t t0 = 1'700'000'000'000;
constexpr int64_t hour_ms = 3'600'000;
constexpr int64_t delete_retention_ms = 10'000;

struct keyed {
    std::string key;
    std::optional<std::string> value;  // nullopt: a tombstone
};

struct batch_options {
    int64_t timestamp_ms = t0;
    int64_t producer_id = -1;
    int16_t epoch = 0;
    int32_t sequence = 0;
    bool transactional = false;
    protocol::compression_codec codec = protocol::compression_codec::none;
};

protocol::byte_view bytes_of(const std::string& text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::vector<uint8_t> build(const std::vector<keyed>& records, const batch_options& options = {}) {
    protocol::record_batch_settings settings;
    settings.codec = options.codec;
    if (options.producer_id >= 0) {
        settings.producer_id = producer_id(options.producer_id);
        settings.producer_epoch = producer_epoch(options.epoch);
        settings.base_sequence = options.sequence;
    }
    settings.transactional = options.transactional ? protocol::transaction_mode::transactional
                                                   : protocol::transaction_mode::none;
    protocol::record_batch_builder builder(settings);
    for (const keyed& record : records) {
        protocol::record_fields fields{.timestamp_ms = options.timestamp_ms,
                                       .key = bytes_of(record.key)};
        if (record.value) {
            fields.value = bytes_of(*record.value);
        }
        builder.append(fields);
    }
    auto built = std::move(builder).build();
    SAMSA_ASSERT(built, "test batch did not build");
    return std::move(built).value();
}

struct stored {
    int64_t offset;
    std::string key;
    std::optional<std::string> value;
};

class LogCleanerTest : public ::testing::Test {
protected:
    LogCleanerTest() {
        config_.segment_bytes = 600;
        config_.compacts = true;
        config_.deletes = false;
        config_.retention_ms = -1;
        config_.delete_retention_ms = delete_retention_ms;
        config_.min_cleanable_dirty_ratio = 0.0;
        config_.file_delete_delay_ms = 0;
    }

    std::filesystem::path partition_dir() const { return dir_.path() / "compacted-0"; }

    std::unique_ptr<partition_log> open_log(bool clean_shutdown = false) {
        auto log = partition_log::open(
            *fs_, partition_dir(), config_,
            {.recovery_point = offset(0), .clean_shutdown = clean_shutdown, .now_ms = t0});
        EXPECT_TRUE(log) << (log ? "" : log.error().message);
        return log ? std::move(log).value() : nullptr;
    }

    offset append(partition_log& log, std::vector<uint8_t> bytes, int64_t now_ms = t0) {
        auto appended = log.append(bytes, leader_epoch(1), now_ms);
        EXPECT_TRUE(appended) << (appended ? "" : appended.error().message);
        log.set_high_watermark(log.log_end_offset());
        return appended ? appended.value().base_offset : offset(-1);
    }

    offset put(partition_log& log, const std::string& key, std::optional<std::string> value,
               int64_t timestamp_ms = t0) {
        return append(log, build({{key, std::move(value)}}, {.timestamp_ms = timestamp_ms}));
    }

    // Rolls so that everything written so far may be cleaned.
    void roll(partition_log& log) { ASSERT_TRUE(log.roll(t0)); }

    struct pass {
        bool planned = false;
        clean_outcome outcome;
    };
    // One whole clean: plan, clean_log, install.
    pass clean(partition_log& log, int64_t now_ms) {
        pass result;
        auto plan = log.plan_clean(now_ms);
        EXPECT_TRUE(plan) << (plan ? "" : plan.error().message);
        if (!plan || !plan.value()) {
            return result;
        }
        result.planned = true;
        auto outcome = clean_log(*plan.value(), limits_);
        EXPECT_TRUE(outcome) << (outcome ? "" : outcome.error().message);
        if (!outcome) {
            return result;
        }
        auto installed = log.install_cleaned(*plan.value(), outcome.value(), now_ms);
        EXPECT_TRUE(installed) << (installed ? "" : installed.error().message);
        result.outcome = std::move(outcome).value();
        return result;
    }

    // Every data record of the log, in offset order.
    static std::vector<stored> records(partition_log& log) {
        std::vector<stored> found;
        auto visited = log.visit_batches(
            log.log_start_offset(), protocol::crc_check::verify,
            [&](const protocol::record_batch_view& batch) -> storage_result<std::monostate> {
                if (batch.is_control()) {
                    return std::monostate{};
                }
                auto reader = protocol::record_reader::open(batch, 1 << 26);
                EXPECT_TRUE(reader);
                while (reader) {
                    auto record = reader.value().next();
                    EXPECT_TRUE(record);
                    if (!record || !record.value()) {
                        break;
                    }
                    const protocol::record& r = *record.value();
                    stored each{.offset = protocol::record_offset(batch, r).value()};
                    if (r.key) {
                        each.key.assign(r.key->begin(), r.key->end());
                    }
                    if (r.value) {
                        each.value = std::string(r.value->begin(), r.value->end());
                    }
                    found.push_back(std::move(each));
                }
                return std::monostate{};
            });
        EXPECT_TRUE(visited) << (visited ? "" : visited.error().message);
        return found;
    }

    // key -> the value of its last record (nullopt for a tombstone).
    static std::map<std::string, std::optional<std::string>> latest(
        const std::vector<stored>& all) {
        std::map<std::string, std::optional<std::string>> result;
        for (const stored& each : all) {
            result[each.key] = each.value;
        }
        return result;
    }

    static std::size_t count_key(const std::vector<stored>& all, const std::string& key) {
        return static_cast<std::size_t>(std::count_if(
            all.begin(), all.end(), [&](const stored& each) { return each.key == key; }));
    }

    std::vector<std::string> files_ending_with(std::string_view suffix) const {
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(partition_dir())) {
            std::string name = entry.path().filename().string();
            if (name.size() >= suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
                found.push_back(name);
            }
        }
        return found;
    }

    // 20 keys written 5 times each (100 records, one per batch, many segments), then rolled.
    std::map<std::string, std::optional<std::string>> write_rounds(partition_log& log) {
        for (int round = 0; round < 5; ++round) {
            for (int key = 0; key < 20; ++key) {
                put(log, fmt::format("key-{}", key), fmt::format("value-{}-{}", key, round));
            }
        }
        roll(log);
        return latest(records(log));
    }

    temporary_directory dir_{"samsa-cleaner-test"};
    std::unique_ptr<file_system> fs_ = make_posix_file_system(nullptr);
    log_config config_;
    cleaner_limits limits_{.map_memory_bytes = 1024 * 1024, .io_buffer_bytes = 4096};
};

TEST_F(LogCleanerTest, KeepsOnlyTheLastRecordOfEachKey) {
    auto log = open_log();
    auto expected = write_rounds(*log);
    std::size_t segments_before = log->segment_count();
    auto before = records(*log);
    ASSERT_EQ(before.size(), 100u);

    auto result = clean(*log, t0 + 1000);
    ASSERT_TRUE(result.planned);
    auto after = records(*log);
    EXPECT_EQ(after.size(), 20u);
    EXPECT_EQ(latest(after), expected);
    for (std::size_t index = 1; index < after.size(); ++index) {
        EXPECT_LT(after[index - 1].offset, after[index].offset);
    }
    // Offsets are kept, with gaps: the survivors are the last round's.
    EXPECT_EQ(after.front().offset, 80);
    EXPECT_EQ(after.back().offset, 99);
    EXPECT_EQ(log->log_end_offset(), offset(100));
    EXPECT_EQ(log->cleaner_checkpoint(), offset(100));
    // Reads from the log start and from inside a gap find the next survivor.
    auto read = log->read(offset(3), 1 << 20, log->log_end_offset(), true);
    ASSERT_TRUE(read);
    EXPECT_EQ(read.value().first_offset, offset(80));
    EXPECT_EQ(result.outcome.stats.records_read, 100u);
    EXPECT_EQ(result.outcome.stats.records_kept, 20u);
    // Groups are chosen by their sizes before cleaning (Kafka's rule): the next pass merges
    // the small segments this one left.
    put(*log, "key-0", "value-0-4");
    roll(*log);
    ASSERT_TRUE(clean(*log, t0 + 1000).planned);
    EXPECT_LT(log->segment_count(), segments_before / 2);
    after = records(*log);
    EXPECT_EQ(after.size(), 20u);

    // The cleaned log is what a restart finds.
    ASSERT_TRUE(log->close());
    log = open_log(true);
    EXPECT_EQ(latest(records(*log)), expected);
    EXPECT_EQ(records(*log).size(), 20u);
    EXPECT_TRUE(files_ending_with(".cleaned").empty());
    EXPECT_TRUE(files_ending_with(".swap").empty());
}

TEST_F(LogCleanerTest, NeverCleansTheActiveSegment) {
    auto log = open_log();
    for (int round = 0; round < 3; ++round) {
        put(*log, "a", fmt::format("a{}", round));
    }
    // One segment, the active one: nothing to clean.
    EXPECT_FALSE(clean(*log, t0 + 1000).planned);
    EXPECT_EQ(records(*log).size(), 3u);
}

TEST_F(LogCleanerTest, DirtyRatioDecidesWhenALogIsDue) {
    config_.min_cleanable_dirty_ratio = 0.5;
    auto log = open_log();
    write_rounds(*log);
    auto section = log->cleanable(t0);
    ASSERT_TRUE(section);
    EXPECT_EQ(section->first_dirty, offset(0));
    EXPECT_EQ(section->clean_bytes, 0u);
    EXPECT_GT(section->cleanable_bytes, 0u);
    EXPECT_TRUE(section->due(config_.min_cleanable_dirty_ratio));
    clean(*log, t0);
    // Cleaned: nothing dirty until more is written.
    section = log->cleanable(t0);
    ASSERT_TRUE(section);
    EXPECT_EQ(section->cleanable_bytes, 0u);
    EXPECT_FALSE(section->due(config_.min_cleanable_dirty_ratio));
    // A little more: not dirty enough for 0.5.
    put(*log, "key-1", "again");
    roll(*log);
    section = log->cleanable(t0);
    EXPECT_GT(section->cleanable_bytes, 0u);
    EXPECT_LT(section->dirty_ratio(), 0.5);
    EXPECT_FALSE(section->due(config_.min_cleanable_dirty_ratio));

    // A log that is not compacted offers nothing.
    config_.compacts = false;
    log->set_config(config_);
    EXPECT_FALSE(log->cleanable(t0));
}

TEST_F(LogCleanerTest, TombstonesOutliveDeleteRetentionThenGo) {
    auto log = open_log();
    put(*log, "gone", "old value");
    put(*log, "kept", "v1");
    put(*log, "gone", std::nullopt);
    for (int index = 0; index < 10; ++index) {
        put(*log, "kept", fmt::format("v{}", index + 2));
    }
    roll(*log);

    // The first clean removes the value under the tombstone and sets the tombstone's horizon.
    auto first = clean(*log, t0);
    ASSERT_TRUE(first.planned);
    EXPECT_EQ(first.outcome.latest_delete_horizon_ms, t0 + delete_retention_ms);
    auto after = records(*log);
    EXPECT_EQ(count_key(after, "gone"), 1u);
    EXPECT_EQ(latest(after).at("gone"), std::nullopt);
    EXPECT_EQ(count_key(after, "kept"), 1u);

    // Before the horizon nothing is due, and a forced pass keeps the tombstone.
    auto section = log->cleanable(t0 + delete_retention_ms - 1);
    EXPECT_FALSE(section->due(config_.min_cleanable_dirty_ratio));
    put(*log, "other", "x");
    roll(*log);
    clean(*log, t0 + delete_retention_ms - 1);
    EXPECT_EQ(count_key(records(*log), "gone"), 1u);

    // Past it, the log is due for the tombstone's sake alone, and the tombstone goes.
    section = log->cleanable(t0 + delete_retention_ms + 1);
    EXPECT_EQ(section->cleanable_bytes, 0u);
    EXPECT_TRUE(section->due(config_.min_cleanable_dirty_ratio));
    auto third = clean(*log, t0 + delete_retention_ms + 1);
    ASSERT_TRUE(third.planned);
    after = records(*log);

    EXPECT_EQ(count_key(after, "gone"), 0u);
    EXPECT_EQ(latest(after).at("kept"), "v11");
}

TEST_F(LogCleanerTest, RecordsNewerThanMinCompactionLagStay) {
    config_.min_compaction_lag_ms = hour_ms;
    auto log = open_log();
    write_rounds(*log);  // timestamps t0

    auto early = clean(*log, t0 + hour_ms / 2);
    EXPECT_FALSE(early.planned);
    EXPECT_EQ(records(*log).size(), 100u);

    auto late = clean(*log, t0 + 2 * hour_ms);
    ASSERT_TRUE(late.planned);
    EXPECT_EQ(records(*log).size(), 20u);
}

TEST_F(LogCleanerTest, MaxCompactionLagMakesADirtyLogDue) {
    config_.min_cleanable_dirty_ratio = 0.99;
    config_.max_compaction_lag_ms = hour_ms;
    auto log = open_log();
    write_rounds(*log);
    clean(*log, t0);
    put(*log, "key-1", "late", t0 + 1);
    roll(*log);
    EXPECT_FALSE(log->cleanable(t0 + 10)->due(config_.min_cleanable_dirty_ratio));
    auto section = log->cleanable(t0 + 2 * hour_ms);
    EXPECT_TRUE(section->compaction_lag_exceeded);
    EXPECT_TRUE(section->due(config_.min_cleanable_dirty_ratio));
}

TEST_F(LogCleanerTest, ASmallOffsetMapCleansInSeveralPasses) {
    // Room for 7 keys a pass (8 slots at load factor 0.9).
    limits_.map_memory_bytes = 8 * offset_map::slot_bytes;
    auto log = open_log();
    auto expected = write_rounds(*log);
    int passes = 0;
    while (passes < 50) {
        auto section = log->cleanable(t0);
        if (section->cleanable_bytes == 0) {
            break;
        }
        auto result = clean(*log, t0);
        ASSERT_TRUE(result.planned);
        EXPECT_LE(result.outcome.stats.map_entries, 7u);
        ++passes;
    }
    EXPECT_GT(passes, 2);
    auto after = records(*log);
    EXPECT_EQ(latest(after), expected);
    EXPECT_EQ(after.size(), 20u);
}

TEST_F(LogCleanerTest, CompressedBatchesAreRebuiltWithTheirCodec) {
    auto log = open_log();
    for (int round = 0; round < 3; ++round) {
        std::vector<keyed> batch;
        for (int key = 0; key < 10; ++key) {
            // Round 2 rewrites only the even keys.
            if (round < 2 || key % 2 == 0) {
                batch.push_back({fmt::format("k{}", key), fmt::format("r{}", round)});
            }
        }
        append(*log, build(batch, {.codec = protocol::compression_codec::lz4}));
    }
    roll(*log);
    clean(*log, t0);
    auto after = records(*log);
    ASSERT_EQ(after.size(), 10u);
    for (const stored& each : after) {
        int key = std::stoi(each.key.substr(1));
        EXPECT_EQ(each.value, key % 2 == 0 ? "r2" : "r1") << each.key;
    }
    std::set<protocol::compression_codec> codecs;
    ASSERT_TRUE(log->visit_batches(log->log_start_offset(), protocol::crc_check::verify,
                                   [&](const protocol::record_batch_view& batch) {
                                       codecs.insert(batch.codec());
                                       return storage_result<std::monostate>(std::monostate{});
                                   }));
    EXPECT_EQ(codecs, std::set{protocol::compression_codec::lz4});
}

TEST_F(LogCleanerTest, AbortedTransactionsGoAndMarkersWaitForTheirHorizon) {
    auto log = open_log();
    constexpr int64_t pid = 7;
    // A committed and an aborted transaction of one producer, then plain records.
    append(*log, build({{"t", "committed"}}, {.producer_id = pid, .transactional = true}));
    append(*log, protocol::build_transaction_marker_batch(producer_id(pid), producer_epoch(0),
                                                          {protocol::control_type::commit, 0}, t0));
    append(*log, build({{"t", "aborted"}, {"u", "aborted"}},
                       {.producer_id = pid, .sequence = 1, .transactional = true}));
    append(*log, protocol::build_transaction_marker_batch(producer_id(pid), producer_epoch(0),
                                                          {protocol::control_type::abort, 0}, t0));
    for (int index = 0; index < 8; ++index) {
        put(*log, "plain", fmt::format("p{}", index));
    }
    roll(*log);
    ASSERT_EQ(log->aborted_transactions(offset(0), log->log_end_offset()).value().size(), 1u);

    clean(*log, t0);
    auto after = records(*log);
    EXPECT_EQ(latest(after).at("t"), "committed");
    EXPECT_EQ(count_key(after, "u"), 0u);
    EXPECT_EQ(count_key(after, "plain"), 1u);

    auto control_batches = [&] {
        int count = 0;
        EXPECT_TRUE(log->visit_batches(log->log_start_offset(), protocol::crc_check::verify,
                                       [&](const protocol::record_batch_view& batch) {
                                           count += batch.is_control() ? 1 : 0;
                                           return storage_result<std::monostate>(std::monostate{});
                                       }));
        return count;
    };
    // The abort marker stays while its data was still there this pass; the commit marker
    // stays since its transaction's batch is kept.
    EXPECT_EQ(control_batches(), 2);
    // Aborted data is gone, so a read_committed reader needs no aborted list for it, but the
    // index of a kept abort marker survives the swap.
    EXPECT_EQ(log->aborted_transactions(offset(0), log->log_end_offset()).value().size(), 1u);

    // Later passes past the horizons drop the abort marker (its transaction left nothing); the
    // producer's last batch is the abort marker's epoch... it is kept as the producer's last.
    clean(*log, t0 + 1);
    clean(*log, t0 + delete_retention_ms + 1);
    after = records(*log);
    EXPECT_EQ(latest(after).at("t"), "committed");
    // Reopening replays the cleaned log without complaint.
    ASSERT_TRUE(log->close());
    log = open_log();
    EXPECT_EQ(latest(records(*log)).at("t"), "committed");
}

TEST_F(LogCleanerTest, AProducersLastBatchSurvivesEmptySoItsSequenceDoes) {
    auto log = open_log();
    constexpr int64_t pid = 42;
    append(*log, build({{"k", "seq0"}}, {.producer_id = pid, .sequence = 0}));
    append(*log, build({{"k", "seq1"}, {"j", "seq1"}}, {.producer_id = pid, .sequence = 1}));
    // Newer values for both keys, without a producer id.
    put(*log, "k", "plain");
    put(*log, "j", "plain");
    for (int index = 0; index < 8; ++index) {
        put(*log, "filler", fmt::format("{}", index));
    }
    roll(*log);
    clean(*log, t0);
    auto after = records(*log);
    EXPECT_EQ(count_key(after, "k"), 1u);
    EXPECT_EQ(count_key(after, "j"), 1u);
    EXPECT_EQ(latest(after).at("k"), "plain");

    // The producer's batch at offsets [1, 2] is still there, empty.
    bool found_empty = false;
    ASSERT_TRUE(log->visit_batches(log->log_start_offset(), protocol::crc_check::verify,
                                   [&](const protocol::record_batch_view& batch) {
                                       if (batch.producer_id().value() == pid) {
                                           found_empty = batch.record_count() == 0 &&
                                                         batch.base_offset() == offset(1) &&
                                                         batch.last_offset() == offset(2) &&
                                                         batch.base_sequence() == 1;
                                       }
                                       return storage_result<std::monostate>(std::monostate{});
                                   }));
    EXPECT_TRUE(found_empty);

    // After an unclean restart that ignores nothing, the producer's next sequence is 3.
    log.reset();
    for (const auto& name : files_ending_with(".snapshot")) {
        std::filesystem::remove(partition_dir() / name);
    }
    log = open_log();
    auto next = build({{"k", "seq3"}}, {.producer_id = pid, .sequence = 3});
    auto view = protocol::record_batch_view::parse(next);
    ASSERT_TRUE(view);
    EXPECT_TRUE(log->check_producer_batch(view.value()));
    auto gap = build({{"k", "seq5"}}, {.producer_id = pid, .sequence = 5});
    auto gap_view = protocol::record_batch_view::parse(gap);
    EXPECT_FALSE(log->check_producer_batch(gap_view.value()));
}

TEST_F(LogCleanerTest, ATombstonePastAFullMapIsKeptWhateverItsHorizon) {
    // Room for 7 keys a pass: the tombstone lies beyond the map of the passes that follow.
    limits_.map_memory_bytes = 8 * offset_map::slot_bytes;
    auto log = open_log();
    put(*log, "victim", "value");
    for (int key = 0; key < 20; ++key) {
        put(*log, fmt::format("key-{}", key), "x");
    }
    put(*log, "victim", std::nullopt);
    roll(*log);
    // Every pass runs past the tombstone's horizon: only the map may decide its fate.
    for (int pass = 0;
         pass < 50 && log->cleanable(t0 + 2 * delete_retention_ms)->cleanable_bytes > 0; ++pass) {
        clean(*log, t0 + 2 * delete_retention_ms);
        auto now = latest(records(*log));
        // The deleted key never comes back.
        EXPECT_TRUE(!now.contains("victim") || now.at("victim") == std::nullopt) << pass;
    }
    EXPECT_EQ(count_key(records(*log), "victim"), 1u);
}

TEST_F(LogCleanerTest, TruncationMovesTheCleanerCheckpointBack) {
    auto log = open_log();
    write_rounds(*log);
    clean(*log, t0);
    EXPECT_EQ(log->cleaner_checkpoint(), offset(100));
    ASSERT_TRUE(log->truncate_to(offset(90)));
    EXPECT_EQ(log->cleaner_checkpoint(), offset(90));
}

TEST_F(LogCleanerTest, ATruncationVoidsACleanPlannedBeforeIt) {
    auto log = open_log();
    write_rounds(*log);
    auto plan = log->plan_clean(t0);
    ASSERT_TRUE(plan && plan.value());
    auto outcome = clean_log(*plan.value(), limits_);
    ASSERT_TRUE(outcome);
    ASSERT_TRUE(log->truncate_to(offset(50)));
    auto installed = log->install_cleaned(*plan.value(), outcome.value(), t0);
    ASSERT_TRUE(installed);
    EXPECT_EQ(installed.value(), 0);
    EXPECT_EQ(records(*log).size(), 50u);
    EXPECT_TRUE(files_ending_with(".cleaned").empty());
}

TEST_F(LogCleanerTest, ACancelledCleanLeavesNothingBehind) {
    auto log = open_log();
    write_rounds(*log);
    auto plan = log->plan_clean(t0);
    ASSERT_TRUE(plan && plan.value());
    std::atomic<bool> cancelled{true};
    limits_.cancelled = &cancelled;
    auto outcome = clean_log(*plan.value(), limits_);
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, std::make_error_code(std::errc::operation_canceled));
    EXPECT_TRUE(files_ending_with(".cleaned").empty());
    EXPECT_EQ(records(*log).size(), 100u);
}

// A crash at each stage of a clean: the files are put in the state the crash would leave,
// the log object is dropped without closing, and the log is reopened as after kill -9.
class LogCleanerCrashTest : public LogCleanerTest {
protected:
    struct staged {
        std::unique_ptr<partition_log> log;
        clean_outcome outcome;
        std::map<std::string, std::optional<std::string>> expected;
    };
    staged stage() {
        staged result;
        result.log = open_log();
        result.expected = write_rounds(*result.log);
        auto plan = result.log->plan_clean(t0);
        EXPECT_TRUE(plan && plan.value());
        auto outcome = clean_log(*plan.value(), limits_);
        EXPECT_TRUE(outcome);
        result.outcome = std::move(outcome).value();
        EXPECT_FALSE(result.outcome.segments.empty());
        return result;
    }
    void rename_staged(const cleaned_segment& segment, std::string_view from, std::string_view to) {
        auto sources = staged_segment_files(partition_dir(), segment.base_offset,
                                            segment.has_transaction_index, from);
        auto targets = staged_segment_files(partition_dir(), segment.base_offset,
                                            segment.has_transaction_index, to);
        for (std::size_t index = 0; index < sources.size(); ++index) {
            std::filesystem::rename(sources[index], targets[index]);
        }
    }
    void check_recovered(const std::map<std::string, std::optional<std::string>>& expected,
                         std::size_t at_most_records) {
        auto log = open_log();
        ASSERT_TRUE(log);
        auto all = records(*log);
        EXPECT_EQ(latest(all), expected);
        EXPECT_LE(all.size(), at_most_records);
        for (std::size_t index = 1; index < all.size(); ++index) {
            EXPECT_LT(all[index - 1].offset, all[index].offset);
        }
        EXPECT_TRUE(files_ending_with(".cleaned").empty());
        EXPECT_TRUE(files_ending_with(".swap").empty());
        EXPECT_TRUE(files_ending_with(".deleted").empty());
    }
};

TEST_F(LogCleanerCrashTest, BeforeTheSwapTheOldSegmentsStay) {
    auto run = stage();
    EXPECT_FALSE(files_ending_with(".cleaned").empty());
    run.log.reset();
    check_recovered(run.expected, 100);
    EXPECT_EQ(records(*open_log()).size(), 100u);
}

TEST_F(LogCleanerCrashTest, HalfwayThroughTheCommitRenamesTheSwapIsDropped) {
    auto run = stage();
    // Only the index files reached .swap: the .log.swap, the commit, is missing.
    const cleaned_segment& segment = run.outcome.segments.front();
    for (std::string_view kind : {log_segment::index_suffix, log_segment::time_index_suffix}) {
        auto from = partition_dir() / (segment_file_name(segment.base_offset, kind) + ".cleaned");
        std::filesystem::rename(
            from, partition_dir() / (segment_file_name(segment.base_offset, kind) + ".swap"));
    }
    run.log.reset();
    check_recovered(run.expected, 100);
    EXPECT_EQ(records(*open_log()).size(), 100u);
}

TEST_F(LogCleanerCrashTest, AfterTheCommitTheSwapIsFinished) {
    auto run = stage();
    for (const auto& segment : run.outcome.segments) {
        rename_staged(segment, cleaned_file_suffix, swap_file_suffix);
    }
    run.log.reset();
    check_recovered(run.expected, 20);
}

TEST_F(LogCleanerCrashTest, WithSomeReplacedSegmentsAlreadyDeletedTheSwapIsFinished) {
    auto run = stage();
    const cleaned_segment& first = run.outcome.segments.front();
    rename_staged(first, cleaned_file_suffix, swap_file_suffix);
    // The first replaced segment already renamed .deleted, the others not yet.
    for (std::string_view kind :
         {log_segment::log_suffix, log_segment::index_suffix, log_segment::time_index_suffix}) {
        auto path = partition_dir() / segment_file_name(first.replaced.front(), kind);
        std::filesystem::rename(path, path.string() + ".deleted");
    }
    // Later groups were never committed.
    run.log.reset();
    auto later_groups_records = 100u;
    check_recovered(run.expected, later_groups_records);
}

TEST_F(LogCleanerCrashTest, DuringTheFinalRenamesTheSwapIsFinished) {
    auto run = stage();
    const cleaned_segment& first = run.outcome.segments.front();
    rename_staged(first, cleaned_file_suffix, swap_file_suffix);
    // Every replaced segment renamed .deleted, then only the .log took its final name.
    for (offset base : first.replaced) {
        for (std::string_view kind :
             {log_segment::log_suffix, log_segment::index_suffix, log_segment::time_index_suffix}) {
            auto path = partition_dir() / segment_file_name(base, kind);
            std::filesystem::rename(path, path.string() + ".deleted");
        }
    }
    auto log_path = partition_dir() / segment_file_name(first.base_offset, log_segment::log_suffix);
    std::filesystem::rename(log_path.string() + ".swap", log_path);
    run.log.reset();
    check_recovered(run.expected, 100);
}

TEST_F(LogCleanerCrashTest, AfterTheSwapTheCleanedLogIsKept) {
    auto run = stage();
    run.log.reset();
    // Installed by a log reopened on the same files, then a crash before any close.
    auto log = open_log();
    auto plan = log->plan_clean(t0);
    ASSERT_TRUE(plan && plan.value());
    auto outcome = clean_log(*plan.value(), limits_);
    ASSERT_TRUE(outcome);
    ASSERT_TRUE(log->install_cleaned(*plan.value(), outcome.value(), t0));
    log.reset();
    check_recovered(run.expected, 20);
}

}  // namespace
}  // namespace samsa::storage
