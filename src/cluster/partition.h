#pragma once

// A partition this node hosts, owned by one shard (placement.h) and used only there: its
// log, the leader epoch it appends under, and the offsets consumers may see.
//
// On a single node this node leads every partition it hosts and its ISR is itself, so the
// high watermark follows the log end offset after every append (Kafka's rule with an ISR
// of one). Replication will move it by the followers' progress instead; the handlers
// already read it through high_watermark().

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/ids.h"
#include "base/uuid.h"
#include "storage/partition_log.h"
#include "storage/topic_partition.h"
#include "storage/topic_settings.h"

namespace samsa::cluster {

class partition {
public:
    partition(storage::topic_partition id, std::optional<topic_id> topic,
              std::filesystem::path log_dir, leader_epoch epoch,
              std::unique_ptr<storage::partition_log> log, storage::topic_settings settings = {});

    const storage::topic_partition& id() const { return id_; }
    const std::optional<topic_id>& topic() const { return topic_; }
    const std::filesystem::path& log_dir() const { return log_dir_; }
    leader_epoch epoch() const { return epoch_; }
    void set_epoch(leader_epoch epoch) { epoch_ = epoch; }

    // A leader append: offsets from the log end, stamped with this partition's epoch.
    storage::storage_result<storage::append_result> append(std::span<uint8_t> batches,
                                                           int64_t now_ms);

    offset high_watermark() const { return log_->high_watermark(); }
    offset last_stable_offset() const { return log_->last_stable_offset(); }
    offset log_start_offset() const { return log_->log_start_offset(); }
    offset log_end_offset() const { return log_->log_end_offset(); }

    storage::partition_log& log() { return *log_; }
    const storage::partition_log& log() const { return *log_; }

    // The topic's settings as of the current metadata image.
    const storage::topic_settings& settings() const { return settings_; }
    void set_settings(const storage::topic_settings& settings);

    // Closes the log when the partition stops being hosted here; requests still holding the
    // partition then get storage_errc::closed.
    storage::storage_result<std::monostate> close();
    bool closed() const { return log_->closed(); }

    // One-shot wake-ups for delayed fetches waiting for this partition to grow. Each is
    // called after the next append (or close), then forgotten. key identifies the waiter
    // (the waiting shard: one wake-up per shard wakes all of its delayed fetches), so the
    // list is bounded by the number of shards.
    void on_next_append(uint32_t key, std::function<void()> wake);

private:
    void wake_watchers();

    storage::topic_partition id_;
    std::optional<topic_id> topic_;
    std::filesystem::path log_dir_;
    leader_epoch epoch_;
    std::unique_ptr<storage::partition_log> log_;
    storage::topic_settings settings_;
    std::vector<std::pair<uint32_t, std::function<void()>>> append_watchers_;
};

}  // namespace samsa::cluster
