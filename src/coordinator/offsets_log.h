#pragma once

// The coordinator's I/O on one hosted partition of __consumer_offsets: append records and
// wait until they are durable (Kafka writes group metadata and offset commits with
// acks=all), and read every record back when the coordinator loads the partition.
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

#include "base/result.h"
#include "cluster/partition.h"
#include "coordinator/offsets_record.h"
#include "protocol/error_code.h"

namespace samsa::coordinator {

// Appends the records as one uncompressed batch and waits until it is on disk. The error
// is the one Kafka's coordinator answers when it cannot write: NOT_COORDINATOR when the
// partition is no longer hosted or its log failed (the client looks for the coordinator
// again), REQUEST_TIMED_OUT never (there are no followers to wait for).
asio::awaitable<result<std::monostate, protocol::error_code>> append_durably(
    cluster::partition& partition, std::span<const encoded_offsets_record> records, int64_t now_ms);

// Reads the partition from its log start to its log end, calling visit for every record in
// offset order (a compacted log may have gaps). Stops with an error on unreadable data.
using offsets_record_visitor = std::function<void(std::span<const uint8_t> key,
                                                  std::optional<std::span<const uint8_t>> value)>;
asio::awaitable<result<std::monostate, std::string>> read_all_records(
    cluster::partition& partition, const offsets_record_visitor& visit);

}  // namespace samsa::coordinator
