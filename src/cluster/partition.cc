#include "cluster/partition.h"

namespace samsa::cluster {

partition::partition(storage::topic_partition id, std::optional<topic_id> topic,
                     std::filesystem::path log_dir, leader_epoch epoch,
                     std::unique_ptr<storage::partition_log> log, storage::topic_settings settings)
    : id_(std::move(id)),
      topic_(topic),
      log_dir_(std::move(log_dir)),
      epoch_(epoch),
      log_(std::move(log)),
      settings_(std::move(settings)) {
    log_->set_high_watermark(log_->log_end_offset());
}

void partition::set_settings(const storage::topic_settings& settings) {
    settings_ = settings;
    log_->set_config(settings.log);
}

storage::storage_result<std::monostate> partition::close() {
    auto closed = log_->close();
    wake_watchers();
    return closed;
}

void partition::on_next_append(uint32_t key, std::function<void()> wake) {
    for (auto& [existing, callback] : append_watchers_) {
        if (existing == key) {
            callback = std::move(wake);
            return;
        }
    }
    append_watchers_.emplace_back(key, std::move(wake));
}

void partition::wake_watchers() {
    auto watchers = std::move(append_watchers_);
    append_watchers_.clear();
    for (auto& [key, wake] : watchers) {
        wake();
    }
}

storage::storage_result<storage::append_result> partition::append(std::span<uint8_t> batches,
                                                                  int64_t now_ms) {
    auto appended = log_->append(batches, epoch_, now_ms);
    if (appended) {
        log_->set_high_watermark(log_->log_end_offset());
        wake_watchers();
    }
    return appended;
}

}  // namespace samsa::cluster
