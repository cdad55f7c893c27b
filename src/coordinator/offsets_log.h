#pragma once

// The coordinator's I/O on one hosted partition of __consumer_offsets: append records and
// wait until they are durable (Kafka writes group metadata and offset commits with
// acks=all), and read every record and transaction marker back when the coordinator loads the
// partition.
//
// Ownership: call on the shard that owns the partition. Both are coroutines that never
// block the shard: fsync goes through the log's group commit, reads through the shard's
// file_io.

#include <asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "cluster/partition.h"
#include "coordinator/offsets_record.h"
#include "protocol/error_code.h"
#include "protocol/record_batch_builder.h"

namespace samsa::coordinator {

// The transactional producer a batch is written for (TxnOffsetCommit): Kafka writes those
// offsets as a transactional batch with the producer's id and epoch, no sequence.
struct transactional_writer {
    producer_id producer;
    producer_epoch epoch;
};

// Appends the records as one uncompressed batch (transactional for writer) and waits until it
// is on disk. The value is the offset of the first record (the others follow in order), or
// nullopt when there was nothing to append. The error is the one Kafka's coordinator answers
// when it cannot write: NOT_COORDINATOR when the partition is no longer hosted or its log
// failed (the client looks for the coordinator again), INVALID_PRODUCER_EPOCH for a writer
// whose epoch is older than the partition has seen, REQUEST_TIMED_OUT never (there are no
// followers to wait for).
asio::awaitable<result<std::optional<offset>, protocol::error_code>> append_durably(
    cluster::partition& partition, std::span<const encoded_offsets_record> records, int64_t now_ms,
    std::optional<transactional_writer> writer = std::nullopt);

// One record read back: where it sits, and the producer of its batch when the batch is
// transactional (its offsets wait for that producer's marker).
struct logged_record {
    std::span<const uint8_t> key;
    std::optional<std::span<const uint8_t>> value;
    offset record_offset;
    std::optional<producer_id> transactional_producer;
};

// A transaction marker read back (a control batch of the partition).
struct logged_marker {
    producer_id producer;
    bool committed = false;  // COMMIT, or ABORT
};

// Reads the partition from its log start to its log end, calling visit for every record and
// visit_marker for every transaction marker in offset order (a compacted log may have gaps).
// Stops with an error on unreadable data; control batches that are not transaction markers
// are skipped, as Kafka does.
using offsets_record_visitor = std::function<void(const logged_record& record)>;
using transaction_marker_visitor = std::function<void(const logged_marker& marker)>;
asio::awaitable<result<std::monostate, std::string>> read_all_records(
    cluster::partition& partition, const offsets_record_visitor& visit,
    const transaction_marker_visitor& visit_marker);

// The sans-I/O halves of the two, exposed for tests: the batch append_durably writes (base
// offset 0: the log assigns it), and the visit of whole batches read_all_records reads.
result<std::vector<uint8_t>, protocol::record_batch_builder_error> build_offsets_batch(
    std::span<const encoded_offsets_record> records, int64_t now_ms,
    const std::optional<transactional_writer>& writer);
result<std::monostate, std::string> visit_offsets_batches(
    std::span<const uint8_t> bytes, const offsets_record_visitor& visit,
    const transaction_marker_visitor& visit_marker);

}  // namespace samsa::coordinator
