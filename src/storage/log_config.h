#pragma once

// The settings of one partition log: Kafka's topic-level configs (broker defaults are the
// log.* server configs), in the units Kafka uses.

#include <cstdint>
#include <limits>

namespace samsa::storage {

struct log_config {
    int32_t segment_bytes = 1024 * 1024 * 1024;      // segment.bytes
    int64_t segment_ms = 7LL * 24 * 3600 * 1000;     // segment.ms
    int64_t segment_jitter_ms = 0;                   // segment.jitter.ms
    int32_t segment_index_bytes = 10 * 1024 * 1024;  // segment.index.bytes
    int32_t index_interval_bytes = 4096;             // index.interval.bytes
    int64_t retention_ms = 7LL * 24 * 3600 * 1000;   // retention.ms; negative: unlimited
    int64_t retention_bytes = -1;                    // retention.bytes; negative: unlimited
    // flush.messages / flush.ms: fsync after this many unflushed messages or this long.
    int64_t flush_messages = std::numeric_limits<int64_t>::max();
    int64_t flush_ms = std::numeric_limits<int64_t>::max();
    int64_t file_delete_delay_ms = 60'000;  // file.delete.delay.ms
    // message.timestamp.type=LogAppendTime: the broker stamps batches with its clock.
    bool log_append_time = false;
    // cleanup.policy: "delete" lets retention.ms and retention.bytes delete segments (without
    // it both are -1 here) and DeleteRecords move the log start; "compact" has the log cleaner
    // keep only the last record of each key (log_cleaner.h).
    bool deletes = true;
    bool compacts = false;
    double min_cleanable_dirty_ratio = 0.5;  // min.cleanable.dirty.ratio
    int64_t min_compaction_lag_ms = 0;       // min.compaction.lag.ms
    int64_t max_compaction_lag_ms = std::numeric_limits<int64_t>::max();  // max.compaction.lag.ms
    int64_t delete_retention_ms = 86'400'000;                             // delete.retention.ms
};

}  // namespace samsa::storage
