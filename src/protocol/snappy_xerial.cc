#include "protocol/snappy_xerial.h"

#include <snappy.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "base/endian.h"

namespace samsa::protocol {
namespace {

bool starts_with_xerial_magic(std::span<const uint8_t> input) {
    return input.size() >= xerial_magic.size() &&
           std::equal(xerial_magic.begin(), xerial_magic.end(), input.begin());
}

const char* as_chars(const uint8_t* bytes) {
    return reinterpret_cast<const char*>(bytes);
}

// The uncompressed size a raw snappy block declares, or nullopt if it declares none.
std::optional<std::size_t> declared_size(std::span<const uint8_t> block) {
    std::size_t size = 0;
    if (!snappy::GetUncompressedLength(as_chars(block.data()), block.size(), &size)) {
        return std::nullopt;
    }
    return size;
}

// Splits the blocks of a xerial stream (after its header). Returns false if the framing is
// malformed; visit(block) returning false stops the walk and makes it fail too.
template <typename Visit>
bool for_each_xerial_block(std::span<const uint8_t> blocks, Visit visit) {
    while (!blocks.empty()) {
        if (blocks.size() < sizeof(int32_t)) {
            return false;
        }
        int32_t length = load_big_endian<int32_t>(blocks.data());
        blocks = blocks.subspan(sizeof(int32_t));
        if (length < 0 || static_cast<std::size_t>(length) > blocks.size()) {
            return false;
        }
        if (!visit(blocks.first(length))) {
            return false;
        }
        blocks = blocks.subspan(length);
    }
    return true;
}

result<std::vector<uint8_t>, compression_error> decompress_raw(std::span<const uint8_t> input,
                                                               std::size_t max_output_bytes) {
    auto size = declared_size(input);
    if (!size) {
        return failure{compression_error::corrupt};
    }
    if (*size > max_output_bytes) {
        return failure{compression_error::too_large};
    }
    std::vector<uint8_t> output(*size);
    if (!snappy::RawUncompress(as_chars(input.data()), input.size(),
                               reinterpret_cast<char*>(output.data()))) {
        return failure{compression_error::corrupt};
    }
    return output;
}

result<std::vector<uint8_t>, compression_error> decompress_xerial(std::span<const uint8_t> input,
                                                                  std::size_t max_output_bytes) {
    // The version fields are not checked: xerial's own reader accepts every version it has
    // written, and the block framing has never changed.
    if (input.size() < xerial_header_size_bytes) {
        return failure{compression_error::corrupt};
    }
    auto blocks = input.subspan(xerial_header_size_bytes);

    // First pass: the total size, from the blocks' declared sizes, checked against the bound.
    std::size_t total = 0;
    bool too_large = false;
    bool well_formed = for_each_xerial_block(blocks, [&](std::span<const uint8_t> block) {
        auto size = declared_size(block);
        if (!size) {
            return false;
        }
        if (*size > max_output_bytes - total) {
            too_large = true;
            return false;
        }
        total += *size;
        return true;
    });
    if (too_large) {
        return failure{compression_error::too_large};
    }
    if (!well_formed) {
        return failure{compression_error::corrupt};
    }

    // Second pass: decode each block into its place. RawUncompress fails unless the block
    // decodes to exactly the size it declared.
    std::vector<uint8_t> output(total);
    std::size_t position = 0;
    well_formed = for_each_xerial_block(blocks, [&](std::span<const uint8_t> block) {
        auto size = declared_size(block);
        if (!snappy::RawUncompress(as_chars(block.data()), block.size(),
                                   reinterpret_cast<char*>(output.data() + position))) {
            return false;
        }
        position += *size;
        return true;
    });
    if (!well_formed) {
        return failure{compression_error::corrupt};
    }
    return output;
}

}  // namespace

std::vector<uint8_t> snappy_compress_xerial(std::span<const uint8_t> input) {
    std::size_t blocks = (input.size() + xerial_block_size_bytes - 1) / xerial_block_size_bytes;
    std::vector<uint8_t> output(
        xerial_header_size_bytes +
        blocks * (sizeof(int32_t) + snappy::MaxCompressedLength(xerial_block_size_bytes)));
    std::memcpy(output.data(), xerial_magic.data(), xerial_magic.size());
    store_big_endian<int32_t>(output.data() + 8, xerial_version);
    store_big_endian<int32_t>(output.data() + 12, xerial_compatible_version);

    std::size_t position = xerial_header_size_bytes;
    while (!input.empty()) {
        auto chunk = input.first(std::min(input.size(), xerial_block_size_bytes));
        std::size_t compressed_size = 0;
        snappy::RawCompress(as_chars(chunk.data()), chunk.size(),
                            reinterpret_cast<char*>(output.data() + position + sizeof(int32_t)),
                            &compressed_size);
        store_big_endian<int32_t>(output.data() + position, static_cast<int32_t>(compressed_size));
        position += sizeof(int32_t) + compressed_size;
        input = input.subspan(chunk.size());
    }
    output.resize(position);
    return output;
}

result<std::vector<uint8_t>, compression_error> snappy_decompress(std::span<const uint8_t> input,
                                                                  std::size_t max_output_bytes) {
    if (starts_with_xerial_magic(input)) {
        return decompress_xerial(input, max_output_bytes);
    }
    return decompress_raw(input, max_output_bytes);
}

}  // namespace samsa::protocol
