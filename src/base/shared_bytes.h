#pragma once

// An immutable-by-default slice of a reference-counted byte buffer. Decoding a request
// hands out slices of the received frame (record batches, opaque bytes) without copying;
// the frame lives as long as any slice of it. Equality compares contents.
//
// Ownership: a buffer belongs to the shard that made it; slices may be handed to another
// shard only together with the responsibility for the buffer (no concurrent writers).

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace samsa {

class shared_bytes {
public:
    shared_bytes() = default;

    // Takes ownership of the vector without copying it.
    explicit shared_bytes(std::vector<uint8_t>&& owned)
        : owner_(std::make_shared<std::vector<uint8_t>>(std::move(owned))),
          data_(owner_->data()),
          size_(owner_->size()) {}

    static shared_bytes copy_of(std::span<const uint8_t> bytes) {
        return shared_bytes(std::vector<uint8_t>(bytes.begin(), bytes.end()));
    }
    static shared_bytes copy_of(std::string_view text) {
        auto first = reinterpret_cast<const uint8_t*>(text.data());
        return shared_bytes(std::vector<uint8_t>(first, first + text.size()));
    }

    const uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::span<const uint8_t> span() const { return {data_, size_}; }
    std::string_view as_string_view() const {
        return {reinterpret_cast<const char*>(data_), size_};
    }

    // Writable view for in-place rewrites (a record batch's base offset, say). Only the
    // owner of the whole buffer may call it.
    std::span<uint8_t> mutable_span() { return {const_cast<uint8_t*>(data_), size_}; }

    // Precondition: offset + length <= size().
    shared_bytes slice(std::size_t offset, std::size_t length) const {
        shared_bytes part;
        part.owner_ = owner_;
        part.data_ = data_ + offset;
        part.size_ = length;
        return part;
    }

    friend bool operator==(const shared_bytes& a, const shared_bytes& b) {
        return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
    }

private:
    std::shared_ptr<std::vector<uint8_t>> owner_;
    const uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace samsa
