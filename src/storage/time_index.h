#pragma once

// A segment's time index (<base offset>.timeindex, Kafka's TimeIndex): maps timestamps to
// offsets, for ListOffsets by timestamp and for time-based retention and rolling.
//
// Format (docs/formats/timeindex.md): a sequence of 12-byte entries, big-endian,
//
//     0  int64  timestamp (ms): the largest record timestamp in the segment so far
//     8  int32  relative offset: an offset (Kafka: the last) of the batch that first
//               reached that timestamp, minus the base offset
//
// So for an entry (T, O) every record before O's batch has a timestamp below T, and a
// search for the first record with a timestamp at or after t may start at the O of the
// last entry with T <= t. Timestamps strictly increase (an entry is added only when the
// largest timestamp grows); offsets never decrease. Sparse, preallocated, mmapped, trimmed
// on roll and close, and rebuilt after an unclean shutdown, like offset_index.h.
//
// The last slot is reserved: is_full() is true one entry early, so that the entry the
// segment appends when it rolls or closes (reserved_slot::use) always fits (Kafka).
//
// Ownership: one shard (see mapped_index_file.h); durability: file_system::sync(file()).

#include <cstdint>
#include <memory>

#include "base/ids.h"
#include "protocol/record_batch_format.h"
#include "storage/file_system.h"
#include "storage/mapped_index_file.h"

namespace samsa::storage {

struct timestamp_offset {
    int64_t timestamp_ms = protocol::record_batch_format::no_timestamp;
    samsa::offset offset;

    bool operator==(const timestamp_offset&) const = default;
};

// Whether an append may take the slot kept for the segment's final entry.
enum class reserved_slot : uint8_t {
    keep,  // a regular append while the segment is active
    use,   // the append when the segment rolls or closes
};

class time_index {
public:
    static constexpr uint32_t entry_size_bytes = 12;

    // As offset_index::open: a new file opened read_write is preallocated to
    // max_index_bytes rounded down to whole entries; an existing one holds length / 12.
    static io_result<time_index> open(std::unique_ptr<data_file> file, offset base_offset,
                                      uint32_t max_index_bytes, index_access access);

    offset base_offset() const { return base_offset_; }
    // The last entry; {no_timestamp (-1), base_offset} when the index is empty.
    timestamp_offset last_entry() const { return last_entry_; }
    uint32_t entries() const { return file_.entries(); }
    uint32_t max_entries() const { return file_.max_entries(); }
    // One slot early: the last is reserved for reserved_slot::use.
    bool is_full() const { return file_.entries() + 1 >= file_.max_entries(); }
    uint32_t size_bytes() const { return file_.entries() * entry_size_bytes; }
    uint64_t length_bytes() const { return file_.length_bytes(); }

    // Entry n < entries().
    timestamp_offset entry(uint32_t n) const;
    // The entry with the largest timestamp <= target_timestamp_ms, or
    // {no_timestamp, base_offset} when there is none: search from the segment's start.
    timestamp_offset lookup(int64_t target_timestamp_ms) const;

    // Whether `absolute` is at or after the base offset and within 2^31 - 1 of it.
    bool can_append_offset(offset absolute) const;
    // Appends (timestamp_ms, absolute) when timestamp_ms is above the last entry's; the
    // caller passes the segment's largest timestamp so far and the offset of its batch, so
    // a timestamp that does not grow adds nothing (also the repeat at roll after a final
    // append, and -1 when records carry no timestamps). Preconditions (asserted): writable;
    // absolute >= last_entry().offset when the index is not empty; and, when an entry is
    // added, can_append_offset(absolute) and room: !is_full(), or with reserved_slot::use a
    // free slot.
    void maybe_append(int64_t timestamp_ms, offset absolute,
                      reserved_slot slot = reserved_slot::keep);
    // Removes the entries with offsets >= `absolute`; no effect past the last entry.
    void truncate_to(offset absolute);
    // Removes every entry and preallocates the file to max_index_bytes again.
    io_status reset();
    io_status resize(uint32_t max_index_bytes) { return file_.resize(max_index_bytes); }
    // Length = entries * 12, for roll and close.
    io_status trim_to_valid_size() { return file_.trim_to_valid_size(); }

    // Fails when the length is not a whole number of entries, when the last offset is
    // below the base offset or the last timestamp below the first (Kafka's checks), or when
    // the last two timestamps do not increase (an untrimmed, zero-filled tail left by a
    // crash).
    index_check sanity_check() const;

    data_file& file() { return file_.file(); }
    io_status close() { return file_.close(); }

private:
    time_index(mapped_index_file file, offset base_offset);
    int64_t timestamp_ms(uint32_t n) const;
    int32_t relative_offset(uint32_t n) const;
    timestamp_offset empty_entry() const { return {.offset = base_offset_}; }

    mapped_index_file file_;
    offset base_offset_;
    timestamp_offset last_entry_;  // cached: maybe_append reads it on every append
};

}  // namespace samsa::storage
