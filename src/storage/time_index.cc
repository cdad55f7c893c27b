#include "storage/time_index.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "base/endian.h"

namespace samsa::storage {

io_result<time_index> time_index::open(std::unique_ptr<data_file> file, offset base_offset,
                                       uint32_t max_index_bytes, index_access access) {
    auto mapped =
        mapped_index_file::open(std::move(file), entry_size_bytes, max_index_bytes, access);
    if (!mapped) {
        return failure{mapped.error()};
    }
    return time_index(std::move(mapped).value(), base_offset);
}

time_index::time_index(mapped_index_file file, offset base_offset)
    : file_(std::move(file)), base_offset_(base_offset), last_entry_(empty_entry()) {
    if (file_.entries() > 0) {
        last_entry_ = entry(file_.entries() - 1);
    }
}

int64_t time_index::timestamp_ms(uint32_t n) const {
    return load_big_endian<int64_t>(file_.entry_bytes(n));
}

int32_t time_index::relative_offset(uint32_t n) const {
    return load_big_endian<int32_t>(file_.entry_bytes(n) + 8);
}

timestamp_offset time_index::entry(uint32_t n) const {
    return {timestamp_ms(n), offset(base_offset_.value() + relative_offset(n))};
}

timestamp_offset time_index::lookup(int64_t target_timestamp_ms) const {
    auto slot =
        file_.last_at_or_below(target_timestamp_ms, [this](uint32_t n) { return timestamp_ms(n); });
    if (!slot) {
        return empty_entry();
    }
    return entry(*slot);
}

bool time_index::can_append_offset(offset absolute) const {
    return index_relative_offset(base_offset_, absolute).has_value();
}

void time_index::maybe_append(int64_t timestamp_ms, offset absolute, reserved_slot slot) {
    SAMSA_ASSERT(file_.writable(), "append to read-only time index %s",
                 file_.file().path().c_str());
    // Checked only against an existing entry: at the roll of an empty segment the caller
    // passes its "no timestamp yet" pair (-1, -1), which appends nothing.
    SAMSA_ASSERT(entries() == 0 || absolute >= last_entry_.offset,
                 "time index %s: offset %lld after %lld", file_.file().path().c_str(),
                 static_cast<long long>(absolute.value()),
                 static_cast<long long>(last_entry_.offset.value()));
    if (timestamp_ms <= last_entry_.timestamp_ms) {
        return;
    }
    auto relative = index_relative_offset(base_offset_, absolute);
    SAMSA_ASSERT(relative.has_value(), "offset %lld outside the time index of base offset %lld",
                 static_cast<long long>(absolute.value()),
                 static_cast<long long>(base_offset_.value()));
    SAMSA_ASSERT(slot == reserved_slot::use || !is_full(), "append to full time index %s",
                 file_.file().path().c_str());
    std::array<uint8_t, entry_size_bytes> bytes;
    store_big_endian(bytes.data(), timestamp_ms);
    store_big_endian(bytes.data() + 8, *relative);
    file_.append(bytes);  // asserts a free slot, the reserved one included
    last_entry_ = {timestamp_ms, absolute};
}

void time_index::truncate_to(offset absolute) {
    // Keep the entries below `absolute`: up to the last one at or below absolute - 1.
    // Offsets may repeat (never decrease), and the search resolves to the last repeat.
    uint32_t kept = 0;
    if (absolute > base_offset_) {
        auto found = file_.last_at_or_below(absolute.value() - base_offset_.value() - 1,
                                            [this](uint32_t n) { return relative_offset(n); });
        kept = found ? *found + 1 : 0;
    }
    if (kept < entries()) {
        file_.truncate_to_entries(kept);
        last_entry_ = kept > 0 ? entry(kept - 1) : empty_entry();
    }
}

io_status time_index::reset() {
    file_.truncate_to_entries(0);
    last_entry_ = empty_entry();
    return file_.resize(file_.max_index_bytes());
}

index_check time_index::sanity_check() const {
    const auto& path = file_.file().path();
    if (file_.length_bytes() % entry_size_bytes != 0) {
        return failure{corrupt_index{fmt::format(
            "time index {} is corrupt: its {} bytes are not a whole number of {}-byte entries",
            path.string(), file_.length_bytes(), entry_size_bytes)}};
    }
    if (entries() == 0) {
        return std::monostate{};
    }
    if (last_entry_.timestamp_ms < timestamp_ms(0)) {
        return failure{corrupt_index{
            fmt::format("time index {} is corrupt: last timestamp {} is below the first {}",
                        path.string(), last_entry_.timestamp_ms, timestamp_ms(0))}};
    }
    if (last_entry_.offset < base_offset_) {
        return failure{corrupt_index{
            fmt::format("time index {} is corrupt: last offset {} is below the base offset {}",
                        path.string(), last_entry_.offset.value(), base_offset_.value())}};
    }
    if (entries() >= 2 && timestamp_ms(entries() - 2) >= last_entry_.timestamp_ms) {
        return failure{corrupt_index{fmt::format(
            "time index {} is corrupt: its last two timestamps {} and {} do not increase "
            "(an untrimmed tail)",
            path.string(), timestamp_ms(entries() - 2), last_entry_.timestamp_ms)}};
    }
    return std::monostate{};
}

}  // namespace samsa::storage
