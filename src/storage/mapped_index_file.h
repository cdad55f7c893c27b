#pragma once

// The file mechanics Kafka's segment indexes share (AbstractIndex.java): a file of
// fixed-size entries, memory-mapped whole (MAP_SHARED), preallocated when created so that
// appends are stores into the mapping, and trimmed to its entries when its segment rolls
// or closes. offset_index.h and time_index.h give the bytes of an entry their meaning;
// this class knows only entry sizes and counts.
//
// Invariants: entries() <= max_entries(); the mapping covers [0, length_bytes()) and the
// file is at least that long; max_entries() == length_bytes() / entry_size_bytes().
//
// Ownership: one shard at a time (like data_file); nothing here locks. Kafka needs a
// remap lock because fetch threads read while the request thread resizes; here the owner
// is the only reader.
//
// Durability: appends only dirty the page cache. The owner flushes with
// file_system::sync(file()) or async_sync(file()): on Linux fsync and fdatasync write back
// pages dirtied through a shared mapping too, so msync is not needed.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "base/assert.h"
#include "base/ids.h"
#include "base/result.h"
#include "storage/file_system.h"

namespace samsa::storage {

enum class index_access : uint8_t {
    read_only,   // mapped PROT_READ; the file may be opened open_mode::read_only
    read_write,  // mapped PROT_READ | PROT_WRITE; the file must be opened for writing
};

// A sanity check found an index that cannot be right; the owner deletes it and rebuilds it
// from the segment's log (Kafka's CorruptIndexException).
struct corrupt_index {
    std::string message;  // names the file and what is wrong
};
using index_check = result<std::monostate, corrupt_index>;

// Both indexes store an offset as 4 bytes relative to the segment's base offset (Kafka's
// AbstractIndex.toRelative); nullopt when it does not fit.
inline std::optional<int32_t> index_relative_offset(offset base_offset, offset absolute) {
    int64_t relative = absolute.value() - base_offset.value();
    if (relative < 0 || relative > INT32_MAX) {
        return std::nullopt;
    }
    return static_cast<int32_t>(relative);
}

class mapped_index_file {
public:
    // Maps `file`. An empty file opened read_write is new: it is preallocated (zeros) to
    // max_index_bytes rounded down to a multiple of entry_size_bytes and has no entries.
    // Any other file is taken to be trimmed: its entries are its length / entry size (an
    // index left untrimmed by a crash looks full of zero entries; recovery rebuilds it).
    // Fails when max_index_bytes cannot hold one entry (a bad segment.index.bytes) and on
    // I/O or mmap errors.
    static io_result<mapped_index_file> open(std::unique_ptr<data_file> file,
                                             uint32_t entry_size_bytes, uint32_t max_index_bytes,
                                             index_access access);

    mapped_index_file(mapped_index_file&& other) noexcept;
    mapped_index_file& operator=(mapped_index_file&& other) noexcept;
    mapped_index_file(const mapped_index_file&) = delete;
    mapped_index_file& operator=(const mapped_index_file&) = delete;
    // Unmaps without trimming: close() is the orderly way, the destructor the safe one.
    ~mapped_index_file();

    uint32_t entry_size_bytes() const { return entry_size_bytes_; }
    uint32_t entries() const { return entries_; }
    uint32_t max_entries() const {
        return static_cast<uint32_t>(length_bytes_ / entry_size_bytes_);
    }
    // The size new and reset files are preallocated to, as given to open().
    uint32_t max_index_bytes() const { return max_index_bytes_; }
    // The file's length, a multiple of the entry size unless the file is corrupt.
    uint64_t length_bytes() const { return length_bytes_; }
    bool writable() const { return access_ == index_access::read_write; }
    data_file& file() { return *file_; }
    const data_file& file() const { return *file_; }

    // The bytes of entry n < entries().
    const uint8_t* entry_bytes(uint32_t n) const {
        SAMSA_ASSERT(n < entries_, "index %s: entry %u of %u", file_->path().c_str(), n, entries_);
        return mapping_ + static_cast<uint64_t>(n) * entry_size_bytes_;
    }

    // Stores one entry (entry_size_bytes() bytes) after the last. Precondition: writable
    // and entries() < max_entries().
    void append(std::span<const uint8_t> entry);
    // Forgets the entries from `count` on (their bytes stay until overwritten or trimmed).
    void truncate_to_entries(uint32_t count);

    // Sets the file's length (and the mapping's) to size_bytes rounded down to a multiple
    // of the entry size, but never below the entries in use: a smaller segment.index.bytes
    // makes the index full rather than losing entries. Used with max_index_bytes when a
    // segment becomes the active one again, and by trim_to_valid_size().
    io_status resize(uint64_t size_bytes);
    // Cuts the preallocated tail: length = entries * entry size. On roll and close.
    io_status trim_to_valid_size() { return resize(uint64_t{entries_} * entry_size_bytes_); }
    // Trims when writable, then unmaps; afterwards only file() and destruction are allowed.
    io_status close();

    // The slot of the last entry whose key is <= target, or nullopt when there is none (no
    // entries, or the first key is above target). key_of(n) reads entry n's key; keys are
    // non-decreasing in slot order.
    //
    // Kafka's cache-friendly binary search (AbstractIndex.java). Appends go to the tail and
    // nearly every lookup (in-sync followers, caught-up consumers) is near the tail too, so
    // the page cache keeps the tail resident. A plain binary search over the whole file
    // instead starts in the middle and walks pages (n/2, 3n/4, ...) that move whenever the
    // index grows by a page, and those cold pages fault from disk in the middle of a
    // produce or fetch. So the last warm_section_bytes of entries are searched on their
    // own when the target lies in them: 8 KiB spans at most three 4 KiB pages, all of them
    // touched by every warm search (its first, middle and last entries), so the warm
    // section really stays warm; and 8 KiB of index covers megabytes of log (about 4 MiB
    // of log per 8 KiB of offset index at the default index.interval.bytes).
    template <typename KeyOf>
    std::optional<uint32_t> last_at_or_below(int64_t target, KeyOf key_of) const;

private:
    static constexpr uint32_t warm_section_bytes = 8192;

    mapped_index_file(std::unique_ptr<data_file> file, uint32_t entry_size_bytes,
                      uint32_t max_index_bytes, index_access access, uint8_t* mapping,
                      uint64_t length_bytes, uint32_t entries);
    void unmap();

    std::unique_ptr<data_file> file_;
    uint32_t entry_size_bytes_;
    uint32_t max_index_bytes_;
    index_access access_;
    uint8_t* mapping_;  // nullptr when length_bytes_ == 0 (mmap cannot map nothing) or closed
    uint64_t length_bytes_;
    uint32_t entries_;
    bool closed_ = false;
};

template <typename KeyOf>
std::optional<uint32_t> mapped_index_file::last_at_or_below(int64_t target, KeyOf key_of) const {
    if (entries_ == 0) {
        return std::nullopt;
    }
    // Precondition of search: key_of(low) <= target. Finds the last such slot in
    // [low, high] without stopping at the first equal key, so duplicates resolve to the
    // last one.
    auto search = [&](uint32_t low, uint32_t high) {
        while (low < high) {
            uint32_t middle = low + (high - low + 1) / 2;
            if (key_of(middle) <= target) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    };
    uint32_t last = entries_ - 1;
    uint32_t warm_entries = warm_section_bytes / entry_size_bytes_;
    uint32_t first_warm = last > warm_entries ? last - warm_entries : 0;
    if (key_of(first_warm) <= target) {
        return search(first_warm, last);
    }
    if (first_warm == 0 || key_of(0) > target) {
        return std::nullopt;
    }
    return search(0, first_warm - 1);
}

}  // namespace samsa::storage
