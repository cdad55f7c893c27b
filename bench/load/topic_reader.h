#pragma once

// Reads every partition of a topic into one queue without a consumer group: librdkafka's
// simple consumer API (rd_kafka_consume_start_queue), the one kcat uses without -G. Samsa
// has no group APIs yet, and a benchmark consumer needs no offsets committed; the fetching
// underneath is the same as a group member's.

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "client.h"
#include "load_error.h"

namespace samsa::load {

class topic_reader {
public:
    // So that a reader's caller regains control regularly under a flood of records.
    static constexpr std::size_t max_records_per_read = 1024;

    // Starts partition p at start_offsets[p] (an offset, or RD_KAFKA_OFFSET_BEGINNING / _END)
    // for p in 0..start_offsets.size()-1. `client` (a consumer) and `topic` must outlive the
    // reader.
    static load_result<std::unique_ptr<topic_reader>> start(
        rd_kafka_t* client, rd_kafka_topic_t* topic, const std::vector<int64_t>& start_offsets);
    ~topic_reader();
    topic_reader(const topic_reader&) = delete;
    topic_reader& operator=(const topic_reader&) = delete;

    // Waits up to timeout_ms for a record, then hands it and those already queued behind it
    // (a record, or an error in message.err) to handle(const rd_kafka_message_t&); at most
    // max_records_per_read. Returns how many.
    //
    // One at a time, not rd_kafka_consume_batch_queue: that waits until the batch is full or
    // the timeout has passed, which adds up to timeout_ms to every end-to-end latency.
    template <typename Handler>
    std::size_t read(int timeout_ms, Handler&& handle) {
        std::size_t count = 0;
        for (int wait_ms = timeout_ms; count < max_records_per_read; wait_ms = 0) {
            message_handle message(rd_kafka_consume_queue(queue_.get(), wait_ms));
            if (!message) {
                break;
            }
            handle(*message);
            ++count;
        }
        return count;
    }

private:
    topic_reader(rd_kafka_topic_t* topic, queue_handle queue);

    rd_kafka_topic_t* topic_;
    queue_handle queue_;
    // Partitions started so far: the ones to stop.
    int32_t started_partitions_ = 0;
};

}  // namespace samsa::load
