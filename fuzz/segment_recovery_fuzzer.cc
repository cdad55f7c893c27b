// segment_recovery_fuzzer: arbitrary bytes as a segment's .log file, opened with recovery,
// as the broker opens the segments of a log that was not shut down cleanly.
//
// Input: one flags byte, then the file. Flag bit 0 rewrites the CRC of every batch the
// file frames (in order, up to the first whose length runs past the end) before the file is
// written, so that mutations of CRC-covered fields (attributes, lastOffsetDelta,
// timestamps, records) get past the CRC check and reach what recovery does after it.
//
// Checks, beside "no crash, no undefined behaviour":
//   - log_segment::open(recover=true) succeeds (a file on tmpfs cannot fail to read) and
//     never keeps more bytes than the file had; what it cut plus what it kept is the file;
//   - read back from the start to the end through log_segment::read, every batch is whole,
//     parses with a valid CRC (record_batch_view::parse, the check recovery and the broker
//     apply), has offsets above the previous batch's and within the segment's int32 range,
//     and the batches together are exactly the bytes recovery kept;
//   - find_batch and find_offset_by_timestamp work on the recovered segment;
//   - closed and opened again without recovery (trusting the indexes recovery built, as
//     after a clean shutdown) it has the same size and next offset; opened once more with
//     recovery, there is nothing more to cut;
//   - truncate_to an offset halfway removes whole batches only, to below that offset.
//
// The files live in one directory under /dev/shm (tmpfs: no disk writes), else $TMPDIR or
// /tmp, reused by every run and emptied after each.

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/temporary_directory.h"
#include "protocol/record_batch.h"
#include "storage/file_system.h"
#include "storage/log_segment.h"

#include "batch_crc_fix_up.h"

namespace samsa::fuzz {
namespace {

using storage::log_segment;

constexpr int64_t now_ms = 1'700'000'000'000;
// Small indexes (and a small interval, so that they get entries): fast to map and reset.
const storage::segment_settings settings{.max_index_bytes = 64 * 1024, .index_interval_bytes = 256};
const offset base{0};

// tmpfs when there is one: no disk writes. Removed when the process ends normally
// (libFuzzer exits through exit()).
std::filesystem::path work_directory_parent() {
    return ::access("/dev/shm", W_OK) == 0 ? std::filesystem::path("/dev/shm")
                                           : temporary_directory::default_parent();
}

std::unique_ptr<log_segment> open_segment(storage::file_system& fs,
                                          const std::filesystem::path& dir, bool recover) {
    auto opened = log_segment::open(fs, dir, base, settings, recover, now_ms);
    SAMSA_ASSERT(opened.has_value(), "open (recover=%d) failed: %s", recover ? 1 : 0,
                 opened.error().message.c_str());
    return std::move(opened).value();
}

// Reads the recovered segment from its first offset to its end and checks every batch.
void read_back(log_segment& segment) {
    uint64_t position = 0;
    offset next = base;
    offset start = base;
    while (true) {
        auto slice = segment.read(start, std::numeric_limits<uint32_t>::max(),
                                  offset(std::numeric_limits<int64_t>::max()), true);
        SAMSA_ASSERT(slice.has_value(), "read at %lld failed: %s",
                     static_cast<long long>(start.value()), slice.error().message.c_str());
        if (!slice.value()) {
            break;
        }
        const storage::segment_slice& found = *slice.value();
        SAMSA_ASSERT(found.position == position, "read at %lld starts at %llu, not %llu",
                     static_cast<long long>(start.value()),
                     static_cast<unsigned long long>(found.position),
                     static_cast<unsigned long long>(position));
        std::vector<uint8_t> bytes(found.size_bytes);
        auto read = segment.log_file()->read_at(found.position, bytes);
        SAMSA_ASSERT(read.has_value() && read.value() == bytes.size(), "short read of a slice");

        protocol::record_batch_splitter splitter(bytes);
        std::size_t walked = 0;
        while (true) {
            auto bounds = splitter.next();
            SAMSA_ASSERT(bounds.has_value(), "a recovered batch does not frame: %s",
                         std::string(to_string(bounds.error())).c_str());
            if (!bounds.value()) {
                break;
            }
            auto batch_bytes =
                std::span(bytes).subspan(bounds.value()->position, bounds.value()->size_bytes);
            auto batch = protocol::record_batch_view::parse(batch_bytes);
            SAMSA_ASSERT(batch.has_value(), "a recovered batch fails validation: %s",
                         std::string(to_string(batch.error())).c_str());
            SAMSA_ASSERT(batch->base_offset() >= next,
                         "recovered batch at offset %lld after next offset %lld",
                         static_cast<long long>(batch->base_offset().value()),
                         static_cast<long long>(next.value()));
            SAMSA_ASSERT(segment.can_hold_offset(batch->last_offset()),
                         "recovered batch ends at offset %lld, outside the segment",
                         static_cast<long long>(batch->last_offset().value()));
            next = batch->next_offset();
            walked += batch_bytes.size();
        }
        SAMSA_ASSERT(!splitter.ended_with_partial_batch() && walked == bytes.size(),
                     "a slice of %zu bytes holds %zu bytes of whole batches", bytes.size(), walked);
        SAMSA_ASSERT(found.next_offset == next, "slice next offset %lld, batches say %lld",
                     static_cast<long long>(found.next_offset.value()),
                     static_cast<long long>(next.value()));
        position += found.size_bytes;
        start = next;
    }
    SAMSA_ASSERT(position == segment.size_bytes(), "read back %llu of %llu bytes",
                 static_cast<unsigned long long>(position),
                 static_cast<unsigned long long>(segment.size_bytes()));
    SAMSA_ASSERT(next == segment.next_offset() || segment.empty(),
                 "batches end at %lld, the segment's next offset is %lld",
                 static_cast<long long>(next.value()),
                 static_cast<long long>(segment.next_offset().value()));
}

void run(storage::file_system& fs, const std::filesystem::path& dir,
         std::span<const uint8_t> file) {
    std::filesystem::path log_path =
        dir / storage::segment_file_name(base, log_segment::log_suffix);
    {
        std::ofstream out(log_path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(file.data()),
                  static_cast<std::streamsize>(file.size()));
        SAMSA_ASSERT(out.good(), "cannot write %s", log_path.c_str());
    }

    auto segment = open_segment(fs, dir, true);
    uint64_t kept = segment->size_bytes();
    SAMSA_ASSERT(kept <= file.size(), "recovery kept %llu bytes of a %zu-byte file",
                 static_cast<unsigned long long>(kept), file.size());
    SAMSA_ASSERT(kept + segment->bytes_cut_by_recovery() == file.size(),
                 "recovery kept %llu and cut %llu bytes of a %zu-byte file",
                 static_cast<unsigned long long>(kept),
                 static_cast<unsigned long long>(segment->bytes_cut_by_recovery()), file.size());
    read_back(*segment);
    offset next = segment->next_offset();
    auto located = segment->find_batch(base);
    SAMSA_ASSERT(located.has_value(), "find_batch failed: %s", located.error().message.c_str());
    SAMSA_ASSERT(located.value().has_value() == !segment->empty(),
                 "find_batch of the first offset in a segment of %llu bytes",
                 static_cast<unsigned long long>(kept));
    // Decompresses at most one batch, within its own bound; an error is the records'
    // (recovery checks the CRC, not the records), not the segment's.
    (void)segment->find_offset_by_timestamp(0, base);
    SAMSA_ASSERT(segment->close().has_value(), "close failed");
    segment.reset();

    auto clean = open_segment(fs, dir, false);
    SAMSA_ASSERT(clean->size_bytes() == kept && clean->next_offset() == next,
                 "a clean open finds %llu bytes up to offset %lld, recovery %llu up to %lld",
                 static_cast<unsigned long long>(clean->size_bytes()),
                 static_cast<long long>(clean->next_offset().value()),
                 static_cast<unsigned long long>(kept), static_cast<long long>(next.value()));
    SAMSA_ASSERT(clean->close().has_value(), "close failed");
    clean.reset();

    auto again = open_segment(fs, dir, true);
    SAMSA_ASSERT(again->bytes_cut_by_recovery() == 0 && again->size_bytes() == kept &&
                     again->next_offset() == next,
                 "recovering again cut %llu bytes, leaving %llu up to offset %lld",
                 static_cast<unsigned long long>(again->bytes_cut_by_recovery()),
                 static_cast<unsigned long long>(again->size_bytes()),
                 static_cast<long long>(again->next_offset().value()));
    (void)again->largest_timestamp_ms();
    (void)again->first_batch_timestamp_ms();

    // Truncation to an offset halfway (a follower's after a leader change): whole batches
    // go, from the one holding that offset, and the rebuild finds nothing to cut.
    offset middle(next.value() / 2);
    auto truncated = again->truncate_to(middle);
    SAMSA_ASSERT(truncated.has_value(), "truncate_to failed: %s",
                 truncated.error().message.c_str());
    SAMSA_ASSERT(
        again->size_bytes() + truncated.value() == kept &&
            again->next_offset() <= std::max(middle, base) && again->bytes_cut_by_recovery() == 0,
        "truncation to %lld cut %llu of %llu bytes, leaving offsets up to %lld",
        static_cast<long long>(middle.value()), static_cast<unsigned long long>(truncated.value()),
        static_cast<unsigned long long>(kept),
        static_cast<long long>(again->next_offset().value()));
    SAMSA_ASSERT(again->close().has_value(), "close failed");
}

}  // namespace
}  // namespace samsa::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace samsa;
    static temporary_directory directory("samsa-segment-fuzz", fuzz::work_directory_parent());
    static std::unique_ptr<storage::file_system> fs = storage::make_posix_file_system(nullptr);
    if (size < 1) {
        return 0;
    }
    std::vector<uint8_t> file(data + 1, data + size);
    if (data[0] & 0x01) {
        fuzz::fix_up_crcs(file);
    }
    fuzz::run(*fs, directory.path(), file);
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator(directory.path(), ignored)) {
        std::filesystem::remove(entry.path(), ignored);
    }
    return 0;
}
