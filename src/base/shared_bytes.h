#pragma once

// An immutable-by-default slice of a reference-counted byte buffer. Decoding a request
// hands out slices of the received frame (record batches, opaque bytes) without copying;
// the frame lives as long as any slice of it. Equality compares contents.
//
// An external value (external(size)) has a size but no bytes: it stands for bytes held
// elsewhere, a Fetch response's records that stay in segment files and reach the socket
// with sendfile(2) (wire_writer::write_records records where they go). Its data() is null
// and its contents must never be read: span(), as_string_view(), mutable_span() and
// slice() assert. Only size(), empty(), is_external() and equality are meaningful; two
// external values are equal when their sizes are, and never equal to bytes held here.
//
// Ownership: a buffer belongs to the shard that made it; slices may be handed to another
// shard only together with the responsibility for the buffer (no concurrent writers).

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/assert.h"

namespace samsa {

class shared_bytes {
public:
    shared_bytes() = default;

    // Takes ownership of the vector without copying it.
    explicit shared_bytes(std::vector<uint8_t>&& owned) {
        auto vector = std::make_shared<std::vector<uint8_t>>(std::move(owned));
        data_ = vector->data();
        size_ = vector->size();
        owner_ = std::move(vector);
    }

    // size bytes whose contents are unspecified until written through mutable_span(): a
    // received frame is read straight into them, so nothing is zero-filled first, and the
    // pages of a large buffer become resident only as the bytes arrive.
    static shared_bytes uninitialized(std::size_t size) {
        shared_bytes buffer;
        std::shared_ptr<uint8_t[]> bytes = std::make_shared_for_overwrite<uint8_t[]>(size);
        buffer.data_ = bytes.get();
        buffer.size_ = size;
        buffer.owner_ = std::move(bytes);
        return buffer;
    }

    static shared_bytes copy_of(std::span<const uint8_t> bytes) {
        return shared_bytes(std::vector<uint8_t>(bytes.begin(), bytes.end()));
    }
    static shared_bytes copy_of(std::string_view text) {
        auto first = reinterpret_cast<const uint8_t*>(text.data());
        return shared_bytes(std::vector<uint8_t>(first, first + text.size()));
    }

    // A placeholder for size bytes held elsewhere (see the comment at the top): never read.
    static shared_bytes external(std::size_t size) {
        shared_bytes placeholder;
        placeholder.size_ = size;
        placeholder.external_ = true;
        return placeholder;
    }

    // Null for an external value.
    const uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    bool is_external() const { return external_; }
    // Precondition (for these three and slice): !is_external().
    std::span<const uint8_t> span() const {
        assert_not_external();
        return {data_, size_};
    }
    std::string_view as_string_view() const {
        assert_not_external();
        return {reinterpret_cast<const char*>(data_), size_};
    }

    // Writable view for in-place rewrites (a record batch's base offset, say). Only the
    // owner of the whole buffer may call it.
    std::span<uint8_t> mutable_span() {
        assert_not_external();
        return {const_cast<uint8_t*>(data_), size_};
    }

    // Precondition: offset + length <= size().
    shared_bytes slice(std::size_t offset, std::size_t length) const {
        assert_not_external();
        shared_bytes part;
        part.owner_ = owner_;
        part.data_ = data_ + offset;
        part.size_ = length;
        return part;
    }

    friend bool operator==(const shared_bytes& a, const shared_bytes& b) {
        return a.external_ == b.external_ && a.size_ == b.size_ &&
               (a.external_ || a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
    }

private:
    void assert_not_external() const {
        SAMSA_ASSERT(!external_, "the contents of external bytes (%zu) are not here", size_);
    }

    // Keeps the bytes alive: a std::vector or an array (uninitialized()).
    std::shared_ptr<const void> owner_;
    const uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    bool external_ = false;
};

}  // namespace samsa
