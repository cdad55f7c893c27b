#include "storage/log_cleaner.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <span>
#include <unordered_set>

#include "base/endian.h"
#include "protocol/control_record.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "protocol/record_batch_format.h"
#include "storage/log_segment.h"
#include "storage/offset_map.h"

namespace samsa::storage {
namespace format = protocol::record_batch_format;
namespace {

// A batch whose records decompress to more than this is kept whole and its keys are not
// mapped: the cleaner never removes what it cannot read (Produce accepts at most this much
// unless max.message.bytes is larger).
constexpr std::size_t max_uncompressed_batch_bytes = 64 * 1024 * 1024;
// A time index entry is 12 bytes (the larger of the two indexes' entries).
constexpr uint64_t time_index_entry_bytes = 12;

io_failure corrupt(const std::filesystem::path& path, uint64_t position, std::string_view why) {
    return {std::make_error_code(std::errc::illegal_byte_sequence),
            fmt::format("log cleaner: {} at {}: {}", path.string(), position, why)};
}

io_failure cancelled_failure(const std::filesystem::path& dir) {
    return {std::make_error_code(std::errc::operation_canceled),
            fmt::format("log cleaner: cleaning {} was cancelled", dir.string())};
}

bool is_cancelled(const cleaner_limits& limits) {
    return limits.cancelled != nullptr && limits.cancelled->load(std::memory_order_relaxed);
}

// Reads the batches of one segment file in order through a bounded buffer that grows only
// to hold the largest batch met. Each batch is CRC-checked.
class batch_reader {
public:
    batch_reader(const cleaner_source_segment& segment, std::vector<uint8_t>& buffer,
                 const cleaner_limits& limits, clean_stats& stats)
        : segment_(segment), buffer_(buffer), limits_(limits), stats_(stats) {}

    // The next batch (its bytes live until the next call), nullopt at the end.
    io_result<std::optional<protocol::record_batch_view>> next() {
        if (position_ >= segment_.size_bytes) {
            return std::optional<protocol::record_batch_view>();
        }
        if (auto filled = fill(format::log_overhead_bytes); !filled) {
            return failure{filled.error()};
        }
        int32_t length =
            load_big_endian<int32_t>(buffer_.data() + begin_ + format::batch_length_position);
        uint64_t total = format::log_overhead_bytes + static_cast<uint64_t>(std::max(length, 0));
        if (length < format::min_batch_length || position_ + total > segment_.size_bytes) {
            return failure{corrupt(segment_.log->path(), position_, "bad batch length")};
        }
        if (auto filled = fill(total); !filled) {
            return failure{filled.error()};
        }
        std::span<const uint8_t> bytes(buffer_.data() + begin_, total);
        auto view = protocol::record_batch_view::parse(bytes, protocol::crc_check::verify);
        if (!view) {
            return failure{corrupt(segment_.log->path(), position_, to_string(view.error()))};
        }
        begin_ += total;
        position_ += total;
        return std::optional(view.value());
    }

    uint64_t position() const { return position_; }

private:
    // Makes at least `want` bytes from position_ available at buffer_[begin_].
    io_status fill(uint64_t want) {
        if (end_ - begin_ >= want) {
            return io_ok();
        }
        std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(begin_),
                  buffer_.begin() + static_cast<std::ptrdiff_t>(end_), buffer_.begin());
        end_ -= begin_;
        begin_ = 0;
        if (buffer_.size() < want) {
            buffer_.resize(want);
        }
        uint64_t file_position = position_ + end_;
        std::size_t room =
            std::min<uint64_t>(buffer_.size() - end_, segment_.size_bytes - file_position);
        auto read = segment_.log->read_at(file_position, std::span(buffer_.data() + end_, room));
        if (!read) {
            return failure{read.error()};
        }
        end_ += read.value();
        stats_.bytes_read += read.value();
        if (limits_.throttle != nullptr) {
            limits_.throttle->record(read.value());
        }
        if (end_ - begin_ < want) {
            return failure{corrupt(segment_.log->path(), position_, "the file ends mid-batch")};
        }
        return io_ok();
    }

    const cleaner_source_segment& segment_;
    std::vector<uint8_t>& buffer_;
    const cleaner_limits& limits_;
    clean_stats& stats_;
    uint64_t position_ = 0;  // file position of buffer_[begin_]
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

// Calls visit(batch) for each batch of the segment in order, giving up between batches when
// the clean is cancelled; visit returns false to stop early.
template <typename Visit>
io_status for_each_batch(const cleaner_source_segment& segment, const clean_plan& plan,
                         const cleaner_limits& limits, std::vector<uint8_t>& buffer,
                         clean_stats& stats, Visit&& visit) {
    batch_reader reader(segment, buffer, limits, stats);
    while (true) {
        if (is_cancelled(limits)) {
            return failure{cancelled_failure(plan.dir)};
        }
        auto next = reader.next();
        if (!next) {
            return failure{next.error()};
        }
        if (!next.value() || !visit(*next.value())) {
            return io_ok();
        }
    }
}

// Which transaction each batch belongs to, in offset order (Kafka's
// CleanedTransactionMetadata): the aborted transactions are fed in by first offset as the
// batches reach them.
class transaction_tracker {
public:
    // aborted: sorted by first offset.
    explicit transaction_tracker(std::vector<aborted_transaction> aborted)
        : pending_(std::move(aborted)) {}

    // A data batch: whether its records belong to an aborted transaction (drop them).
    bool on_data_batch(const protocol::record_batch_view& batch) {
        consume_aborted_up_to(batch.last_offset());
        if (!batch.is_transactional()) {
            return false;
        }
        auto aborted = aborted_.find(batch.producer_id());
        if (aborted != aborted_.end()) {
            aborted->second.observed_batch = true;
            return true;
        }
        committed_.insert(batch.producer_id());
        return false;
    }

    struct control_outcome {
        bool can_discard = false;
        // The .txnindex entry a kept abort marker still needs (its data was met).
        std::optional<aborted_transaction> index_entry;
    };

    // A control batch: whether it may be dropped once its delete horizon has passed.
    control_outcome on_control_batch(const protocol::record_batch_view& batch) {
        consume_aborted_up_to(batch.last_offset());
        if (batch.record_count() == 0) {
            return {.can_discard = true};  // a marker a previous pass emptied
        }
        auto marker = protocol::parse_transaction_marker(batch);
        if (!marker) {
            return {};  // another control record: kept
        }
        samsa::producer_id id = batch.producer_id();
        if (marker.value().type == protocol::control_type::abort) {
            auto aborted = aborted_.find(id);
            control_outcome outcome{.can_discard = true};
            if (aborted != aborted_.end()) {
                if (aborted->second.observed_batch) {
                    outcome = {.can_discard = false, .index_entry = aborted->second.transaction};
                }
                aborted_.erase(aborted);
            }
            return outcome;
        }
        // A commit: droppable when the pass met none of its batches.
        return {.can_discard = committed_.erase(id) == 0};
    }

private:
    void consume_aborted_up_to(offset last) {
        while (next_ < pending_.size() && pending_[next_].first_offset <= last) {
            aborted_[pending_[next_].id] = {.transaction = pending_[next_]};
            ++next_;
        }
    }

    struct ongoing_aborted {
        aborted_transaction transaction;
        bool observed_batch = false;
    };

    std::vector<aborted_transaction> pending_;
    std::size_t next_ = 0;
    std::unordered_map<samsa::producer_id, ongoing_aborted> aborted_;
    std::unordered_set<samsa::producer_id> committed_;
};

// The aborted transactions overlapping [from, to), by first offset.
std::vector<aborted_transaction> aborted_between(const std::vector<aborted_transaction>& all,
                                                 offset from, offset to) {
    std::vector<aborted_transaction> chosen;
    for (const auto& transaction : all) {
        if (overlaps(transaction, from, to)) {
            chosen.push_back(transaction);
        }
    }
    std::sort(chosen.begin(), chosen.end(),
              [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; });
    return chosen;
}

// Maps one batch's keys. Returns false, with past_end set, once the batches reach the first
// uncleanable offset or the map is full (map_end then stops at the first record left out).
bool map_batch(const clean_plan& plan, const protocol::record_batch_view& batch,
               transaction_tracker& transactions, offset_map& map, offset& map_end,
               bool& past_end) {
    if (batch.base_offset() >= plan.first_uncleanable) {
        past_end = true;
        return false;
    }
    if (batch.last_offset() < plan.first_dirty) {
        return true;
    }
    bool skip = batch.is_control() ? (transactions.on_control_batch(batch), true)
                                   : transactions.on_data_batch(batch);
    if (skip) {
        map_end = std::max(map_end, batch.next_offset());
        return true;
    }
    auto records = protocol::record_reader::open(batch, max_uncompressed_batch_bytes);
    if (records) {
        while (true) {
            auto record = records.value().next();
            if (!record || !record.value()) {
                break;  // an unreadable record: the rest of the batch is kept whole
            }
            offset at = protocol::record_offset(batch, *record.value());
            if (at < plan.first_dirty || at >= plan.first_uncleanable) {
                continue;
            }
            if (record.value()->key) {
                if (map.full() && map.get(*record.value()->key) < 0) {
                    // Full: this record and everything after it wait for the next pass.
                    map_end = at;
                    past_end = true;
                    return false;
                }
                map.put(*record.value()->key, at);
            }
            map_end = offset(at.value() + 1);
        }
    }
    map_end = std::max(map_end, std::min(batch.next_offset(), plan.first_uncleanable));
    return true;
}

// Phase 1: the offset map over [first_dirty, first_uncleanable). Returns map_end.
io_result<offset> build_offset_map(const clean_plan& plan, const cleaner_limits& limits,
                                   offset_map& map, std::vector<uint8_t>& buffer,
                                   clean_stats& stats) {
    offset map_end = plan.first_dirty;
    transaction_tracker transactions(
        aborted_between(plan.aborted, plan.first_dirty, plan.first_uncleanable));
    bool past_end = false;
    for (const auto& segment : plan.segments) {
        if (past_end) {
            break;
        }
        if (segment.next_offset <= plan.first_dirty) {
            continue;
        }
        auto visited = for_each_batch(
            segment, plan, limits, buffer, stats, [&](const protocol::record_batch_view& batch) {
                return map_batch(plan, batch, transactions, map, map_end, past_end);
            });
        if (!visited) {
            return failure{visited.error()};
        }
    }
    return map_end;
}

// Groups of consecutive segments, each cleaned into one (Kafka's groupSegmentsBySize).
std::vector<std::vector<const cleaner_source_segment*>> group_segments(const clean_plan& plan,
                                                                       offset map_end) {
    uint64_t max_bytes = static_cast<uint64_t>(std::max(plan.max_segment_bytes, 1));
    // The new segment's indexes get at most one entry per index.interval.bytes of log.
    uint64_t max_index_entries = plan.max_index_bytes / time_index_entry_bytes;
    if (max_index_entries > 1) {
        max_bytes = std::min(
            max_bytes, (max_index_entries - 1) * std::max<uint64_t>(plan.index_interval_bytes, 1));
    }
    std::vector<std::vector<const cleaner_source_segment*>> groups;
    uint64_t group_bytes = 0;
    for (const auto& segment : plan.segments) {
        if (segment.base_offset >= map_end) {
            break;
        }
        bool fits = !groups.empty() && group_bytes + segment.size_bytes <= max_bytes &&
                    segment.next_offset.value() - groups.back().front()->base_offset.value() - 1 <=
                        std::numeric_limits<int32_t>::max();
        if (!fits) {
            groups.emplace_back();
            group_bytes = 0;
        }
        groups.back().push_back(&segment);
        group_bytes += segment.size_bytes;
    }
    return groups;
}

// What the clean phase does with one batch.
struct batch_verdict {
    enum class action : uint8_t { drop, copy, rebuild, empty } what = action::copy;
    std::vector<uint8_t> rebuilt;  // for rebuild and empty
    int64_t delete_horizon_ms = -1;
    std::optional<aborted_transaction> index_entry;
    int32_t records_read = 0;
    int32_t records_kept = 0;
};

class group_cleaner {
public:
    group_cleaner(const clean_plan& plan, const offset_map& map, offset map_end,
                  transaction_tracker& transactions)
        : plan_(plan), map_(map), map_end_(map_end), transactions_(transactions) {}

    int64_t now_ms() const { return plan_.now_ms; }

    batch_verdict judge(const protocol::record_batch_view& batch) const {
        batch_verdict verdict;
        bool can_discard = false;
        if (batch.is_control()) {
            auto outcome = transactions_.on_control_batch(batch);
            can_discard = outcome.can_discard;
            verdict.index_entry = outcome.index_entry;
        } else {
            can_discard = transactions_.on_data_batch(batch);
        }
        std::optional<int64_t> horizon = batch.delete_horizon_ms();
        bool discard_records = batch.is_control()
                                   ? can_discard && horizon.has_value() && *horizon <= plan_.now_ms
                                   : can_discard;
        bool last_of_producer = is_last_of_active_producer(batch);
        if (batch.is_control() && batch.record_count() == 0) {
            // A marker an earlier pass emptied: only a producer's last batch keeps it.
            verdict.what =
                last_of_producer ? batch_verdict::action::copy : batch_verdict::action::drop;
            verdict.index_entry.reset();
            return verdict;
        }
        if (discard_records && !last_of_producer) {
            verdict.what = batch_verdict::action::drop;
            verdict.index_entry.reset();
            return verdict;
        }
        if (batch.is_control()) {
            // Kept whole (a marker holds one record); a droppable one gets its horizon.
            bool needs_horizon = can_discard && !horizon.has_value();
            if (discard_records) {
                verdict.what = batch_verdict::action::empty;
                verdict.rebuilt = protocol::build_empty_batch(batch);
            } else if (needs_horizon) {
                auto reader = protocol::record_reader::open(batch, max_uncompressed_batch_bytes);
                auto all = reader ? read_records(reader.value()) : std::nullopt;
                if (all) {
                    verdict.records_read = verdict.records_kept = static_cast<int32_t>(all->size());
                    return rebuild(batch, std::move(verdict), *all, /*set_horizon=*/true);
                }
            }
            // A horizon counts while something waits for it (a droppable marker).
            verdict.delete_horizon_ms = can_discard ? horizon.value_or(-1) : -1;
            verdict.records_read = verdict.records_kept = batch.record_count();
            return verdict;
        }
        if (discard_records) {
            verdict.what = batch_verdict::action::empty;
            verdict.rebuilt = protocol::build_empty_batch(batch);
            verdict.records_read = batch.record_count();
            return verdict;
        }
        return filter_records(batch, std::move(verdict), last_of_producer);
    }

private:
    bool is_last_of_active_producer(const protocol::record_batch_view& batch) const {
        if (batch.producer_id().value() < 0) {
            return false;
        }
        auto found = plan_.active_producers.find(batch.producer_id());
        if (found == plan_.active_producers.end()) {
            return false;
        }
        if (found->second.last_data_offset.value() >= 0) {
            return batch.last_offset() == found->second.last_data_offset;
        }
        return batch.is_control() && batch.producer_epoch() == found->second.epoch;
    }

    bool keeps(const protocol::record_batch_view& batch, const protocol::record& record) const {
        // Kafka's first rule: the pass decides nothing past what it mapped (an older value of
        // a tombstone's key may lie beyond the map too).
        offset at = protocol::record_offset(batch, record);
        if (at >= map_end_) {
            return true;
        }
        if (!record.key) {
            return false;
        }
        if (at.value() < map_.get(*record.key)) {
            return false;
        }
        if (record.value) {
            return true;
        }
        std::optional<int64_t> horizon = batch.delete_horizon_ms();
        return !horizon || plan_.now_ms < *horizon;
    }

    batch_verdict filter_records(const protocol::record_batch_view& batch, batch_verdict verdict,
                                 bool last_of_producer) const {
        auto reader = protocol::record_reader::open(batch, max_uncompressed_batch_bytes);
        auto all = reader ? read_records(reader.value()) : std::nullopt;
        if (!all) {
            // Unreadable: kept as it is.
            verdict.records_read = verdict.records_kept = batch.record_count();
            return verdict;
        }
        // Views into the batch or the reader's buffer, both alive until the batch is rebuilt.
        std::vector<protocol::record> kept;
        bool keeps_tombstone = false;
        for (const protocol::record& record : *all) {
            if (keeps(batch, record)) {
                kept.push_back(record);
                keeps_tombstone = keeps_tombstone || !record.value;
            }
        }
        verdict.records_read = static_cast<int32_t>(all->size());
        verdict.records_kept = static_cast<int32_t>(kept.size());
        std::optional<int64_t> horizon = batch.delete_horizon_ms();
        bool needs_horizon = keeps_tombstone && !horizon;
        if (kept.empty()) {
            if (last_of_producer) {
                verdict.what = batch_verdict::action::empty;
                verdict.rebuilt = protocol::build_empty_batch(batch);
            } else {
                verdict.what = batch_verdict::action::drop;
            }
            return verdict;
        }
        if (kept.size() == all->size() && !needs_horizon) {
            verdict.what = batch_verdict::action::copy;
            verdict.delete_horizon_ms = keeps_tombstone ? horizon.value_or(-1) : -1;
            return verdict;
        }
        return rebuild(batch, std::move(verdict), kept, needs_horizon);
    }

    // Every record of the batch; nullopt when one cannot be decoded.
    static std::optional<std::vector<protocol::record>> read_records(
        protocol::record_reader& reader) {
        std::vector<protocol::record> records;
        while (true) {
            auto record = reader.next();
            if (!record) {
                return std::nullopt;
            }
            if (!record.value()) {
                return records;
            }
            records.push_back(std::move(*record.value()));
        }
    }

    // The batch rebuilt with the records kept (views that outlive this call), the same base
    // and last offsets, producer fields, codec and record timestamps.
    batch_verdict rebuild(const protocol::record_batch_view& batch, batch_verdict verdict,
                          std::span<const protocol::record> kept, bool set_horizon) const {
        std::optional<int64_t> horizon = batch.delete_horizon_ms();
        if (set_horizon) {
            // delete.retention.ms may be as large as Long.MAX_VALUE: saturate.
            horizon = plan_.delete_retention_ms > std::numeric_limits<int64_t>::max() - plan_.now_ms
                          ? std::numeric_limits<int64_t>::max()
                          : plan_.now_ms + plan_.delete_retention_ms;
        }
        protocol::record_batch_settings settings{
            .base_offset = batch.base_offset(),
            .partition_leader_epoch = batch.partition_leader_epoch(),
            .producer_id = batch.producer_id(),
            .producer_epoch = batch.producer_epoch(),
            .base_sequence = batch.base_sequence(),
            .codec = batch.codec(),
            .timestamp_type = batch.timestamp_type(),
            .log_append_time_ms = batch.max_timestamp_ms(),
            .transactional = batch.is_transactional() ? protocol::transaction_mode::transactional
                                                      : protocol::transaction_mode::none,
            .kind = batch.is_control() ? protocol::batch_kind::control : protocol::batch_kind::data,
            .delete_horizon_ms = horizon,
            .last_offset_delta = batch.last_offset_delta()};
        protocol::record_batch_builder builder(settings);
        std::vector<protocol::record_header> headers;
        bool kept_tombstone = false;
        for (const protocol::record& record : kept) {
            kept_tombstone = kept_tombstone || !record.value;
            headers.assign(record.headers.begin(), record.headers.end());
            builder.append_with_offset_delta(
                record.offset_delta, {.timestamp_ms = protocol::record_timestamp_ms(batch, record),
                                      .key = record.key,
                                      .value = record.value,
                                      .headers = headers});
        }
        auto built = std::move(builder).build();
        if (!built) {
            // A batch too large for its length field after all: keep it as it was.
            verdict.what = batch_verdict::action::copy;
            verdict.records_kept = verdict.records_read = batch.record_count();
            verdict.delete_horizon_ms = -1;
            return verdict;
        }
        verdict.what = batch_verdict::action::rebuild;
        verdict.rebuilt = std::move(built).value();
        // Only a batch still holding a tombstone or a droppable marker waits for its horizon.
        verdict.delete_horizon_ms = set_horizon || kept_tombstone ? horizon.value_or(-1) : -1;
        return verdict;
    }

    const clean_plan& plan_;
    const offset_map& map_;
    offset map_end_;
    transaction_tracker& transactions_;
};

// Appends batches to a staged segment through a bounded buffer.
class segment_writer {
public:
    segment_writer(log_segment& segment, const cleaner_limits& limits, clean_stats& stats)
        : segment_(segment), limits_(limits), stats_(stats) {}

    io_status add(std::span<const uint8_t> batch) {
        auto view = protocol::record_batch_view::parse(batch, protocol::crc_check::skip);
        if (!view) {
            return failure{corrupt(segment_.log_file()->path(), 0, "cleaned batch does not parse")};
        }
        summaries_.push_back({.base_offset = view.value().base_offset(),
                              .last_offset = view.value().last_offset(),
                              .max_timestamp_ms = view.value().max_timestamp_ms(),
                              .size_bytes = static_cast<uint32_t>(batch.size())});
        bytes_.insert(bytes_.end(), batch.begin(), batch.end());
        if (bytes_.size() >= limits_.io_buffer_bytes) {
            return flush();
        }
        return io_ok();
    }

    io_status flush() {
        if (bytes_.empty()) {
            return io_ok();
        }
        if (auto written = segment_.append(bytes_, summaries_); !written) {
            return written;
        }
        stats_.bytes_written += bytes_.size();
        if (limits_.throttle != nullptr) {
            limits_.throttle->record(bytes_.size());
        }
        bytes_.clear();
        summaries_.clear();
        return io_ok();
    }

private:
    log_segment& segment_;
    const cleaner_limits& limits_;
    clean_stats& stats_;
    std::vector<uint8_t> bytes_;
    std::vector<batch_summary> summaries_;
};

io_status write_transaction_index(file_system& fs, const std::filesystem::path& path,
                                  const std::vector<aborted_transaction>& entries) {
    auto file = fs.open(path, open_mode::read_write_create);
    if (!file) {
        return failure{file.error()};
    }
    if (auto cut = file.value()->truncate(0); !cut) {
        return cut;
    }
    std::vector<uint8_t> bytes;
    for (const auto& entry : entries) {
        auto encoded = encode_aborted_transaction(entry);
        bytes.insert(bytes.end(), encoded.begin(), encoded.end());
    }
    if (auto written = file.value()->write_at(0, bytes); !written) {
        return written;
    }
    return fs.sync(*file.value());
}

// Writes what the verdict on one batch keeps of it.
io_status keep_what_stays(const protocol::record_batch_view& batch, const group_cleaner& judge,
                          segment_writer& writer, std::vector<aborted_transaction>& index_entries,
                          clean_outcome& outcome) {
    batch_verdict verdict = judge.judge(batch);
    outcome.stats.records_read += static_cast<uint64_t>(verdict.records_read);
    outcome.stats.records_kept += static_cast<uint64_t>(verdict.records_kept);
    // Only a horizon still ahead makes a later pass due for its sake.
    if (verdict.delete_horizon_ms > judge.now_ms()) {
        outcome.latest_delete_horizon_ms =
            std::max(outcome.latest_delete_horizon_ms, verdict.delete_horizon_ms);
    }
    if (verdict.index_entry) {
        index_entries.push_back(*verdict.index_entry);
    }
    switch (verdict.what) {
        case batch_verdict::action::drop:
            return io_ok();
        case batch_verdict::action::copy:
            return writer.add(batch.bytes());
        case batch_verdict::action::rebuild:
        case batch_verdict::action::empty:
            ++outcome.stats.batches_rebuilt;
            return writer.add(verdict.rebuilt);
    }
    return io_ok();
}

// Phase 2 for one group: writes <base>.*.cleaned.
io_result<cleaned_segment> clean_group(const clean_plan& plan, const cleaner_limits& limits,
                                       const std::vector<const cleaner_source_segment*>& group,
                                       const group_cleaner& judge, std::vector<uint8_t>& buffer,
                                       clean_outcome& outcome) {
    file_system& fs = *plan.fs;
    cleaned_segment cleaned{.base_offset = group.front()->base_offset};
    segment_settings settings{.max_index_bytes = plan.max_index_bytes,
                              .index_interval_bytes = plan.index_interval_bytes};
    auto staged = log_segment::create(fs, plan.dir, cleaned.base_offset, settings, plan.now_ms,
                                      cleaned_file_suffix);
    if (!staged) {
        return failure{staged.error()};
    }
    segment_writer writer(*staged.value(), limits, outcome.stats);
    std::vector<aborted_transaction> index_entries;
    for (const cleaner_source_segment* segment : group) {
        cleaned.replaced.push_back(segment->base_offset);
        outcome.stats.source_bytes += segment->size_bytes;
        io_status written = io_ok();
        auto visited = for_each_batch(*segment, plan, limits, buffer, outcome.stats,
                                      [&](const protocol::record_batch_view& batch) {
                                          written = keep_what_stays(batch, judge, writer,
                                                                    index_entries, outcome);
                                          return written.has_value();
                                      });
        if (!visited) {
            return failure{visited.error()};
        }
        if (!written) {
            return failure{written.error()};
        }
    }
    if (auto flushed = writer.flush(); !flushed) {
        return failure{flushed.error()};
    }
    cleaned.size_bytes = staged.value()->size_bytes();
    if (auto rolled = staged.value()->on_roll(); !rolled) {
        return failure{rolled.error()};
    }
    if (auto synced = staged.value()->sync(); !synced) {
        return failure{synced.error()};
    }
    if (auto closed = staged.value()->close(); !closed) {
        return failure{closed.error()};
    }
    if (!index_entries.empty()) {
        cleaned.has_transaction_index = true;
        auto path = plan.dir / (segment_file_name(cleaned.base_offset, transaction_index::suffix) +
                                std::string(cleaned_file_suffix));
        if (auto written = write_transaction_index(fs, path, index_entries); !written) {
            return failure{written.error()};
        }
    }
    return cleaned;
}

}  // namespace

std::vector<std::filesystem::path> staged_segment_files(const std::filesystem::path& dir,
                                                        offset base_offset, bool with_txn_index,
                                                        std::string_view suffix) {
    std::vector<std::filesystem::path> files;
    std::vector<std::string_view> kinds = {log_segment::index_suffix,
                                           log_segment::time_index_suffix};
    if (with_txn_index) {
        kinds.push_back(transaction_index::suffix);
    }
    kinds.push_back(log_segment::log_suffix);
    for (std::string_view kind : kinds) {
        files.push_back(dir / (segment_file_name(base_offset, kind) + std::string(suffix)));
    }
    return files;
}

void remove_staged_segments(file_system& fs, const std::filesystem::path& dir,
                            const std::vector<cleaned_segment>& segments) {
    for (const auto& segment : segments) {
        for (const auto& path :
             staged_segment_files(dir, segment.base_offset, true, cleaned_file_suffix)) {
            (void)fs.remove(path);
        }
    }
}

io_result<clean_outcome> clean_log(const clean_plan& plan, const cleaner_limits& limits) {
    clean_outcome outcome;
    std::vector<uint8_t> buffer(std::max<std::size_t>(limits.io_buffer_bytes, 64 * 1024));
    offset_map map(limits.map_memory_bytes, limits.map_load_factor);
    auto map_end = build_offset_map(plan, limits, map, buffer, outcome.stats);
    if (!map_end) {
        return failure{map_end.error()};
    }
    outcome.map_end = map_end.value();
    outcome.stats.map_entries = map.size();
    outcome.stats.map_utilization = map.utilization();
    // With nothing mapped (a pass for passed delete horizons alone), the segments below the
    // first dirty offset are still cleaned.
    auto groups = group_segments(plan, outcome.map_end);
    offset clean_end = groups.empty() ? outcome.map_end : groups.back().back()->next_offset;
    offset clean_start =
        plan.segments.empty() ? outcome.map_end : plan.segments.front().base_offset;
    transaction_tracker transactions(aborted_between(plan.aborted, clean_start, clean_end));
    group_cleaner judge(plan, map, outcome.map_end, transactions);
    for (const auto& group : groups) {
        auto cleaned = clean_group(plan, limits, group, judge, buffer, outcome);
        if (!cleaned) {
            // This group's files too.
            std::vector<cleaned_segment> partial = outcome.segments;
            partial.push_back({.base_offset = group.front()->base_offset});
            remove_staged_segments(*plan.fs, plan.dir, partial);
            return failure{cleaned.error()};
        }
        outcome.segments.push_back(std::move(cleaned).value());
    }
    return outcome;
}

}  // namespace samsa::storage
