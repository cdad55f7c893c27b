#include "protocol/compression.h"

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <memory>

#include "protocol/snappy_xerial.h"

namespace samsa::protocol {
namespace {

// Kafka's default levels (compression.gzip.level, compression.lz4.level,
// compression.zstd.level).
constexpr int gzip_level = 6;
constexpr int lz4_level = 9;
constexpr int zstd_level = 3;

// 15 bits of window, plus 16: read and write the gzip wrapper rather than zlib's.
constexpr int gzip_window_bits = 15 + 16;

constexpr int zstd_min_window_log = 23;
constexpr int zstd_max_window_log = 27;

// The output of a streaming decoder: grows geometrically, never past max_bytes. Capacity is
// reserved exactly so the vector's own growth policy cannot overshoot the bound either.
class bounded_output {
public:
    bounded_output(std::size_t max_bytes, std::size_t input_size_bytes)
        : max_bytes_(max_bytes),
          first_size_bytes_(std::clamp<std::size_t>(input_size_bytes, 4096, 1 << 20)) {}

    // Where the decoder may write next; empty once max_bytes are written.
    std::span<uint8_t> room() {
        if (used_bytes_ == buffer_.size() && buffer_.size() < max_bytes_) {
            std::size_t grown = buffer_.empty() ? first_size_bytes_ : 2 * buffer_.size();
            grown = std::min(grown, max_bytes_);
            buffer_.reserve(grown);
            buffer_.resize(grown);
        }
        return std::span(buffer_).subspan(used_bytes_);
    }
    void commit(std::size_t size_bytes) { used_bytes_ += size_bytes; }

    std::vector<uint8_t> finish() && {
        buffer_.resize(used_bytes_);
        return std::move(buffer_);
    }

private:
    std::size_t max_bytes_;
    std::size_t first_size_bytes_;
    std::size_t used_bytes_ = 0;
    std::vector<uint8_t> buffer_;
};

// Once the output is full, the decoder gets this one-byte buffer instead: if it writes into
// it, the input decodes to more than the bound; if it finishes without, the output fit.
struct overflow_probe {
    std::array<uint8_t, 1> byte{};
    std::span<uint8_t> room() { return byte; }
};

// zlib counts in uInt; larger inputs are fed in pieces.
constexpr std::size_t zlib_max_chunk_bytes = UINT_MAX;

uInt zlib_chunk(std::size_t size_bytes) {
    return static_cast<uInt>(std::min(size_bytes, zlib_max_chunk_bytes));
}

result<std::vector<uint8_t>, compression_error> gzip_compress(std::span<const uint8_t> input) {
    z_stream stream{};
    if (deflateInit2(&stream, gzip_level, Z_DEFLATED, gzip_window_bits, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return failure{compression_error::library_failure};
    }
    std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&stream, &deflateEnd);
    std::vector<uint8_t> output(deflateBound(&stream, input.size()));
    std::size_t written = 0;
    while (true) {
        std::size_t chunk = zlib_chunk(input.size());
        stream.next_in = const_cast<Bytef*>(input.data());
        stream.avail_in = static_cast<uInt>(chunk);
        if (written == output.size()) {
            output.resize(output.size() + output.size() / 2 + 64);
        }
        stream.next_out = output.data() + written;
        stream.avail_out = zlib_chunk(output.size() - written);
        uInt room = stream.avail_out;
        int flush = chunk == input.size() ? Z_FINISH : Z_NO_FLUSH;
        int status = deflate(&stream, flush);
        written += room - stream.avail_out;
        input = input.subspan(chunk - stream.avail_in);
        if (status == Z_STREAM_END) {
            break;
        }
        if (status != Z_OK && status != Z_BUF_ERROR) {
            return failure{compression_error::library_failure};
        }
    }
    output.resize(written);
    return output;
}

result<std::vector<uint8_t>, compression_error> gzip_decompress(std::span<const uint8_t> input,
                                                                std::size_t max_output_bytes) {
    z_stream stream{};
    if (inflateInit2(&stream, gzip_window_bits) != Z_OK) {
        return failure{compression_error::library_failure};
    }
    std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&stream, &inflateEnd);
    bounded_output output(max_output_bytes, input.size());
    overflow_probe probe;
    while (true) {
        std::span<uint8_t> room = output.room();
        bool probing = room.empty();
        if (probing) {
            room = probe.room();
        }
        std::size_t chunk = zlib_chunk(input.size());
        stream.next_in = const_cast<Bytef*>(input.data());
        stream.avail_in = static_cast<uInt>(chunk);
        stream.next_out = room.data();
        stream.avail_out = zlib_chunk(room.size());
        uInt room_bytes = stream.avail_out;
        int status = inflate(&stream, Z_NO_FLUSH);
        std::size_t produced = room_bytes - stream.avail_out;
        std::size_t consumed = chunk - stream.avail_in;
        input = input.subspan(consumed);
        if (probing && produced > 0) {
            return failure{compression_error::too_large};
        }
        if (!probing) {
            output.commit(produced);
        }
        if (status == Z_STREAM_END) {
            if (input.empty()) {
                return std::move(output).finish();
            }
            // Another gzip member follows.
            if (inflateReset(&stream) != Z_OK) {
                return failure{compression_error::library_failure};
            }
            continue;
        }
        if (status == Z_MEM_ERROR) {
            return failure{compression_error::library_failure};
        }
        if (status != Z_OK && status != Z_BUF_ERROR) {
            return failure{compression_error::corrupt};
        }
        // No progress with room left to write means the input ended inside the stream.
        if (produced == 0 && consumed == 0) {
            return failure{compression_error::corrupt};
        }
    }
}

result<std::vector<uint8_t>, compression_error> lz4_compress(std::span<const uint8_t> input) {
    LZ4F_preferences_t preferences{};
    preferences.frameInfo.blockSizeID = LZ4F_max64KB;
    preferences.frameInfo.blockMode = LZ4F_blockIndependent;
    preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    preferences.frameInfo.contentSize = 0;
    preferences.compressionLevel = lz4_level;
    std::vector<uint8_t> output(LZ4F_compressFrameBound(input.size(), &preferences));
    std::size_t written =
        LZ4F_compressFrame(output.data(), output.size(), input.data(), input.size(), &preferences);
    if (LZ4F_isError(written)) {
        return failure{compression_error::library_failure};
    }
    output.resize(written);
    return output;
}

result<std::vector<uint8_t>, compression_error> lz4_decompress(std::span<const uint8_t> input,
                                                               std::size_t max_output_bytes) {
    LZ4F_dctx* raw_context = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_context, LZ4F_VERSION))) {
        return failure{compression_error::library_failure};
    }
    std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> context(
        raw_context, &LZ4F_freeDecompressionContext);
    bounded_output output(max_output_bytes, input.size());
    overflow_probe probe;
    if (input.empty()) {
        return failure{compression_error::corrupt};
    }
    while (true) {
        std::span<uint8_t> room = output.room();
        bool probing = room.empty();
        if (probing) {
            room = probe.room();
        }
        std::size_t produced = room.size();
        std::size_t consumed = input.size();
        std::size_t hint = LZ4F_decompress(context.get(), room.data(), &produced, input.data(),
                                           &consumed, nullptr);
        if (LZ4F_isError(hint)) {
            return failure{compression_error::corrupt};
        }
        input = input.subspan(consumed);
        if (probing && produced > 0) {
            return failure{compression_error::too_large};
        }
        if (!probing) {
            output.commit(produced);
        }
        if (hint == 0) {
            // A frame ended; LZ4F starts the next one, if any, on the next call.
            if (input.empty()) {
                return std::move(output).finish();
            }
            continue;
        }
        if (input.empty() && produced < room.size()) {
            return failure{compression_error::corrupt};
        }
        if (produced == 0 && consumed == 0) {
            return failure{compression_error::corrupt};
        }
    }
}

result<std::vector<uint8_t>, compression_error> zstd_compress(std::span<const uint8_t> input) {
    std::vector<uint8_t> output(ZSTD_compressBound(input.size()));
    std::size_t written =
        ZSTD_compress(output.data(), output.size(), input.data(), input.size(), zstd_level);
    if (ZSTD_isError(written)) {
        return failure{compression_error::library_failure};
    }
    output.resize(written);
    return output;
}

// The largest window the decoder will allocate: enough for the bound (a window larger than
// the whole output is never needed), but never below what ordinary streaming compressors
// declare whatever the content size, and never above zstd's default limit.
int zstd_window_log_max(std::size_t max_output_bytes) {
    int needed = max_output_bytes <= 1 ? 1 : std::bit_width(max_output_bytes - 1);
    return std::clamp(needed, zstd_min_window_log, zstd_max_window_log);
}

result<std::vector<uint8_t>, compression_error> zstd_decompress(std::span<const uint8_t> input,
                                                                std::size_t max_output_bytes) {
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), &ZSTD_freeDCtx);
    if (!context || ZSTD_isError(ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax,
                                                        zstd_window_log_max(max_output_bytes)))) {
        return failure{compression_error::library_failure};
    }
    bounded_output output(max_output_bytes, input.size());
    overflow_probe probe;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    while (true) {
        std::span<uint8_t> room = output.room();
        bool probing = room.empty();
        if (probing) {
            room = probe.room();
        }
        ZSTD_outBuffer out{room.data(), room.size(), 0};
        std::size_t consumed_before = in.pos;
        std::size_t hint = ZSTD_decompressStream(context.get(), &out, &in);
        if (ZSTD_isError(hint)) {
            switch (ZSTD_getErrorCode(hint)) {
                case ZSTD_error_frameParameter_windowTooLarge:
                    return failure{compression_error::too_large};
                case ZSTD_error_memory_allocation:
                    return failure{compression_error::library_failure};
                default:
                    return failure{compression_error::corrupt};
            }
        }
        if (probing && out.pos > 0) {
            return failure{compression_error::too_large};
        }
        if (!probing) {
            output.commit(out.pos);
        }
        if (hint == 0 && in.pos == in.size) {
            // The last frame is complete and fully flushed.
            return std::move(output).finish();
        }
        if (in.pos == in.size && out.pos < out.size) {
            return failure{compression_error::corrupt};
        }
        if (out.pos == 0 && in.pos == consumed_before) {
            return failure{compression_error::corrupt};
        }
    }
}

}  // namespace

std::string_view to_string(compression_codec codec) {
    switch (codec) {
        case compression_codec::none:
            return "none";
        case compression_codec::gzip:
            return "gzip";
        case compression_codec::snappy:
            return "snappy";
        case compression_codec::lz4:
            return "lz4";
        case compression_codec::zstd:
            return "zstd";
    }
    return "unknown";
}

std::string_view to_string(compression_error error) {
    switch (error) {
        case compression_error::corrupt:
            return "corrupt compressed data";
        case compression_error::too_large:
            return "decompressed data exceeds the size limit";
        case compression_error::unsupported_codec:
            return "unsupported compression codec";
        case compression_error::library_failure:
            return "compression library failure";
    }
    return "unknown compression error";
}

result<std::vector<uint8_t>, compression_error> compress(compression_codec codec,
                                                         std::span<const uint8_t> input) {
    switch (codec) {
        case compression_codec::none:
            return std::vector<uint8_t>(input.begin(), input.end());
        case compression_codec::gzip:
            return gzip_compress(input);
        case compression_codec::snappy:
            return snappy_compress_xerial(input);
        case compression_codec::lz4:
            return lz4_compress(input);
        case compression_codec::zstd:
            return zstd_compress(input);
    }
    return failure{compression_error::unsupported_codec};
}

result<std::vector<uint8_t>, compression_error> decompress(compression_codec codec,
                                                           std::span<const uint8_t> input,
                                                           std::size_t max_output_bytes) {
    switch (codec) {
        case compression_codec::none:
            if (input.size() > max_output_bytes) {
                return failure{compression_error::too_large};
            }
            return std::vector<uint8_t>(input.begin(), input.end());
        case compression_codec::gzip:
            return gzip_decompress(input, max_output_bytes);
        case compression_codec::snappy:
            return snappy_decompress(input, max_output_bytes);
        case compression_codec::lz4:
            return lz4_decompress(input, max_output_bytes);
        case compression_codec::zstd:
            return zstd_decompress(input, max_output_bytes);
    }
    return failure{compression_error::unsupported_codec};
}

}  // namespace samsa::protocol
