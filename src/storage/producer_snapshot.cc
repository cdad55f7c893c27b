#include "storage/producer_snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

#include "base/crc32c.h"
#include "base/endian.h"
#include "storage/log_segment.h"

namespace samsa::storage {
namespace {

constexpr std::size_t crc_position = 2;
constexpr std::size_t crc_coverage_start = crc_position + 4;
constexpr std::size_t count_position = crc_coverage_start;
constexpr std::size_t offset_digits = 20;

io_failure corrupt(const std::filesystem::path& file, std::string_view why) {
    return io_failure{std::make_error_code(std::errc::bad_message),
                      fmt::format("producer snapshot {} is corrupt: {}", file.string(), why)};
}

class entry_writer {
public:
    explicit entry_writer(std::vector<uint8_t>& out) : out_(out) {}

    template <typename T>
    entry_writer& put(T value) {
        std::size_t at = out_.size();
        out_.resize(at + sizeof(T));
        store_big_endian<T>(out_.data() + at, value);
        return *this;
    }

private:
    std::vector<uint8_t>& out_;
};

// Entries are read only after the size has been checked against the count.
producer_entry decode_entry(const uint8_t* bytes) {
    producer_entry entry;
    entry.id = producer_id(load_big_endian<int64_t>(bytes));
    entry.epoch = producer_epoch(load_big_endian<int16_t>(bytes + 8));
    int32_t last_sequence = load_big_endian<int32_t>(bytes + 10);
    int64_t last_offset = load_big_endian<int64_t>(bytes + 14);
    int32_t offset_delta = load_big_endian<int32_t>(bytes + 22);
    entry.last_timestamp_ms = load_big_endian<int64_t>(bytes + 26);
    entry.coordinator_epoch = load_big_endian<int32_t>(bytes + 34);
    int64_t txn_first_offset = load_big_endian<int64_t>(bytes + 38);
    if (txn_first_offset >= 0) {
        entry.current_txn_first_offset = offset(txn_first_offset);
    }
    // Kafka keeps the batch only when the entry has one (last_offset >= 0); the sequence
    // range of a v2 batch is as long as its offset range.
    if (last_offset >= 0) {
        batch_metadata batch;
        batch.last_sequence = last_sequence;
        batch.first_sequence = decrement_sequence(last_sequence, std::max(offset_delta, 0));
        batch.last_offset = offset(last_offset);
        batch.first_offset = offset(last_offset - std::max(offset_delta, 0));
        batch.timestamp_ms = entry.last_timestamp_ms;
        entry.batches.push_back(batch);
    }
    return entry;
}

std::optional<offset> snapshot_offset_of(std::string_view name) {
    if (name.size() != offset_digits + producer_snapshot_suffix.size() ||
        !name.ends_with(producer_snapshot_suffix)) {
        return std::nullopt;
    }
    int64_t value = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + offset_digits, value);
    if (error != std::errc() || end != name.data() + offset_digits || value < 0) {
        return std::nullopt;
    }
    return offset(value);
}

template <typename Keep>
io_status delete_snapshots_where(file_system& fs, const std::filesystem::path& dir, Keep keep) {
    auto offsets = list_producer_snapshots(fs, dir);
    if (!offsets) {
        return failure{offsets.error()};
    }
    bool removed = false;
    for (offset snapshot : offsets.value()) {
        if (keep(snapshot)) {
            continue;
        }
        if (auto gone = fs.remove(producer_snapshot_path(dir, snapshot)); !gone) {
            return gone;
        }
        removed = true;
    }
    return removed ? fs.sync_directory(dir) : io_ok();
}

}  // namespace

std::vector<uint8_t> encode_producer_snapshot(const producer_state_table& table) {
    std::vector<const producer_entry*> entries;
    entries.reserve(table.size());
    for (const auto& [id, entry] : table.entries()) {
        entries.push_back(&entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const producer_entry* a, const producer_entry* b) { return a->id < b->id; });

    std::vector<uint8_t> bytes;
    bytes.reserve(producer_snapshot_header_bytes + entries.size() * producer_snapshot_entry_bytes);
    entry_writer out(bytes);
    out.put<int16_t>(producer_snapshot_version).put<uint32_t>(0);
    out.put<int32_t>(static_cast<int32_t>(entries.size()));
    for (const producer_entry* entry : entries) {
        const batch_metadata* last = entry->batches.empty() ? nullptr : &entry->batches.back();
        out.put<int64_t>(entry->id.value())
            .put<int16_t>(entry->epoch.value())
            .put<int32_t>(last ? last->last_sequence : -1)
            .put<int64_t>(last ? last->last_offset.value() : -1)
            .put<int32_t>(
                last ? static_cast<int32_t>(last->last_offset.value() - last->first_offset.value())
                     : 0)
            .put<int64_t>(entry->last_timestamp_ms)
            .put<int32_t>(entry->coordinator_epoch)
            .put<int64_t>(entry->current_txn_first_offset ? entry->current_txn_first_offset->value()
                                                          : -1);
    }
    store_big_endian<uint32_t>(bytes.data() + crc_position,
                               crc32c(std::span(bytes).subspan(crc_coverage_start)));
    return bytes;
}

io_result<std::vector<producer_entry>> decode_producer_snapshot(const std::filesystem::path& file,
                                                                std::span<const uint8_t> bytes) {
    if (bytes.size() < producer_snapshot_header_bytes) {
        return failure{
            corrupt(file, fmt::format("{} bytes, shorter than its header", bytes.size()))};
    }
    int16_t version = load_big_endian<int16_t>(bytes.data());
    if (version != producer_snapshot_version) {
        return failure{corrupt(file, fmt::format("unknown version {}", version))};
    }
    uint32_t stored_crc = load_big_endian<uint32_t>(bytes.data() + crc_position);
    uint32_t computed_crc = crc32c(bytes.subspan(crc_coverage_start));
    if (stored_crc != computed_crc) {
        return failure{corrupt(
            file, fmt::format("stored CRC {:#010x}, computed {:#010x}", stored_crc, computed_crc))};
    }
    int32_t count = load_big_endian<int32_t>(bytes.data() + count_position);
    std::size_t entry_bytes = bytes.size() - producer_snapshot_header_bytes;
    if (count < 0 || entry_bytes % producer_snapshot_entry_bytes != 0 ||
        entry_bytes / producer_snapshot_entry_bytes != static_cast<std::size_t>(count)) {
        return failure{corrupt(file, fmt::format("{} entries in {} bytes", count, bytes.size()))};
    }
    std::vector<producer_entry> entries;
    entries.reserve(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
        entries.push_back(decode_entry(bytes.data() + producer_snapshot_header_bytes +
                                       i * producer_snapshot_entry_bytes));
    }
    return entries;
}

producer_state_table restore_producer_state(std::string partition_name, offset snapshot_offset,
                                            std::vector<producer_entry> entries) {
    producer_state_table table(std::move(partition_name), snapshot_offset);
    for (producer_entry& entry : entries) {
        table.load_entry(std::move(entry));
    }
    return table;
}

std::filesystem::path producer_snapshot_path(const std::filesystem::path& partition_dir,
                                             offset snapshot_offset) {
    return partition_dir / segment_file_name(snapshot_offset, producer_snapshot_suffix);
}

io_status write_producer_snapshot(file_system& fs, const std::filesystem::path& partition_dir,
                                  const producer_state_table& table) {
    std::vector<uint8_t> bytes = encode_producer_snapshot(table);
    return write_file_atomically(fs, producer_snapshot_path(partition_dir, table.map_end_offset()),
                                 bytes);
}

io_result<std::vector<producer_entry>> read_producer_snapshot(
    file_system& fs, const std::filesystem::path& partition_dir, offset snapshot_offset) {
    std::filesystem::path file = producer_snapshot_path(partition_dir, snapshot_offset);
    auto contents = read_small_file(fs, file, producer_snapshot_max_bytes);
    if (!contents) {
        return failure{contents.error()};
    }
    const std::string& text = contents.value();
    return decode_producer_snapshot(
        file, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

io_result<std::vector<offset>> list_producer_snapshots(file_system& fs,
                                                       const std::filesystem::path& partition_dir) {
    auto names = fs.list(partition_dir);
    if (!names) {
        return failure{names.error()};
    }
    std::vector<offset> offsets;
    for (const std::string& name : names.value()) {
        if (auto snapshot = snapshot_offset_of(name)) {
            offsets.push_back(*snapshot);
        }
    }
    std::sort(offsets.begin(), offsets.end());
    return offsets;
}

io_status delete_producer_snapshots_below(file_system& fs,
                                          const std::filesystem::path& partition_dir, offset end) {
    return delete_snapshots_where(fs, partition_dir,
                                  [end](offset snapshot) { return snapshot >= end; });
}

io_status delete_producer_snapshots_above(file_system& fs,
                                          const std::filesystem::path& partition_dir, offset end) {
    return delete_snapshots_where(fs, partition_dir,
                                  [end](offset snapshot) { return snapshot <= end; });
}

}  // namespace samsa::storage
