#include "storage/offset_index.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "base/endian.h"

namespace samsa::storage {

io_result<offset_index> offset_index::open(std::unique_ptr<data_file> file, offset base_offset,
                                           uint32_t max_index_bytes, index_access access) {
    auto mapped =
        mapped_index_file::open(std::move(file), entry_size_bytes, max_index_bytes, access);
    if (!mapped) {
        return failure{mapped.error()};
    }
    return offset_index(std::move(mapped).value(), base_offset);
}

offset_index::offset_index(mapped_index_file file, offset base_offset)
    : file_(std::move(file)), base_offset_(base_offset), last_offset_(base_offset) {
    if (file_.entries() > 0) {
        last_offset_ = entry(file_.entries() - 1).offset;
    }
}

int32_t offset_index::relative_offset(uint32_t n) const {
    return load_big_endian<int32_t>(file_.entry_bytes(n));
}

offset_position offset_index::entry(uint32_t n) const {
    const uint8_t* bytes = file_.entry_bytes(n);
    return {offset(base_offset_.value() + load_big_endian<int32_t>(bytes)),
            load_big_endian<uint32_t>(bytes + 4)};
}

offset_position offset_index::lookup(offset target) const {
    // Compared relative to the base, so no entry needs converting; a target below the
    // base compares below every valid entry.
    auto slot = file_.last_at_or_below(target.value() - base_offset_.value(),
                                       [this](uint32_t n) { return relative_offset(n); });
    if (!slot) {
        return {base_offset_, 0};
    }
    return entry(*slot);
}

bool offset_index::can_append_offset(offset absolute) const {
    return index_relative_offset(base_offset_, absolute).has_value();
}

void offset_index::append(offset absolute, uint32_t position) {
    auto relative = index_relative_offset(base_offset_, absolute);
    SAMSA_ASSERT(relative.has_value(), "offset %lld outside the index of base offset %lld",
                 static_cast<long long>(absolute.value()),
                 static_cast<long long>(base_offset_.value()));
    SAMSA_ASSERT(entries() == 0 || absolute > last_offset_,
                 "offset index %s: append offset %lld after %lld", file_.file().path().c_str(),
                 static_cast<long long>(absolute.value()),
                 static_cast<long long>(last_offset_.value()));
    SAMSA_ASSERT(position <= INT32_MAX, "index position %u beyond 2 GiB", position);
    std::array<uint8_t, entry_size_bytes> bytes;
    store_big_endian(bytes.data(), *relative);
    store_big_endian(bytes.data() + 4, position);
    file_.append(bytes);
    last_offset_ = absolute;
}

void offset_index::truncate_to(offset absolute) {
    // Keep the entries below `absolute`: up to the last one at or below absolute - 1.
    uint32_t kept = 0;
    if (absolute > base_offset_) {
        auto slot = file_.last_at_or_below(absolute.value() - base_offset_.value() - 1,
                                           [this](uint32_t n) { return relative_offset(n); });
        kept = slot ? *slot + 1 : 0;
    }
    if (kept < entries()) {
        file_.truncate_to_entries(kept);
        last_offset_ = kept > 0 ? entry(kept - 1).offset : base_offset_;
    }
}

io_status offset_index::reset() {
    file_.truncate_to_entries(0);
    last_offset_ = base_offset_;
    return file_.resize(file_.max_index_bytes());
}

index_check offset_index::sanity_check() const {
    const auto& path = file_.file().path();
    if (file_.length_bytes() % entry_size_bytes != 0) {
        return failure{corrupt_index{fmt::format(
            "offset index {} is corrupt: its {} bytes are not a whole number of {}-byte entries",
            path.string(), file_.length_bytes(), entry_size_bytes)}};
    }
    if (entries() > 0 && last_offset_ < base_offset_) {
        return failure{corrupt_index{
            fmt::format("offset index {} is corrupt: last offset {} is below the base offset {}",
                        path.string(), last_offset_.value(), base_offset_.value())}};
    }
    if (entries() >= 2 && relative_offset(entries() - 2) >= relative_offset(entries() - 1)) {
        return failure{corrupt_index{fmt::format(
            "offset index {} is corrupt: its last two offsets {} and {} do not increase "
            "(an untrimmed tail)",
            path.string(), entry(entries() - 2).offset.value(), last_offset_.value())}};
    }
    return std::monostate{};
}

}  // namespace samsa::storage
