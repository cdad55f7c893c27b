#pragma once

// What the transaction manager tests share: a fake __transaction_state partition (the
// records of successful writes, in completion order), a fake clock, and helpers that drive
// requests through their writes the way the I/O layer will.

#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "coordinator/transaction_manager.h"

namespace samsa::coordinator::testing {

using protocol::error_code;

inline constexpr int32_t timeout_ms = 60'000;

// A fake __transaction_state partition and clock: every write the manager asks for is
// appended to `log` when it completes successfully, so a test can replay it into a new
// manager as a restarted coordinator would.
class transaction_manager_test : public ::testing::Test {
protected:
    transaction_manager manager{config(leader_epoch(5))};
    std::vector<encoded_transaction_log_record> log;
    int64_t now_ms = 1'000'000;
    int64_t next_producer_id = 1000;

    static transaction_manager_config config(leader_epoch epoch) {
        return transaction_manager_config{.coordinator_epoch = epoch,
                                          .transaction_max_timeout_ms = 900'000,
                                          .transactional_id_expiration_ms = 604'800'000};
    }

    write_completion complete(const transaction_log_write& write,
                              error_code error = error_code::none) {
        return complete_on(manager, write, error);
    }

    write_completion complete_on(transaction_manager& target, const transaction_log_write& write,
                                 error_code error = error_code::none) {
        if (error == error_code::none) {
            log.push_back(write.record);
        }
        return target.write_completed(write.write_id, error, now_ms);
    }

    init_producer_id_outcome init_outcome(
        const std::string& id, std::optional<producer_id_and_epoch> expected = std::nullopt) {
        init_producer_id_outcome outcome = manager.init_producer_id(
            id, timeout_ms, expected, now_ms, producer_id(next_producer_id));
        if (outcome.used_fresh_producer_id) {
            ++next_producer_id;
        }
        return outcome;
    }

    // InitProducerId that is expected to succeed after its write.
    producer_id_and_epoch init(const std::string& id,
                               std::optional<producer_id_and_epoch> expected = std::nullopt) {
        init_producer_id_outcome outcome = init_outcome(id, expected);
        EXPECT_TRUE(outcome.write.has_value()) << "answered " << int(outcome.error);
        if (!outcome.write) {
            return {};
        }
        write_completion done = complete(*outcome.write);
        EXPECT_EQ(done.error, error_code::none);
        return {done.pid, done.epoch};
    }

    void add(const std::string& id, producer_id_and_epoch producer,
             transaction_partitions partitions) {
        transaction_outcome outcome =
            manager.add_partitions(id, producer.pid, producer.epoch, partitions, now_ms);
        ASSERT_EQ(outcome.error, error_code::none);
        if (outcome.write) {
            EXPECT_EQ(complete(*outcome.write).error, error_code::none);
        }
    }

    // EndTxn up to the markers: the client's answer and the markers to write.
    write_completion end(const std::string& id, producer_id_and_epoch producer,
                         transaction_result result) {
        transaction_outcome outcome =
            manager.end_transaction(id, producer.pid, producer.epoch, result, now_ms);
        EXPECT_TRUE(outcome.write.has_value()) << "answered " << int(outcome.error);
        if (!outcome.write) {
            return {};
        }
        return complete(*outcome.write);
    }

    error_code end_error(const std::string& id, producer_id_and_epoch producer,
                         transaction_result result) {
        return manager.end_transaction(id, producer.pid, producer.epoch, result, now_ms).error;
    }

    void finish_markers(const std::string& id) {
        auto write = manager.markers_written(id);
        ASSERT_TRUE(write.has_value());
        EXPECT_EQ(complete(*write).error, error_code::none);
    }

    transaction_state state_of(const std::string& id) const {
        const transaction_metadata* metadata = manager.find(id);
        EXPECT_NE(metadata, nullptr);
        return metadata == nullptr ? transaction_state::dead : metadata->state();
    }

    // A new coordinator (epoch `epoch`) loading everything written so far.
    transaction_manager restart(leader_epoch epoch) {
        transaction_manager loaded{config(epoch)};
        for (const auto& record : log) {
            std::optional<std::span<const uint8_t>> value;
            if (record.value) {
                value = std::span<const uint8_t>(*record.value);
            }
            auto decoded =
                decode_transaction_log_record(std::span<const uint8_t>(record.key), value);
            EXPECT_TRUE(decoded.has_value());
            loaded.replay(*decoded);
        }
        return loaded;
    }
};

inline const topic_partition orders0{"orders", partition_id(0)};
inline const topic_partition orders1{"orders", partition_id(1)};
inline const topic_partition payments0{"payments", partition_id(0)};

}  // namespace samsa::coordinator::testing
