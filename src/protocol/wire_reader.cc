#include "protocol/wire_reader.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "base/endian.h"
#include "base/varint.h"

namespace samsa::protocol {

const char* to_string(decode_error error) {
    switch (error) {
        case decode_error::none:
            return "none";
        case decode_error::truncated:
            return "truncated";
        case decode_error::negative_length:
            return "negative length";
        case decode_error::length_past_end:
            return "length past end";
        case decode_error::bad_varint:
            return "bad varint";
        case decode_error::unsupported_version:
            return "unsupported version";
        case decode_error::trailing_bytes:
            return "trailing bytes";
        case decode_error::too_many_entries:
            return "more entries than the request memory budget takes";
    }
    return "unknown";
}

const uint8_t* wire_reader::take(std::size_t size) {
    if (size > remaining()) {
        fail(decode_error::truncated);
        return nullptr;
    }
    const uint8_t* start = frame_.data() + position_;
    position_ += size;
    return start;
}

int8_t wire_reader::read_int8() {
    auto bytes = take(1);
    return bytes ? static_cast<int8_t>(bytes[0]) : 0;
}

int16_t wire_reader::read_int16() {
    auto bytes = take(2);
    return bytes ? load_big_endian<int16_t>(bytes) : 0;
}

uint16_t wire_reader::read_uint16() {
    auto bytes = take(2);
    return bytes ? load_big_endian<uint16_t>(bytes) : 0;
}

int32_t wire_reader::read_int32() {
    auto bytes = take(4);
    return bytes ? load_big_endian<int32_t>(bytes) : 0;
}

uint32_t wire_reader::read_uint32() {
    auto bytes = take(4);
    return bytes ? load_big_endian<uint32_t>(bytes) : 0;
}

int64_t wire_reader::read_int64() {
    auto bytes = take(8);
    return bytes ? load_big_endian<int64_t>(bytes) : 0;
}

double wire_reader::read_float64() {
    return std::bit_cast<double>(static_cast<uint64_t>(read_int64()));
}

uuid wire_reader::read_uuid() {
    auto bytes = take(16);
    if (!bytes) {
        return {};
    }
    return uuid(load_big_endian<uint64_t>(bytes), load_big_endian<uint64_t>(bytes + 8));
}

uint32_t wire_reader::read_unsigned_varint() {
    if (!ok()) {
        return 0;
    }
    auto decoded = decode_unsigned_varint32({frame_.data() + position_, remaining()});
    if (!decoded) {
        fail(remaining() < max_varint32_bytes ? decode_error::truncated : decode_error::bad_varint);
        return 0;
    }
    position_ += decoded->size_bytes;
    return decoded->value;
}

int32_t wire_reader::read_varint() {
    return zigzag_decode32(read_unsigned_varint());
}

int64_t wire_reader::read_varlong() {
    if (!ok()) {
        return 0;
    }
    auto decoded = decode_unsigned_varint64({frame_.data() + position_, remaining()});
    if (!decoded) {
        fail(remaining() < max_varint64_bytes ? decode_error::truncated : decode_error::bad_varint);
        return 0;
    }
    position_ += decoded->size_bytes;
    return zigzag_decode64(decoded->value);
}

std::optional<std::string> wire_reader::read_nullable_string(bool compact) {
    int64_t length = compact ? static_cast<int64_t>(read_unsigned_varint()) - 1 : read_int16();
    if (!ok()) {
        return std::string();
    }
    if (length < -1) {
        fail(decode_error::negative_length);
        return std::string();
    }
    if (length == -1) {
        return std::nullopt;
    }
    auto bytes = take(static_cast<std::size_t>(length));
    if (!bytes) {
        return std::string();
    }
    return std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(length));
}

std::string wire_reader::read_string(bool compact) {
    auto text = read_nullable_string(compact);
    if (!text) {
        fail(decode_error::negative_length);
        return {};
    }
    return std::move(*text);
}

std::optional<shared_bytes> wire_reader::read_nullable_bytes(bool compact) {
    int64_t length = compact ? static_cast<int64_t>(read_unsigned_varint()) - 1 : read_int32();
    if (!ok()) {
        return shared_bytes();
    }
    if (length < -1) {
        fail(decode_error::negative_length);
        return shared_bytes();
    }
    if (length == -1) {
        return std::nullopt;
    }
    return read_raw(static_cast<std::size_t>(length));
}

shared_bytes wire_reader::read_bytes(bool compact) {
    auto bytes = read_nullable_bytes(compact);
    if (!bytes) {
        fail(decode_error::negative_length);
        return {};
    }
    return std::move(*bytes);
}

shared_bytes wire_reader::read_raw(std::size_t size) {
    if (size > remaining()) {
        fail(decode_error::length_past_end);
        return {};
    }
    auto slice = frame_.slice(position_, size);
    position_ += size;
    return slice;
}

int32_t wire_reader::read_array_length(bool compact, std::size_t min_element_bytes) {
    int64_t count = compact ? static_cast<int64_t>(read_unsigned_varint()) - 1 : read_int32();
    if (!ok()) {
        return 0;
    }
    if (count < -1) {
        fail(decode_error::negative_length);
        return 0;
    }
    if (count == -1) {
        return -1;
    }
    std::size_t per_element = min_element_bytes == 0 ? 1 : min_element_bytes;
    if (static_cast<uint64_t>(count) > remaining() / per_element) {
        fail(decode_error::length_past_end);
        return 0;
    }
    if (entry_count_ != nullptr) {
        entry_count_->read += static_cast<uint64_t>(count);
        if (entry_count_->read > entry_count_->limit) {
            fail(decode_error::too_many_entries);
            return 0;
        }
    }
    return static_cast<int32_t>(count);
}

uint32_t wire_reader::read_tagged_field_count() {
    uint32_t count = read_unsigned_varint();
    if (ok() && entry_count_ != nullptr) {
        // A tagged field takes two bytes at least (its tag and its size).
        entry_count_->read += std::min<uint64_t>(count, remaining() / 2);
        if (entry_count_->read > entry_count_->limit) {
            fail(decode_error::too_many_entries);
            return 0;
        }
    }
    return count;
}

wire_reader wire_reader::sub_reader(std::size_t size) {
    wire_reader sub(read_raw(size));
    sub.entry_count_ = entry_count_;
    return sub;
}

}  // namespace samsa::protocol
