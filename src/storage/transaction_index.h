#pragma once

// A segment's `.txnindex`: the transactions aborted by markers in that segment, which a
// read_committed Fetch returns so the consumer can drop their records (Kafka's
// TransactionIndex and AbortedTxn, the same bytes). A sequence of 34-byte entries,
// big-endian, in the order the markers were appended (so by increasing last_offset):
//
//   offset size  field
//        0    2  version             int16, 0
//        2    8  producer_id         int64
//       10    8  first_offset        int64  the transaction's first batch
//       18    8  last_offset         int64  its abort marker
//       26    8  last_stable_offset  int64  the LSO once the marker was written
//
// A transaction may start in an earlier segment than its marker's; a fetch therefore
// collects from the segment of its fetch offset onwards and may stop at the first entry
// whose last_stable_offset reaches the fetch's upper bound (nothing later can overlap).
//
// Like Kafka's, the file is created only when the first entry is appended: most segments
// have none. Appends are not fsynced here (flush() does, when the segment is); a torn
// tail (a size not a multiple of 34) is cut when the index is opened, and a lost entry is
// recovered by the log recovery that rebuilds the index.
//
// Size: the file; collect() reads it in fixed chunks and holds only the entries it returns.
// Ownership: as its segment (one shard).

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "storage/file_system.h"

namespace samsa::storage {

struct aborted_transaction {
    samsa::producer_id id;
    offset first_offset;
    offset last_offset;
    offset last_stable_offset;

    bool operator==(const aborted_transaction&) const = default;
};

inline constexpr std::size_t aborted_transaction_bytes = 2 + 8 + 8 + 8 + 8;
inline constexpr int16_t aborted_transaction_version = 0;

std::array<uint8_t, aborted_transaction_bytes> encode_aborted_transaction(
    const aborted_transaction& transaction);
// nullopt for a version other than 0. Precondition: 34 bytes.
std::optional<aborted_transaction> decode_aborted_transaction(std::span<const uint8_t> bytes);

// Whether an aborted transaction overlaps [fetch_offset, upper_bound).
inline bool overlaps(const aborted_transaction& transaction, offset fetch_offset,
                     offset upper_bound) {
    return transaction.last_offset >= fetch_offset && transaction.first_offset < upper_bound;
}

// Kafka's TxnIndexSearchResult.
struct aborted_transactions_search {
    std::vector<aborted_transaction> transactions;
    // No later segment can hold an overlapping transaction: stop searching.
    bool complete = false;
};

// The pure form of collect(), for entries already in memory: appends the overlapping ones
// to `into`, and returns whether the search is complete.
bool collect_aborted(std::span<const aborted_transaction> entries, offset fetch_offset,
                     offset upper_bound, std::vector<aborted_transaction>& into);

class transaction_index {
public:
    static constexpr std::string_view suffix = ".txnindex";

    // The index of the segment at base_offset in dir. An existing file is opened and
    // checked: a torn tail is cut; an entry of another version, last offsets that do not
    // increase, or a last offset below base_offset is corruption (std::errc::bad_message;
    // the caller rebuilds the index by recovering the segment).
    static io_result<std::unique_ptr<transaction_index>> open(file_system& fs,
                                                              const std::filesystem::path& dir,
                                                              offset base_offset);
    ~transaction_index();
    transaction_index(const transaction_index&) = delete;
    transaction_index& operator=(const transaction_index&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // The last offset of the newest entry.
    std::optional<offset> last_offset() const { return last_offset_; }
    uint64_t size_bytes() const { return size_bytes_; }

    // Refuses (std::errc::invalid_argument) an entry whose last offset is not above the last
    // one's, as Kafka does.
    io_status append(const aborted_transaction& transaction);
    // The entries overlapping [fetch_offset, upper_bound); complete once an entry's
    // last_stable_offset reaches upper_bound.
    io_result<aborted_transactions_search> collect(offset fetch_offset, offset upper_bound) const;
    io_result<std::vector<aborted_transaction>> all() const;
    // Drops the entries whose last offset is >= end (their markers are gone).
    io_status truncate_to(offset end);
    // Drops every entry.
    io_status reset();
    // fsync, when the file exists.
    io_status flush();
    // Releases the file; the index is not used afterwards.
    io_status close();
    // Renames the file (if it exists) with an extra suffix (".deleted"); later calls use
    // the new name. Returns it.
    io_result<std::filesystem::path> rename_with_suffix(std::string_view extra_suffix);
    io_status remove();

private:
    transaction_index(file_system& fs, std::filesystem::path path, offset base_offset);

    io_status open_existing();
    io_status ensure_file();
    // Calls visit(entry, position) for each entry in order until it returns false.
    template <typename Visit>
    io_status scan(Visit visit) const;

    file_system& fs_;
    std::filesystem::path path_;
    offset base_offset_;
    std::unique_ptr<data_file> file_;  // null until the file exists
    uint64_t size_bytes_ = 0;
    std::optional<offset> last_offset_;
};

}  // namespace samsa::storage
