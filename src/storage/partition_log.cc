#include "storage/partition_log.h"

#include <fmt/format.h>
#include <asio/this_coro.hpp>

#include <algorithm>
#include <random>

#include "base/assert.h"
#include "base/log.h"
#include "protocol/record_batch.h"
#include "storage/log_segment.h"

namespace samsa::storage {
namespace {

// Files a crash or a finished operation may leave behind that recovery removes (Kafka's
// LogLoader does the same): segments renamed for deletion, cleaner output not yet swapped
// in, temporary checkpoint writes. (A swap the cleaner committed is finished first:
// complete_interrupted_swaps.)
constexpr std::string_view leftover_suffixes[] = {".deleted", ".cleaned", ".tmp"};

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

segment_settings settings_for(const log_config& config) {
    segment_settings settings{
        .max_index_bytes = static_cast<uint32_t>(config.segment_index_bytes),
        .index_interval_bytes = static_cast<uint32_t>(config.index_interval_bytes)};
    if (config.segment_jitter_ms > 0) {
        // Kafka: each segment draws its own jitter, so that logs created together do not
        // all roll at the same moment.
        static thread_local std::mt19937_64 random(std::random_device{}());
        settings.roll_jitter_ms =
            static_cast<int64_t>(random() % static_cast<uint64_t>(config.segment_jitter_ms));
    }
    return settings;
}

storage_error io_error(const io_failure& failure) {
    return {storage_errc::io_error, failure.message};
}

}  // namespace

partition_log::partition_log(file_system& fs, std::filesystem::path dir, const log_config& config)
    : fs_(fs), dir_(std::move(dir)), config_(config) {}

partition_log::~partition_log() = default;

storage_result<std::unique_ptr<partition_log>> partition_log::open(
    file_system& fs, std::filesystem::path dir, const log_config& config,
    const log_load_options& options) {
    std::unique_ptr<partition_log> log(new partition_log(fs, std::move(dir), config));
    if (auto loaded = log->load(options); !loaded) {
        return failure{loaded.error()};
    }
    return log;
}

storage_result<std::monostate> partition_log::load(const log_load_options& options) {
    if (auto created = fs_.create_directories(dir_); !created) {
        return failure{io_error(created.error())};
    }
    if (auto swaps = complete_interrupted_swaps(); !swaps) {
        return swaps;
    }
    auto names = fs_.list(dir_);
    if (!names) {
        return failure{io_error(names.error())};
    }
    std::vector<offset> bases;
    for (const std::string& name : names.value()) {
        bool leftover =
            std::any_of(std::begin(leftover_suffixes), std::end(leftover_suffixes),
                        [&](std::string_view suffix) { return ends_with(name, suffix); });
        if (leftover) {
            if (auto removed = fs_.remove(dir_ / name); !removed) {
                return failure{io_error(removed.error())};
            }
        } else if (auto base = parse_segment_file_name(name, log_segment::log_suffix)) {
            bases.push_back(*base);
        }
    }
    std::sort(bases.begin(), bases.end());
    for (std::size_t index = 0; index < bases.size(); ++index) {
        offset base = bases[index];
        bool is_last = index + 1 == bases.size();
        // Segments that may hold offsets at or past the recovery point were not known to be
        // on disk: check them batch by batch.
        bool recover =
            !options.clean_shutdown && (is_last || bases[index + 1] > options.recovery_point);
        auto segment =
            log_segment::open(fs_, dir_, base, settings_for(config_), recover, options.now_ms);
        if (!segment) {
            return failure{io_error(segment.error())};
        }
        if (!segments_.empty() &&
            segment.value()->base_offset() < segments_.back()->next_offset()) {
            return failure{
                storage_error{storage_errc::corrupt_log,
                              fmt::format("{}: segment {} overlaps the segment before it",
                                          dir_.string(), base.value())}};
        }
        uint64_t cut = segment.value()->bytes_cut_by_recovery();
        segments_.push_back(std::move(segment).value());
        if (cut > 0) {
            log::warn(
                "{}: recovery cut {} bytes of segment {} at offset {}; later segments removed",
                dir_.string(), cut, base.value(), segments_.back()->next_offset().value());
            for (std::size_t later = index + 1; later < bases.size(); ++later) {
                for (std::string_view suffix :
                     {log_segment::log_suffix, log_segment::index_suffix,
                      log_segment::time_index_suffix, transaction_index::suffix}) {
                    if (auto removed = fs_.remove(dir_ / segment_file_name(bases[later], suffix));
                        !removed) {
                        return failure{io_error(removed.error())};
                    }
                }
            }
            break;
        }
    }
    if (segments_.empty()) {
        auto first = log_segment::create(fs_, dir_, options.log_start_offset, settings_for(config_),
                                         options.now_ms);
        if (!first) {
            return failure{io_error(first.error())};
        }
        segments_.push_back(std::move(first).value());
    }
    if (auto prepared = segments_.back()->prepare_for_appends(); !prepared) {
        return failure{io_error(prepared.error())};
    }
    log_end_offset_ = segments_.back()->next_offset();
    log_start_offset_ = std::min(
        std::max(options.log_start_offset, segments_.front()->base_offset()), log_end_offset_);
    recovery_point_ = options.clean_shutdown ? log_end_offset_
                                             : std::min(options.recovery_point, log_end_offset_);
    high_watermark_ = log_end_offset_;
    auto epochs = leader_epoch_cache::open(fs_, dir_);
    if (!epochs) {
        return failure{io_error(epochs.error())};
    }
    epochs_ = std::make_unique<leader_epoch_cache>(std::move(epochs).value());
    // A checkpoint written before a crash may know epochs past the recovered log end.
    if (auto trimmed = trim_epochs_to_log(); !trimmed) {
        return trimmed;
    }
    last_append_ms_ = options.now_ms;
    last_flush_ms_ = options.now_ms;
    cleaner_checkpoint_ = options.cleaner_checkpoint;
    return load_producer_state();
}

storage_result<std::monostate> partition_log::trim_epochs_to_log() {
    if (auto trimmed = epochs_->truncate_from_end(log_end_offset_); !trimmed) {
        return failure{fail(trimmed.error())};
    }
    if (auto trimmed = epochs_->truncate_from_start(log_start_offset_); !trimmed) {
        return failure{fail(trimmed.error())};
    }
    return std::monostate{};
}

storage_error partition_log::fail(const io_failure& failure) {
    if (!failed_) {
        log::error("{}: storage error, the log is offline until restart: {}", dir_.string(),
                   failure.message);
    }
    failed_ = true;
    return io_error(failure);
}

storage_result<std::monostate> partition_log::check_usable() const {
    if (closed_) {
        return failure{storage_error{storage_errc::closed,
                                     fmt::format("{}: the log is closed", dir_.string())}};
    }
    if (failed_) {
        return failure{storage_error{storage_errc::log_failed,
                                     fmt::format("{}: the log failed earlier", dir_.string())}};
    }
    return std::monostate{};
}

storage_result<std::monostate> partition_log::roll_if_needed(uint32_t incoming_bytes,
                                                             offset incoming_last,
                                                             int64_t incoming_max_timestamp_ms,
                                                             int64_t now_ms) {
    const log_segment& segment = active();
    if (segment.empty()) {
        return std::monostate{};
    }
    bool too_big =
        segment.size_bytes() + incoming_bytes > static_cast<uint64_t>(config_.segment_bytes);
    // Kafka's LogConfig.maxSegmentMs: a compacted log rolls by max.compaction.lag.ms too,
    // since the active segment is never cleaned.
    int64_t segment_ms = config_.compacts && config_.max_compaction_lag_ms > 0
                             ? std::min(config_.segment_ms, config_.max_compaction_lag_ms)
                             : config_.segment_ms;
    bool too_old = segment.time_waited_for_roll(now_ms, incoming_max_timestamp_ms) >
                   segment_ms - segment.roll_jitter_ms();
    if (too_big || too_old || segment.index_full() || !segment.can_hold_offset(incoming_last)) {
        return roll(now_ms);
    }
    return std::monostate{};
}

storage_result<std::monostate> partition_log::roll(int64_t now_ms) {
    if (auto usable = check_usable(); !usable) {
        return usable;
    }
    log_segment& finished = active();
    if (finished.empty()) {
        return std::monostate{};
    }
    if (auto rolled = finished.on_roll(); !rolled) {
        return failure{fail(rolled.error())};
    }
    // The finished segment's files are fsynced by the next durability round, off the event
    // loop. Index files are reopened so the sync holds its own descriptor, whatever
    // happens to the segment meanwhile.
    rolled_unsynced_.push_back(finished.log_file());
    for (std::string_view suffix : {log_segment::index_suffix, log_segment::time_index_suffix}) {
        auto index_file = fs_.open(dir_ / segment_file_name(finished.base_offset(), suffix),
                                   open_mode::read_only);
        if (!index_file) {
            return failure{fail(index_file.error())};
        }
        rolled_unsynced_.push_back(std::move(index_file).value());
    }
    if (const transaction_index* index = transaction_index_for(finished.base_offset(), false);
        index != nullptr && index->size_bytes() > 0) {
        auto index_file = fs_.open(index->path(), open_mode::read_only);
        if (!index_file) {
            return failure{fail(index_file.error())};
        }
        rolled_unsynced_.push_back(std::move(index_file).value());
    }
    auto next = log_segment::create(fs_, dir_, log_end_offset_, settings_for(config_), now_ms);
    if (!next) {
        return failure{fail(next.error())};
    }
    segments_.push_back(std::move(next).value());
    // Kafka snapshots the producer state at every roll: recovery replays from the newest.
    if (auto snapshot = snapshot_producers(); !snapshot) {
        return snapshot;
    }
    // The new segment's directory entry must reach the disk before anything in it is called
    // durable: the directory is synced in the same round, after the files.
    auto directory = fs_.open(dir_, open_mode::read_only);
    if (!directory) {
        return failure{fail(directory.error())};
    }
    rolled_unsynced_.push_back(std::move(directory).value());
    return std::monostate{};
}

storage_result<append_result> partition_log::append(std::span<uint8_t> batches, leader_epoch epoch,
                                                    int64_t now_ms) {
    if (auto usable = check_usable(); !usable) {
        return failure{usable.error()};
    }
    std::vector<batch_summary> summaries;
    std::vector<appended_producer_batch> appended_producers;
    offset next = log_end_offset_;
    int64_t incoming_max_timestamp = -1;
    int64_t record_count = 0;
    protocol::record_batch_splitter splitter(batches);
    while (true) {
        auto bounds = splitter.next();
        SAMSA_ASSERT(bounds, "append of batches that do not frame");
        if (!bounds.value()) {
            break;
        }
        std::span<uint8_t> batch =
            batches.subspan(bounds.value()->position, bounds.value()->size_bytes);
        auto view = protocol::record_batch_view::parse(batch, protocol::crc_check::skip);
        SAMSA_ASSERT(view, "append of a batch that does not parse");
        appended_producers.push_back(describe_for_producers(view.value()));
        int32_t last_delta = view.value().last_offset_delta();
        record_count += view.value().record_count();
        protocol::set_base_offset(batch, next);
        protocol::set_partition_leader_epoch(batch, epoch);
        int64_t max_timestamp = view.value().max_timestamp_ms();
        if (config_.log_append_time) {
            protocol::set_log_append_time(batch, now_ms);
            max_timestamp = now_ms;
        }
        incoming_max_timestamp = std::max(incoming_max_timestamp, max_timestamp);
        appended_producers.back().first_offset = next;
        appended_producers.back().last_offset = offset(next.value() + last_delta);
        appended_producers.back().timestamp_ms = max_timestamp;
        summaries.push_back({.base_offset = next,
                             .last_offset = offset(next.value() + last_delta),
                             .max_timestamp_ms = max_timestamp,
                             .size_bytes = static_cast<uint32_t>(batch.size())});
        next = offset(next.value() + last_delta + 1);
    }
    SAMSA_ASSERT(!summaries.empty() && !splitter.ended_with_partial_batch(),
                 "append of no batches or of a partial batch");
    if (auto rolled = roll_if_needed(static_cast<uint32_t>(batches.size()),
                                     summaries.back().last_offset, incoming_max_timestamp, now_ms);
        !rolled) {
        return failure{rolled.error()};
    }
    // Kafka calls assign for every appended batch: it writes only when the epoch is new.
    if (epoch.value() >= 0) {
        if (auto assigned = epochs_->assign(epoch, summaries.front().base_offset); !assigned) {
            return failure{fail(assigned.error())};
        }
    }
    if (auto written = active().append(batches, summaries); !written) {
        return failure{fail(written.error())};
    }
    append_result appended{.base_offset = summaries.front().base_offset,
                           .last_offset = summaries.back().last_offset,
                           .log_append_time_ms = config_.log_append_time ? now_ms : -1,
                           .log_start_offset = log_start_offset_};
    log_end_offset_ = next;
    unflushed_messages_ += record_count;
    last_append_ms_ = now_ms;
    for (const auto& batch : appended_producers) {
        if (auto applied = apply_to_producers(batch); !applied) {
            return failure{applied.error()};
        }
    }
    return appended;
}

std::size_t partition_log::segment_index_for(offset target) const {
    auto after = std::upper_bound(segments_.begin(), segments_.end(), target,
                                  [](offset value, const std::unique_ptr<log_segment>& s) {
                                      return value < s->base_offset();
                                  });
    return after == segments_.begin() ? 0 : static_cast<std::size_t>(after - segments_.begin()) - 1;
}

storage_result<read_result> partition_log::read(offset start, uint32_t max_bytes, offset max_offset,
                                                bool min_one_batch) const {
    if (auto usable = check_usable(); !usable) {
        return failure{usable.error()};
    }
    if (start < log_start_offset_ || start > log_end_offset_) {
        return failure{
            storage_error{storage_errc::offset_out_of_range,
                          fmt::format("offset {} outside [{}, {}]", start.value(),
                                      log_start_offset_.value(), log_end_offset_.value())}};
    }
    read_result result;
    if (start >= max_offset || start == log_end_offset_) {
        return result;
    }
    // Like Kafka, one segment per read: the first that holds batches at or after start.
    auto it = segments_.begin() + static_cast<std::ptrdiff_t>(segment_index_for(start));
    for (; it != segments_.end(); ++it) {
        offset from = std::max(start, (*it)->base_offset());
        auto slice = (*it)->read(from, max_bytes, max_offset, min_one_batch);
        if (!slice) {
            return failure{const_cast<partition_log*>(this)->fail(slice.error())};
        }
        if (slice.value()) {
            result.regions.push_back({.file = (*it)->log_file(),
                                      .position = slice.value()->position,
                                      .size_bytes = slice.value()->size_bytes});
            result.size_bytes = slice.value()->size_bytes;
            result.first_offset = slice.value()->first_offset;
            result.next_offset = slice.value()->next_offset;
            break;
        }
        if ((*it)->next_offset() >= max_offset) {
            break;
        }
    }
    return result;
}

storage_result<std::optional<timestamp_and_offset>> partition_log::offset_for_timestamp(
    int64_t timestamp_ms) const {
    if (auto usable = check_usable(); !usable) {
        return failure{usable.error()};
    }
    for (const auto& segment : segments_) {
        if (segment->empty() || segment->largest_timestamp_ms() < timestamp_ms ||
            segment->next_offset() <= log_start_offset_) {
            continue;
        }
        auto found = segment->find_offset_by_timestamp(timestamp_ms, log_start_offset_);
        if (!found) {
            return failure{const_cast<partition_log*>(this)->fail(found.error())};
        }
        if (found.value()) {
            return std::optional<timestamp_and_offset>(
                timestamp_and_offset{found.value()->first, found.value()->second});
        }
    }
    return std::optional<timestamp_and_offset>();
}

int64_t partition_log::max_timestamp_ms() const {
    int64_t largest = -1;
    for (const auto& segment : segments_) {
        if (!segment->empty() && segment->next_offset() > log_start_offset_) {
            largest = std::max(largest, segment->largest_timestamp_ms());
        }
    }
    return largest;
}

asio::awaitable<storage_result<std::monostate>> partition_log::wait_durable(offset end) {
    if (!flush_finished_) {
        flush_finished_ =
            std::make_unique<runtime::async_event>(co_await asio::this_coro::executor);
    }
    end = std::min(end, log_end_offset_);
    while (recovery_point_ < end) {
        if (auto usable = check_usable(); !usable) {
            co_return usable;
        }
        if (flush_in_progress_) {
            co_await flush_finished_->wait();
            continue;
        }
        flush_in_progress_ = true;
        offset target = log_end_offset_;
        int64_t flushed_messages = unflushed_messages_;
        int64_t flushed_at_ms = last_append_ms_;
        std::vector<std::shared_ptr<data_file>> files = std::move(rolled_unsynced_);
        rolled_unsynced_.clear();
        files.push_back(active().log_file());
        storage_result<std::monostate> outcome = std::monostate{};
        for (const auto& file : files) {
            auto synced = co_await fs_.async_sync(*file);
            if (!synced) {
                outcome = failure{fail(synced.error())};
                break;
            }
        }
        flush_in_progress_ = false;
        if (outcome) {
            recovery_point_ = std::max(recovery_point_, target);
            unflushed_messages_ = std::max<int64_t>(0, unflushed_messages_ - flushed_messages);
            last_flush_ms_ = flushed_at_ms;
        }
        flush_finished_->notify_all();
        if (!outcome) {
            co_return outcome;
        }
    }
    co_return std::monostate{};
}

storage_result<std::monostate> partition_log::flush() {
    if (auto usable = check_usable(); !usable) {
        return usable;
    }
    rolled_unsynced_.clear();
    for (const auto& segment : segments_) {
        if (segment->next_offset() <= recovery_point_ && segment.get() != &active()) {
            continue;
        }
        if (auto synced = segment->sync(); !synced) {
            return failure{fail(synced.error())};
        }
    }
    if (auto synced = fs_.sync_directory(dir_); !synced) {
        return failure{fail(synced.error())};
    }
    recovery_point_ = log_end_offset_;
    unflushed_messages_ = 0;
    last_flush_ms_ = last_append_ms_;
    return std::monostate{};
}

bool partition_log::flush_due(int64_t now_ms) const {
    if (recovery_point_ >= log_end_offset_) {
        return false;
    }
    return unflushed_messages_ >= config_.flush_messages ||
           now_ms - last_flush_ms_ >= config_.flush_ms;
}

storage_result<std::monostate> partition_log::truncate_to(offset end) {
    if (auto usable = check_usable(); !usable) {
        return usable;
    }
    if (end >= log_end_offset_) {
        return std::monostate{};
    }
    ++structure_version_;
    // Kafka's maybeTruncateCheckpoint: offsets from `end` on will be written again.
    cleaner_checkpoint_ = std::min(cleaner_checkpoint_, end);
    while (segments_.size() > 1 && segments_.back()->base_offset() >= end) {
        auto removed = segments_.back()->rename_with_suffix(deleted_file_suffix);
        if (!removed) {
            return failure{fail(removed.error())};
        }
        auto index = retire_transaction_index(segments_.back()->base_offset());
        if (!index) {
            return failure{index.error()};
        }
        removed.value().insert(removed.value().end(), index.value().begin(), index.value().end());
        for (const auto& path : removed.value()) {
            if (auto gone = fs_.remove(path); !gone) {
                return failure{fail(gone.error())};
            }
        }
        segments_.pop_back();
    }
    if (auto cut = active().truncate_to(end); !cut) {
        return failure{fail(cut.error())};
    }
    log_end_offset_ = active().next_offset();
    recovery_point_ = std::min(recovery_point_, log_end_offset_);
    high_watermark_ = std::min(high_watermark_, log_end_offset_);
    log_start_offset_ = std::min(log_start_offset_, log_end_offset_);
    if (auto trimmed = trim_epochs_to_log(); !trimmed) {
        return trimmed;
    }
    // Kafka's truncateAndReload: the table cannot forget single batches.
    return rebuild_producer_state();
}

uint64_t partition_log::size_bytes() const {
    uint64_t total = 0;
    for (const auto& segment : segments_) {
        total += segment->size_bytes();
    }
    return total;
}

std::vector<offset> partition_log::segment_base_offsets() const {
    std::vector<offset> bases;
    for (const auto& segment : segments_) {
        bases.push_back(segment->base_offset());
    }
    return bases;
}

storage_result<std::monostate> partition_log::close() {
    if (closed_) {
        return std::monostate{};
    }
    if (!failed_) {
        // A clean stop leaves a snapshot at the log end: the next open replays nothing.
        if (auto snapshot = snapshot_producers(); !snapshot) {
            return snapshot;
        }
        for (const auto& [base, index] : transaction_indexes_) {
            if (auto flushed = index->flush(); !flushed) {
                return failure{fail(flushed.error())};
            }
        }
        if (auto flushed = flush(); !flushed) {
            return flushed;
        }
    }
    for (const auto& [base, index] : transaction_indexes_) {
        if (auto closed = index->close(); !closed) {
            closed_ = true;
            return failure{fail(closed.error())};
        }
    }
    for (const auto& segment : segments_) {
        if (auto closed = segment->close(); !closed) {
            closed_ = true;
            return failure{fail(closed.error())};
        }
    }
    closed_ = true;
    return std::monostate{};
}

}  // namespace samsa::storage
