#include "storage/transaction_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "base/endian.h"
#include "storage/log_segment.h"

namespace samsa::storage {
namespace {

// Entries read per read_at call.
constexpr std::size_t entries_per_read = 120;

io_failure index_failure(std::errc code, std::string message) {
    return io_failure{std::make_error_code(code), std::move(message)};
}

}  // namespace

std::array<uint8_t, aborted_transaction_bytes> encode_aborted_transaction(
    const aborted_transaction& transaction) {
    std::array<uint8_t, aborted_transaction_bytes> bytes{};
    store_big_endian<int16_t>(bytes.data(), aborted_transaction_version);
    store_big_endian<int64_t>(bytes.data() + 2, transaction.id.value());
    store_big_endian<int64_t>(bytes.data() + 10, transaction.first_offset.value());
    store_big_endian<int64_t>(bytes.data() + 18, transaction.last_offset.value());
    store_big_endian<int64_t>(bytes.data() + 26, transaction.last_stable_offset.value());
    return bytes;
}

std::optional<aborted_transaction> decode_aborted_transaction(std::span<const uint8_t> bytes) {
    if (bytes.size() < aborted_transaction_bytes ||
        load_big_endian<int16_t>(bytes.data()) != aborted_transaction_version) {
        return std::nullopt;
    }
    return aborted_transaction{producer_id(load_big_endian<int64_t>(bytes.data() + 2)),
                               offset(load_big_endian<int64_t>(bytes.data() + 10)),
                               offset(load_big_endian<int64_t>(bytes.data() + 18)),
                               offset(load_big_endian<int64_t>(bytes.data() + 26))};
}

bool collect_aborted(std::span<const aborted_transaction> entries, offset fetch_offset,
                     offset upper_bound, std::vector<aborted_transaction>& into) {
    for (const aborted_transaction& transaction : entries) {
        if (overlaps(transaction, fetch_offset, upper_bound)) {
            into.push_back(transaction);
        }
        if (transaction.last_stable_offset >= upper_bound) {
            return true;
        }
    }
    return false;
}

transaction_index::transaction_index(file_system& fs, std::filesystem::path path,
                                     offset base_offset)
    : fs_(fs), path_(std::move(path)), base_offset_(base_offset) {}

transaction_index::~transaction_index() = default;

io_result<std::unique_ptr<transaction_index>> transaction_index::open(
    file_system& fs, const std::filesystem::path& dir, offset base_offset) {
    std::unique_ptr<transaction_index> index(
        new transaction_index(fs, dir / segment_file_name(base_offset, suffix), base_offset));
    auto exists = fs.exists(index->path_);
    if (!exists) {
        return failure{exists.error()};
    }
    if (exists.value()) {
        if (auto opened = index->open_existing(); !opened) {
            return failure{opened.error()};
        }
    }
    return index;
}

io_status transaction_index::open_existing() {
    auto file = fs_.open(path_, open_mode::read_write);
    if (!file) {
        return failure{file.error()};
    }
    file_ = std::move(file).value();
    auto size = file_->size();
    if (!size) {
        return failure{size.error()};
    }
    size_bytes_ = size.value() - size.value() % aborted_transaction_bytes;
    if (size_bytes_ != size.value()) {
        if (auto cut = file_->truncate(size_bytes_); !cut) {
            return cut;
        }
    }
    // Kafka's sanityCheck (last offsets at or above the segment's base offset), plus the
    // increasing order that append() relies on.
    std::optional<offset> previous;
    std::optional<io_failure> corruption;
    auto scanned = scan([&](const aborted_transaction& transaction, uint64_t position) {
        if (transaction.last_offset < base_offset_ ||
            (previous && transaction.last_offset <= *previous)) {
            corruption = index_failure(
                std::errc::bad_message,
                fmt::format("transaction index {} is corrupt: entry at {} ends at offset {}, "
                            "after {} in a segment from {}",
                            path_.string(), position, transaction.last_offset.value(),
                            previous ? previous->value() : -1, base_offset_.value()));
            return false;
        }
        previous = transaction.last_offset;
        return true;
    });
    if (!scanned) {
        return scanned;
    }
    if (corruption) {
        return failure{*corruption};
    }
    last_offset_ = previous;
    return io_ok();
}

template <typename Visit>
io_status transaction_index::scan(Visit visit) const {
    if (!file_) {
        return io_ok();
    }
    std::vector<uint8_t> chunk(entries_per_read * aborted_transaction_bytes);
    for (uint64_t position = 0; position < size_bytes_;) {
        std::size_t wanted =
            static_cast<std::size_t>(std::min<uint64_t>(chunk.size(), size_bytes_ - position));
        auto read = file_->read_at(position, std::span(chunk).first(wanted));
        if (!read) {
            return failure{read.error()};
        }
        if (read.value() < wanted) {
            return failure{
                index_failure(std::errc::io_error,
                              fmt::format("transaction index {} ended at {}, expected {}",
                                          path_.string(), position + read.value(), size_bytes_))};
        }
        for (std::size_t at = 0; at < wanted; at += aborted_transaction_bytes) {
            auto transaction =
                decode_aborted_transaction(std::span(chunk).subspan(at, aborted_transaction_bytes));
            if (!transaction) {
                return failure{index_failure(
                    std::errc::bad_message,
                    fmt::format("transaction index {}: entry at {} has version {}, expected {}",
                                path_.string(), position + at,
                                load_big_endian<int16_t>(chunk.data() + at),
                                aborted_transaction_version))};
            }
            if (!visit(*transaction, position + at)) {
                return io_ok();
            }
        }
        position += wanted;
    }
    return io_ok();
}

io_status transaction_index::ensure_file() {
    if (file_) {
        return io_ok();
    }
    auto file = fs_.open(path_, open_mode::read_write_create);
    if (!file) {
        return failure{file.error()};
    }
    file_ = std::move(file).value();
    // size_bytes_ is 0 here: a file that appeared since open() holds nothing of this index.
    return file_->truncate(size_bytes_);
}

io_status transaction_index::append(const aborted_transaction& transaction) {
    if (last_offset_ && transaction.last_offset <= *last_offset_) {
        return failure{index_failure(
            std::errc::invalid_argument,
            fmt::format("The last offset of appended transactions must increase sequentially, "
                        "but {} is not greater than current last offset {} of index {}",
                        transaction.last_offset.value(), last_offset_->value(), path_.string()))};
    }
    if (auto ready = ensure_file(); !ready) {
        return ready;
    }
    auto bytes = encode_aborted_transaction(transaction);
    if (auto written = file_->write_at(size_bytes_, bytes); !written) {
        // A partial entry is a torn tail: cut it, so the next append starts clean.
        (void)file_->truncate(size_bytes_);
        return written;
    }
    size_bytes_ += aborted_transaction_bytes;
    last_offset_ = transaction.last_offset;
    return io_ok();
}

io_result<aborted_transactions_search> transaction_index::collect(offset fetch_offset,
                                                                  offset upper_bound) const {
    aborted_transactions_search search;
    auto scanned = scan([&](const aborted_transaction& transaction, uint64_t) {
        search.complete = collect_aborted(std::span(&transaction, 1), fetch_offset, upper_bound,
                                          search.transactions);
        return !search.complete;
    });
    if (!scanned) {
        return failure{scanned.error()};
    }
    return search;
}

io_result<std::vector<aborted_transaction>> transaction_index::all() const {
    std::vector<aborted_transaction> entries;
    auto scanned = scan([&](const aborted_transaction& transaction, uint64_t) {
        entries.push_back(transaction);
        return true;
    });
    if (!scanned) {
        return failure{scanned.error()};
    }
    return entries;
}

io_status transaction_index::truncate_to(offset end) {
    std::optional<uint64_t> cut_at;
    std::optional<offset> new_last_offset;
    auto scanned = scan([&](const aborted_transaction& transaction, uint64_t position) {
        if (transaction.last_offset >= end) {
            cut_at = position;
            return false;
        }
        new_last_offset = transaction.last_offset;
        return true;
    });
    if (!scanned) {
        return scanned;
    }
    if (!cut_at) {
        return io_ok();
    }
    if (auto cut = file_->truncate(*cut_at); !cut) {
        return cut;
    }
    size_bytes_ = *cut_at;
    last_offset_ = new_last_offset;
    return io_ok();
}

io_status transaction_index::reset() {
    if (file_) {
        if (auto cut = file_->truncate(0); !cut) {
            return cut;
        }
    }
    size_bytes_ = 0;
    last_offset_.reset();
    return io_ok();
}

io_status transaction_index::flush() {
    return file_ ? fs_.sync(*file_) : io_ok();
}

io_status transaction_index::close() {
    file_.reset();
    return io_ok();
}

io_result<std::filesystem::path> transaction_index::rename_with_suffix(
    std::string_view extra_suffix) {
    std::filesystem::path to = path_;
    to += std::string(extra_suffix);
    auto exists = fs_.exists(path_);
    if (!exists) {
        return failure{exists.error()};
    }
    if (exists.value()) {
        if (auto moved = fs_.rename(path_, to); !moved) {
            return failure{moved.error()};
        }
    }
    path_ = to;
    return to;
}

io_status transaction_index::remove() {
    file_.reset();
    size_bytes_ = 0;
    last_offset_.reset();
    return fs_.remove(path_);
}

}  // namespace samsa::storage
