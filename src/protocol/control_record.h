#pragma once

// Transaction markers: the control batches a transaction coordinator has each partition
// leader append to end a transaction (Kafka's EndTransactionMarker). A marker batch has the
// control (bit 5) and transactional (bit 4) attributes, the producer's id and epoch, no
// sequence (-1), no compression, and exactly one record:
//
//   key    version int16 = 0, type int16 (0 ABORT, 1 COMMIT)         4 bytes
//   value  version int16 = 0, coordinatorEpoch int32                 6 bytes
//
// Kafka reads newer versions of key and value as version 0, whose fields they extend (the
// codecs in record.h do the same). Other control records (KRaft's leader change, snapshot
// header/footer, ...) are not transaction markers.

#include <cstdint>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "protocol/record_batch.h"

namespace samsa::protocol {

enum class control_type : int16_t { abort = 0, commit = 1 };

struct transaction_marker {
    control_type type = control_type::abort;
    int32_t coordinator_epoch = 0;
};

// Reads the marker of a control batch. An error (with a message for logs) when the batch is
// not a control batch, does not hold exactly one readable record, or holds a control record
// that is not an abort or commit marker: callers replaying a log may skip those, as Kafka
// does for control types it does not know.
result<transaction_marker, std::string> parse_transaction_marker(const record_batch_view& batch);

// A v2 control batch holding the marker, as Kafka's MemoryRecords.withEndTransactionMarker
// writes it: baseOffset 0 and partitionLeaderEpoch -1 (the leader assigns both when it
// appends), CreateTime timestamp_ms, no sequence, uncompressed.
std::vector<uint8_t> build_transaction_marker_batch(samsa::producer_id id,
                                                    samsa::producer_epoch epoch,
                                                    const transaction_marker& marker,
                                                    int64_t timestamp_ms);

}  // namespace samsa::protocol
