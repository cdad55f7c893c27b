#include "cluster/partition.h"

namespace samsa::cluster {

partition::partition(storage::topic_partition id, std::optional<topic_id> topic,
                     std::filesystem::path log_dir, leader_epoch epoch,
                     std::unique_ptr<storage::partition_log> log)
    : id_(std::move(id)),
      topic_(topic),
      log_dir_(std::move(log_dir)),
      epoch_(epoch),
      log_(std::move(log)) {
    log_->set_high_watermark(log_->log_end_offset());
}

storage::storage_result<storage::append_result> partition::append(std::span<uint8_t> batches,
                                                                  int64_t now_ms) {
    auto appended = log_->append(batches, epoch_, now_ms);
    if (appended) {
        log_->set_high_watermark(log_->log_end_offset());
    }
    return appended;
}

}  // namespace samsa::cluster
