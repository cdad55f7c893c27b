#pragma once

// A segment's offset index (<base offset>.index, Kafka's OffsetIndex): maps offsets to
// byte positions in the segment's .log, so a fetch finds where to start reading with a
// binary search and a short scan instead of a scan of the whole segment.
//
// Format (docs/formats/index.md): a sequence of 8-byte entries, big-endian,
//
//     0  int32  relative offset: offset - the segment's base offset
//     4  int32  position: byte position in the .log of the batch holding that offset
//
// with strictly increasing offsets. The index is sparse: the segment appends an entry
// only after index.interval.bytes of log since the last one, so lookup() returns the
// largest indexed offset at or below the target and the reader scans forward from its
// position. Relative offsets are why an entry fits in 8 bytes, and why a segment holds at
// most 2^31 offsets past its base (can_append_offset()).
//
// The file is preallocated to segment.index.bytes while its segment is active (appends
// are stores into the mapping) and trimmed to its entries when the segment rolls or
// closes, so a file's length tells its entry count. It carries no checksum: after an
// unclean shutdown the indexes of the segments past the recovery point are rebuilt from
// the log, and sanity_check() catches the obviously broken rest.
//
// Ownership: one shard (see mapped_index_file.h); durability: file_system::sync(file()).

#include <cstdint>
#include <memory>

#include "base/ids.h"
#include "storage/file_system.h"
#include "storage/mapped_index_file.h"

namespace samsa::storage {

struct offset_position {
    samsa::offset offset;
    uint32_t position = 0;  // bytes from the start of the segment's .log

    bool operator==(const offset_position&) const = default;
};

class offset_index {
public:
    static constexpr uint32_t entry_size_bytes = 8;

    // The index of the segment starting at base_offset. A new (empty) file opened
    // read_write is preallocated to max_index_bytes (segment.index.bytes) rounded down to
    // whole entries; an existing file holds length / 8 entries and is full until resized,
    // so the owner resizes the active segment's index to max_index_bytes after loading it.
    static io_result<offset_index> open(std::unique_ptr<data_file> file, offset base_offset,
                                        uint32_t max_index_bytes, index_access access);

    offset base_offset() const { return base_offset_; }
    // The last indexed offset; the base offset when the index is empty.
    offset last_offset() const { return last_offset_; }
    uint32_t entries() const { return file_.entries(); }
    uint32_t max_entries() const { return file_.max_entries(); }
    bool is_full() const { return file_.entries() >= file_.max_entries(); }
    // Bytes holding entries (what the file is trimmed to).
    uint32_t size_bytes() const { return file_.entries() * entry_size_bytes; }
    // The file's current length, preallocation included.
    uint64_t length_bytes() const { return file_.length_bytes(); }

    // Entry n < entries().
    offset_position entry(uint32_t n) const;
    // The entry with the largest offset <= target, or {base_offset, 0} when there is none
    // (empty index, or target below the first entry): the segment's start.
    offset_position lookup(offset target) const;

    // Whether `absolute` is at or after the base offset and within 2^31 - 1 of it.
    bool can_append_offset(offset absolute) const;
    // Preconditions (asserted): writable, !is_full(), can_append_offset(absolute),
    // absolute > last_offset() unless the index is empty, position < 2^31 (Kafka reads it as
    // an int32; segments are below 2 GiB).
    void append(offset absolute, uint32_t position);
    // Removes the entries with offsets >= `absolute`; no effect past the last entry.
    void truncate_to(offset absolute);
    // Removes every entry and preallocates the file to max_index_bytes again.
    io_status reset();
    // See mapped_index_file::resize: rounds down to whole entries, never drops entries.
    io_status resize(uint32_t max_index_bytes) { return file_.resize(max_index_bytes); }
    // Length = entries * 8, for roll and close.
    io_status trim_to_valid_size() { return file_.trim_to_valid_size(); }

    // Fails when the length is not a whole number of entries, when the last offset is
    // below the base offset (Kafka's checks), or when the last two offsets do not increase
    // (an untrimmed, zero-filled tail left by a crash, which Kafka's checks let through).
    index_check sanity_check() const;

    // For file_system::sync.
    data_file& file() { return file_.file(); }
    // Trims when writable and unmaps. The destructor only unmaps.
    io_status close() { return file_.close(); }

private:
    offset_index(mapped_index_file file, offset base_offset);
    int32_t relative_offset(uint32_t n) const;

    mapped_index_file file_;
    offset base_offset_;
    offset last_offset_;
};

}  // namespace samsa::storage
