#include "storage/log_segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "base/assert.h"
#include "base/endian.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_format.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"

namespace samsa::storage {
namespace {

namespace format = protocol::record_batch_format;

io_failure corrupt(const std::filesystem::path& path, uint64_t position, std::string_view why) {
    return {std::make_error_code(std::errc::illegal_byte_sequence),
            fmt::format("{} at {}: {}", path.string(), position, why)};
}

}  // namespace

std::string segment_file_name(offset base_offset, std::string_view suffix) {
    return fmt::format("{:020d}{}", base_offset.value(), suffix);
}

std::optional<offset> parse_segment_file_name(std::string_view name, std::string_view suffix) {
    if (name.size() != 20 + suffix.size() || name.substr(20) != suffix) {
        return std::nullopt;
    }
    int64_t value = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + 20, value);
    if (error != std::errc() || end != name.data() + 20 || value < 0) {
        return std::nullopt;
    }
    return offset(value);
}

log_segment::log_segment(file_system& fs, std::filesystem::path dir, offset base_offset,
                         const segment_settings& settings, int64_t now_ms)
    : fs_(fs),
      dir_(std::move(dir)),
      base_offset_(base_offset),
      settings_(settings),
      created_ms_(now_ms),
      next_offset_(base_offset),
      offset_of_max_timestamp_(base_offset) {}

log_segment::~log_segment() = default;

io_result<std::unique_ptr<log_segment>> log_segment::create(
    file_system& fs, const std::filesystem::path& dir, offset base_offset,
    const segment_settings& settings, int64_t now_ms, std::string_view staging_suffix) {
    std::unique_ptr<log_segment> segment(new log_segment(fs, dir, base_offset, settings, now_ms));
    segment->staging_suffix_ = staging_suffix;
    auto log = fs.open(segment->file_path(log_suffix), open_mode::read_write_create);
    if (!log) {
        return failure{log.error()};
    }
    segment->log_ = std::move(log).value();
    if (auto cut = segment->log_->truncate(0); !cut) {
        return failure{cut.error()};
    }
    if (auto opened = segment->open_indexes(true); !opened) {
        return failure{opened.error()};
    }
    return segment;
}

io_result<std::unique_ptr<log_segment>> log_segment::open(file_system& fs,
                                                          const std::filesystem::path& dir,
                                                          offset base_offset,
                                                          const segment_settings& settings,
                                                          bool recover, int64_t now_ms,
                                                          std::string_view staging_suffix) {
    std::unique_ptr<log_segment> segment(new log_segment(fs, dir, base_offset, settings, now_ms));
    segment->staging_suffix_ = staging_suffix;
    auto log = fs.open(segment->file_path(log_suffix), open_mode::read_write);
    if (!log) {
        return failure{log.error()};
    }
    segment->log_ = std::move(log).value();
    auto size = segment->log_->size();
    if (!size) {
        return failure{size.error()};
    }
    segment->size_bytes_ = size.value();
    bool indexes_usable = !recover;
    if (indexes_usable) {
        auto index_exists = fs.exists(segment->file_path(index_suffix));
        auto time_exists = fs.exists(segment->file_path(time_index_suffix));
        indexes_usable = index_exists && index_exists.value() && time_exists && time_exists.value();
    }
    if (auto opened = segment->open_indexes(false); !opened) {
        return failure{opened.error()};
    }
    if (indexes_usable) {
        indexes_usable =
            segment->offset_index_->sanity_check() && segment->time_index_->sanity_check();
    }
    if (indexes_usable) {
        if (auto loaded = segment->load_tail_state(); !loaded) {
            indexes_usable = false;  // an index pointing past the data: rebuild it
        }
    }
    if (!indexes_usable) {
        auto recovered = segment->recover();
        if (!recovered) {
            return failure{recovered.error()};
        }
    }
    return segment;
}

std::filesystem::path log_segment::file_path(std::string_view kind) const {
    return dir_ / (segment_file_name(base_offset_, kind) + staging_suffix_);
}

io_status log_segment::open_indexes(bool create_new) {
    auto index_file = fs_.open(file_path(index_suffix), open_mode::read_write_create);
    if (!index_file) {
        return failure{index_file.error()};
    }
    auto time_file = fs_.open(file_path(time_index_suffix), open_mode::read_write_create);
    if (!time_file) {
        return failure{time_file.error()};
    }
    if (create_new) {
        if (auto cut = index_file.value()->truncate(0); !cut) {
            return cut;
        }
        if (auto cut = time_file.value()->truncate(0); !cut) {
            return cut;
        }
    }
    auto index = offset_index::open(std::move(index_file).value(), base_offset_,
                                    settings_.max_index_bytes, index_access::read_write);
    if (!index) {
        return failure{index.error()};
    }
    auto times = time_index::open(std::move(time_file).value(), base_offset_,
                                  settings_.max_index_bytes, index_access::read_write);
    if (!times) {
        return failure{times.error()};
    }
    offset_index_ = std::make_unique<offset_index>(std::move(index).value());
    time_index_ = std::make_unique<time_index>(std::move(times).value());
    return io_ok();
}

// After a clean open: the next offset and the largest timestamp, from the last index
// entries and a scan of the batches after them.
io_status log_segment::load_tail_state() {
    auto last_time = time_index_->last_entry();
    if (last_time.timestamp_ms >= 0) {
        max_timestamp_ms_ = last_time.timestamp_ms;
        offset_of_max_timestamp_ = last_time.offset;
    }
    uint64_t position = offset_index_->entries() == 0
                            ? 0
                            : offset_index_->entry(offset_index_->entries() - 1).position;
    if (position > size_bytes_) {
        return failure{corrupt(log_->path(), position, "index entry past the end of the log")};
    }
    next_offset_ = base_offset_;
    while (position < size_bytes_) {
        auto header = read_batch_header(position);
        if (!header) {
            return failure{header.error()};
        }
        if (!header.value()) {
            return failure{corrupt(log_->path(), position, "incomplete batch")};
        }
        const batch_summary& batch = *header.value();
        next_offset_ = offset(batch.last_offset.value() + 1);
        if (batch.max_timestamp_ms > max_timestamp_ms_) {
            max_timestamp_ms_ = batch.max_timestamp_ms;
            offset_of_max_timestamp_ = batch.last_offset;
        }
        position += batch.size_bytes;
    }
    return io_ok();
}

int64_t log_segment::largest_timestamp_ms() const {
    return max_timestamp_ms_ >= 0 ? max_timestamp_ms_ : created_ms_;
}

int64_t log_segment::first_batch_timestamp_ms() const {
    if (!first_batch_timestamp_ms_ && !empty()) {
        auto first = read_batch_header(0);
        first_batch_timestamp_ms_ = first && first.value() ? first.value()->max_timestamp_ms : -1;
    }
    return first_batch_timestamp_ms_.value_or(-1);
}

int64_t log_segment::time_waited_for_roll(int64_t now_ms, int64_t incoming_max_timestamp_ms) const {
    int64_t first_timestamp_ms = first_batch_timestamp_ms();
    if (first_timestamp_ms >= 0) {
        return incoming_max_timestamp_ms - first_timestamp_ms;
    }
    return now_ms - created_ms_;
}

bool log_segment::can_hold_offset(offset value) const {
    int64_t relative = value.value() - base_offset_.value();
    return relative >= 0 && relative <= INT32_MAX;
}

bool log_segment::index_full() const {
    return offset_index_->is_full() || time_index_->is_full();
}

io_result<std::optional<batch_summary>> log_segment::read_batch_header(uint64_t position) const {
    std::array<uint8_t, format::header_size_bytes> header{};
    if (position + header.size() > size_bytes_) {
        return std::optional<batch_summary>();
    }
    auto read = log_->read_at(position, header);
    if (!read) {
        return failure{read.error()};
    }
    if (read.value() < header.size()) {
        return std::optional<batch_summary>();
    }
    int64_t base = load_big_endian<int64_t>(header.data() + format::base_offset_position);
    int32_t length = load_big_endian<int32_t>(header.data() + format::batch_length_position);
    int32_t last_delta =
        load_big_endian<int32_t>(header.data() + format::last_offset_delta_position);
    int64_t max_timestamp =
        load_big_endian<int64_t>(header.data() + format::max_timestamp_position);
    // A negative base offset, or a last offset at or past INT64_MAX, is corruption too.
    if (length < format::min_batch_length || last_delta < 0 || base < 0 ||
        base >= std::numeric_limits<int64_t>::max() - last_delta ||
        position + format::log_overhead_bytes + static_cast<uint64_t>(length) > size_bytes_) {
        return std::optional<batch_summary>();
    }
    return std::optional<batch_summary>(
        batch_summary{.base_offset = offset(base),
                      .last_offset = offset(base + last_delta),
                      .max_timestamp_ms = max_timestamp,
                      .size_bytes = static_cast<uint32_t>(format::log_overhead_bytes + length)});
}

void log_segment::index_batch(uint64_t position, const batch_summary& batch) {
    if (batch.max_timestamp_ms > max_timestamp_ms_) {
        max_timestamp_ms_ = batch.max_timestamp_ms;
        offset_of_max_timestamp_ = batch.last_offset;
    }
    if (bytes_since_last_index_entry_ > settings_.index_interval_bytes) {
        if (!offset_index_->is_full()) {
            offset_index_->append(batch.last_offset, static_cast<uint32_t>(position));
        }
        if (!time_index_->is_full()) {
            time_index_->maybe_append(max_timestamp_ms_, offset_of_max_timestamp_);
        }
        bytes_since_last_index_entry_ = 0;
    }
    bytes_since_last_index_entry_ += batch.size_bytes;
}

io_status log_segment::append(std::span<const uint8_t> bytes,
                              std::span<const batch_summary> batches) {
    SAMSA_ASSERT(!batches.empty(), "append of no batches");
    SAMSA_ASSERT(batches.front().base_offset >= next_offset_,
                 "append at %lld below next offset %lld",
                 static_cast<long long>(batches.front().base_offset.value()),
                 static_cast<long long>(next_offset_.value()));
    if (auto written = log_->write_at(size_bytes_, bytes); !written) {
        // A partial write may be on disk; recovery cuts it. Keep the size we know is whole.
        return written;
    }
    if (empty()) {
        first_batch_timestamp_ms_ = batches.front().max_timestamp_ms;
    }
    uint64_t position = size_bytes_;
    for (const batch_summary& batch : batches) {
        index_batch(position, batch);
        position += batch.size_bytes;
    }
    SAMSA_ASSERT(position == size_bytes_ + bytes.size(), "batch sizes disagree with the bytes");
    size_bytes_ = position;
    next_offset_ = offset(batches.back().last_offset.value() + 1);
    return io_ok();
}

io_result<std::optional<batch_location>> log_segment::find_batch(offset target) const {
    uint64_t position = offset_index_->lookup(target).position;
    while (position < size_bytes_) {
        auto header = read_batch_header(position);
        if (!header) {
            return failure{header.error()};
        }
        if (!header.value()) {
            return failure{corrupt(log_->path(), position, "unreadable batch header")};
        }
        if (header.value()->last_offset >= target) {
            return std::optional<batch_location>(batch_location{position, *header.value()});
        }
        position += header.value()->size_bytes;
    }
    return std::optional<batch_location>();
}

io_result<std::optional<segment_slice>> log_segment::read(offset start, uint32_t max_bytes,
                                                          offset max_offset,
                                                          bool min_one_batch) const {
    auto first = find_batch(start);
    if (!first) {
        return failure{first.error()};
    }
    if (!first.value() || first.value()->batch.last_offset >= max_offset) {
        return std::optional<segment_slice>();
    }
    segment_slice slice{.position = first.value()->position,
                        .first_offset = first.value()->batch.base_offset};
    uint64_t position = slice.position;
    batch_summary batch = first.value()->batch;
    while (true) {
        bool fits = slice.size_bytes + static_cast<uint64_t>(batch.size_bytes) <= max_bytes;
        bool forced = slice.size_bytes == 0 && min_one_batch;
        if (!fits && !forced) {
            break;
        }
        slice.size_bytes += batch.size_bytes;
        slice.next_offset = offset(batch.last_offset.value() + 1);
        position += batch.size_bytes;
        if (position >= size_bytes_) {
            break;
        }
        auto next = read_batch_header(position);
        if (!next) {
            return failure{next.error()};
        }
        if (!next.value() || next.value()->last_offset >= max_offset) {
            break;
        }
        batch = *next.value();
    }
    if (slice.size_bytes == 0) {
        return std::optional<segment_slice>();
    }
    return std::optional<segment_slice>(slice);
}

io_result<std::optional<std::pair<int64_t, offset>>> log_segment::find_offset_by_timestamp(
    int64_t timestamp_ms, offset start) const {
    using answer = std::optional<std::pair<int64_t, offset>>;
    offset from = std::max(time_index_->lookup(timestamp_ms).offset, start);
    auto located = find_batch(from);
    if (!located) {
        return failure{located.error()};
    }
    if (!located.value()) {
        return answer();
    }
    uint64_t position = located.value()->position;
    while (position < size_bytes_) {
        auto header = read_batch_header(position);
        if (!header) {
            return failure{header.error()};
        }
        if (!header.value()) {
            break;
        }
        const batch_summary& batch = *header.value();
        if (batch.max_timestamp_ms >= timestamp_ms) {
            // The batch holds a record at or after the target: find the first one.
            std::vector<uint8_t> bytes(batch.size_bytes);
            auto read = log_->read_at(position, bytes);
            if (!read) {
                return failure{read.error()};
            }
            auto view = protocol::record_batch_view::parse(bytes, protocol::crc_check::skip);
            if (!view) {
                return failure{corrupt(log_->path(), position, to_string(view.error()))};
            }
            if (view.value().timestamp_type() == protocol::timestamp_type::log_append_time) {
                offset first = std::max(view.value().base_offset(), start);
                return answer({view.value().max_timestamp_ms(), first});
            }
            // Bounded like a fetch: a batch never decompresses to more than this.
            constexpr std::size_t max_uncompressed_bytes = 256 * 1024 * 1024;
            auto reader = protocol::record_reader::open(view.value(), max_uncompressed_bytes);
            if (!reader) {
                return failure{corrupt(log_->path(), position, to_string(reader.error()))};
            }
            std::optional<std::pair<int64_t, offset>> found;
            while (!found) {
                auto next = reader.value().next();
                if (!next) {
                    return failure{corrupt(log_->path(), position, to_string(next.error()))};
                }
                if (!next.value()) {
                    break;
                }
                offset record_at = protocol::record_offset(view.value(), *next.value());
                int64_t record_time = protocol::record_timestamp_ms(view.value(), *next.value());
                if (record_at >= start && record_time >= timestamp_ms) {
                    found = std::pair{record_time, record_at};
                }
            }
            if (found) {
                return answer(found);
            }
        }
        position += batch.size_bytes;
    }
    return answer();
}

io_result<uint64_t> log_segment::recover() {
    if (auto reset = offset_index_->reset(); !reset) {
        return failure{reset.error()};
    }
    if (auto reset = time_index_->reset(); !reset) {
        return failure{reset.error()};
    }
    bytes_since_last_index_entry_ = 0;
    max_timestamp_ms_ = -1;
    offset_of_max_timestamp_ = base_offset_;
    next_offset_ = base_offset_;
    first_batch_timestamp_ms_.reset();
    uint64_t file_size = size_bytes_;
    uint64_t position = 0;
    std::vector<uint8_t> buffer;
    while (position < file_size) {
        auto header = read_batch_header(position);
        if (!header) {
            return failure{header.error()};
        }
        if (!header.value()) {
            break;  // a torn tail: not even a complete header or length
        }
        const batch_summary& batch = *header.value();
        if (batch.base_offset < next_offset_ || !can_hold_offset(batch.last_offset)) {
            break;
        }
        buffer.resize(batch.size_bytes);
        auto read = log_->read_at(position, buffer);
        if (!read) {
            return failure{read.error()};
        }
        if (read.value() < buffer.size() ||
            !protocol::record_batch_view::parse(buffer, protocol::crc_check::verify)) {
            break;
        }
        if (position == 0) {
            first_batch_timestamp_ms_ = batch.max_timestamp_ms;
        }
        index_batch(position, batch);
        next_offset_ = offset(batch.last_offset.value() + 1);
        position += batch.size_bytes;
    }
    uint64_t cut = file_size - position;
    bytes_cut_by_recovery_ += cut;
    if (cut > 0) {
        if (auto truncated = log_->truncate(position); !truncated) {
            return failure{truncated.error()};
        }
        size_bytes_ = position;
    }
    return cut;
}

io_result<uint64_t> log_segment::truncate_to(offset end) {
    auto located = find_batch(end);
    if (!located) {
        return failure{located.error()};
    }
    if (!located.value()) {
        return uint64_t{0};
    }
    uint64_t position = located.value()->position;
    uint64_t cut = size_bytes_ - position;
    if (auto truncated = log_->truncate(position); !truncated) {
        return failure{truncated.error()};
    }
    size_bytes_ = position;
    // Indexes: rebuild from what is left; simpler than Kafka's partial truncation and the
    // same result.
    if (auto rebuilt = recover(); !rebuilt) {
        return failure{rebuilt.error()};
    }
    return cut;
}

io_status log_segment::prepare_for_appends() {
    if (auto resized = offset_index_->resize(settings_.max_index_bytes); !resized) {
        return resized;
    }
    return time_index_->resize(settings_.max_index_bytes);
}

void log_segment::append_final_time_index_entry() {
    // Kafka's onBecomeInactiveSegment: the largest timestamp gets an entry, in the slot the
    // time index keeps for it, so a reopened segment knows it without a scan.
    if (max_timestamp_ms_ >= 0 && time_index_->can_append_offset(offset_of_max_timestamp_) &&
        time_index_->entries() < time_index_->max_entries()) {
        time_index_->maybe_append(max_timestamp_ms_, offset_of_max_timestamp_, reserved_slot::use);
    }
}

io_status log_segment::on_roll() {
    append_final_time_index_entry();
    if (auto trimmed = offset_index_->trim_to_valid_size(); !trimmed) {
        return trimmed;
    }
    return time_index_->trim_to_valid_size();
}

io_status log_segment::sync() {
    if (auto synced = fs_.sync(*log_); !synced) {
        return synced;
    }
    if (auto synced = fs_.sync(offset_index_->file()); !synced) {
        return synced;
    }
    return fs_.sync(time_index_->file());
}

io_result<std::vector<std::filesystem::path>> log_segment::rename_with_suffix(
    std::string_view suffix) {
    std::vector<std::filesystem::path> renamed;
    for (std::string_view kind : {log_suffix, index_suffix, time_index_suffix}) {
        auto from = file_path(kind);
        auto to = from;
        to += std::string(suffix);
        if (auto moved = fs_.rename(from, to); !moved) {
            return failure{moved.error()};
        }
        renamed.push_back(to);
    }
    return renamed;
}

io_status log_segment::close() {
    append_final_time_index_entry();
    if (auto closed = offset_index_->close(); !closed) {
        return closed;
    }
    return time_index_->close();
}

}  // namespace samsa::storage
