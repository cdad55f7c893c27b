#include "storage/mapped_index_file.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace samsa::storage {
namespace {

// mmap's length is a size_t and the entry count a uint32_t; an index file anywhere near
// this is corrupt (segment.index.bytes is an int32).
constexpr uint64_t max_length_bytes = UINT32_MAX;

io_failure index_failure(int error, std::string_view operation, const data_file& file) {
    return {std::error_code(error, std::system_category()),
            fmt::format("{} {}: {}", operation, file.path().string(), std::strerror(error))};
}

io_result<uint8_t*> map(const data_file& file, uint64_t length_bytes, index_access access) {
    if (length_bytes == 0) {
        return static_cast<uint8_t*>(nullptr);
    }
    int protection = access == index_access::read_write ? PROT_READ | PROT_WRITE : PROT_READ;
    void* address = ::mmap(nullptr, length_bytes, protection, MAP_SHARED, file.descriptor(), 0);
    if (address == MAP_FAILED) {
        return failure{index_failure(errno, fmt::format("mmap {} bytes of", length_bytes), file)};
    }
    return static_cast<uint8_t*>(address);
}

void unmap_region(uint8_t* mapping, uint64_t length_bytes) {
    if (mapping != nullptr) {
        // Fails only for an invalid range, which would be a bug here.
        int unmapped = ::munmap(mapping, length_bytes);
        SAMSA_ASSERT(unmapped == 0, "munmap %llu bytes: %s",
                     static_cast<unsigned long long>(length_bytes), std::strerror(errno));
    }
}

}  // namespace

io_result<mapped_index_file> mapped_index_file::open(std::unique_ptr<data_file> file,
                                                     uint32_t entry_size_bytes,
                                                     uint32_t max_index_bytes,
                                                     index_access access) {
    SAMSA_ASSERT(file != nullptr && entry_size_bytes > 0, "index without a file or entry size");
    auto size = file->size();
    if (!size) {
        return failure{size.error()};
    }
    uint64_t length_bytes = size.value();
    bool preallocated = length_bytes == 0 && access == index_access::read_write;
    if (preallocated) {
        if (max_index_bytes < entry_size_bytes) {
            return failure{io_failure{
                std::make_error_code(std::errc::invalid_argument),
                fmt::format("index {}: max index size {} bytes cannot hold a {}-byte entry",
                            file->path().string(), max_index_bytes, entry_size_bytes)}};
        }
        length_bytes = max_index_bytes - max_index_bytes % entry_size_bytes;
        if (auto grown = file->truncate(length_bytes); !grown) {
            return failure{grown.error()};
        }
    }
    if (length_bytes > max_length_bytes) {
        return failure{index_failure(EFBIG, fmt::format("map {} bytes of", length_bytes), *file)};
    }
    auto mapping = map(*file, length_bytes, access);
    if (!mapping) {
        return failure{mapping.error()};
    }
    auto entries = preallocated ? 0 : static_cast<uint32_t>(length_bytes / entry_size_bytes);
    return mapped_index_file(std::move(file), entry_size_bytes, max_index_bytes, access,
                             mapping.value(), length_bytes, entries);
}

mapped_index_file::mapped_index_file(std::unique_ptr<data_file> file, uint32_t entry_size_bytes,
                                     uint32_t max_index_bytes, index_access access,
                                     uint8_t* mapping, uint64_t length_bytes, uint32_t entries)
    : file_(std::move(file)),
      entry_size_bytes_(entry_size_bytes),
      max_index_bytes_(max_index_bytes),
      access_(access),
      mapping_(mapping),
      length_bytes_(length_bytes),
      entries_(entries) {}

mapped_index_file::mapped_index_file(mapped_index_file&& other) noexcept
    : file_(std::move(other.file_)),
      entry_size_bytes_(other.entry_size_bytes_),
      max_index_bytes_(other.max_index_bytes_),
      access_(other.access_),
      mapping_(std::exchange(other.mapping_, nullptr)),
      length_bytes_(std::exchange(other.length_bytes_, 0)),
      entries_(std::exchange(other.entries_, 0)),
      closed_(std::exchange(other.closed_, true)) {}

mapped_index_file& mapped_index_file::operator=(mapped_index_file&& other) noexcept {
    if (this != &other) {
        unmap();
        file_ = std::move(other.file_);
        entry_size_bytes_ = other.entry_size_bytes_;
        max_index_bytes_ = other.max_index_bytes_;
        access_ = other.access_;
        mapping_ = std::exchange(other.mapping_, nullptr);
        length_bytes_ = std::exchange(other.length_bytes_, 0);
        entries_ = std::exchange(other.entries_, 0);
        closed_ = std::exchange(other.closed_, true);
    }
    return *this;
}

mapped_index_file::~mapped_index_file() {
    unmap();
}

void mapped_index_file::unmap() {
    unmap_region(mapping_, length_bytes_);
    mapping_ = nullptr;
}

void mapped_index_file::append(std::span<const uint8_t> entry) {
    SAMSA_ASSERT(writable() && !closed_, "append to read-only or closed index %s",
                 file_->path().c_str());
    SAMSA_ASSERT(entry.size() == entry_size_bytes_, "index entry of %zu bytes, expected %u",
                 entry.size(), entry_size_bytes_);
    SAMSA_ASSERT(entries_ < max_entries(), "append to full index %s (%u entries)",
                 file_->path().c_str(), entries_);
    std::memcpy(mapping_ + uint64_t{entries_} * entry_size_bytes_, entry.data(), entry.size());
    ++entries_;
}

void mapped_index_file::truncate_to_entries(uint32_t count) {
    SAMSA_ASSERT(!closed_, "truncate closed index %s", file_->path().c_str());
    SAMSA_ASSERT(count <= entries_, "truncate index %s to %u of %u entries", file_->path().c_str(),
                 count, entries_);
    entries_ = count;
}

// The file stays at least as long as the mapping at every step, so a failure leaves the
// index usable with its old length: when growing, the file grows before the new mapping
// replaces the old; when shrinking, the smaller mapping replaces the old before the file
// shrinks.
io_status mapped_index_file::resize(uint64_t size_bytes) {
    SAMSA_ASSERT(writable() && !closed_, "resize read-only or closed index %s",
                 file_->path().c_str());
    uint64_t rounded = size_bytes - size_bytes % entry_size_bytes_;
    uint64_t in_use = uint64_t{entries_} * entry_size_bytes_;
    uint64_t new_length = rounded < in_use ? in_use : rounded;
    if (new_length == length_bytes_) {
        return io_ok();
    }
    if (new_length > max_length_bytes) {
        return failure{index_failure(EFBIG, fmt::format("resize to {} bytes", new_length), *file_)};
    }
    bool growing = new_length > length_bytes_;
    if (growing) {
        if (auto grown = file_->truncate(new_length); !grown) {
            return failure{grown.error()};
        }
    }
    auto mapping = map(*file_, new_length, access_);
    if (!mapping) {
        if (growing) {
            (void)file_->truncate(length_bytes_);  // best effort; a longer file is harmless
        }
        return failure{mapping.error()};
    }
    unmap_region(mapping_, length_bytes_);
    mapping_ = mapping.value();
    length_bytes_ = new_length;
    if (!growing) {
        // On failure the file keeps a tail past the mapping, as after a crash before a
        // trim; recovery does not trust an index's length.
        if (auto shrunk = file_->truncate(new_length); !shrunk) {
            return failure{shrunk.error()};
        }
    }
    return io_ok();
}

io_status mapped_index_file::close() {
    SAMSA_ASSERT(!closed_, "index %s closed twice", file_->path().c_str());
    io_status trimmed = writable() ? trim_to_valid_size() : io_ok();
    unmap();
    length_bytes_ = 0;
    entries_ = 0;
    closed_ = true;
    return trimmed;
}

}  // namespace samsa::storage
