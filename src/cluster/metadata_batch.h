#pragma once

// Metadata records in record batches, as KRaft stores them in __cluster_metadata. A batch is
// what the controller appends atomically: all of its records become part of the image, or
// none. It is an ordinary v2 batch (record_batch_format.h) in which
//
//   - every record has a null key, no headers, and a metadata_record as its value
//     (framing in metadata_record.h);
//   - every record's timestamp is the append time (CreateTime; no producer id, epoch or
//     sequence);
//   - partitionLeaderEpoch is the Raft epoch of the controller that wrote the batch.
//
// Control batches share the log (Raft's leader changes, snapshot headers and footers,
// KRaft version and voter records); they hold no metadata records, and reading one yields
// none.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "cluster/metadata_image.h"
#include "cluster/metadata_record.h"
#include "protocol/record_batch.h"

namespace samsa::cluster {

// Kafka's limit on one metadata batch (KafkaRaftClient.MAX_BATCH_SIZE_BYTES), and the most a
// compressed one may inflate to when read.
inline constexpr std::size_t max_metadata_batch_bytes = 8 * 1024 * 1024;

struct metadata_batch_settings {
    offset base_offset{0};
    leader_epoch epoch{0};  // the writer's Raft epoch
    int64_t append_time_ms = -1;
};

enum class metadata_batch_error : uint8_t {
    no_records,           // a batch holds at least one record
    batch_too_large,      // more than max_metadata_batch_bytes
    unreadable_records,   // the batch's records cannot be decoded (record_reader)
    unexpected_key,       // a record with a key: metadata records have none
    missing_value,        // a record with a null or empty value
    unexpected_headers,   // a record with headers: metadata records have none
    bad_metadata_record,  // a value that decode_metadata_record refuses
};

std::string_view to_string(metadata_batch_error error);

// One uncompressed batch holding the records in order.
result<std::vector<uint8_t>, metadata_batch_error> build_metadata_batch(
    std::span<const metadata_record> records, const metadata_batch_settings& settings);

// The records of a batch whose header was already parsed (and its CRC checked), in order;
// none for a control batch. Any record that is not a well-formed metadata record fails the
// whole batch: replaying part of an atomic append would build an image no controller had.
result<std::vector<metadata_record>, metadata_batch_error> read_metadata_batch(
    const protocol::record_batch_view& batch);

// The provenance an image has once it includes the batch: its last offset, its epoch and
// its (maximum) timestamp.
metadata_provenance provenance_of(const protocol::record_batch_view& batch);

}  // namespace samsa::cluster
