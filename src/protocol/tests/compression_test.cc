#include "protocol/compression.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "base/endian.h"
#include "protocol/snappy_xerial.h"
#include "protocol/tests/record_test_support.h"

namespace samsa::protocol {
namespace {

using test::bytes_of;
using test::from_hex;

constexpr std::size_t mebibyte = 1024 * 1024;

const compression_codec all_codecs[] = {compression_codec::none, compression_codec::gzip,
                                        compression_codec::snappy, compression_codec::lz4,
                                        compression_codec::zstd};
const compression_codec real_codecs[] = {compression_codec::gzip, compression_codec::snappy,
                                         compression_codec::lz4, compression_codec::zstd};

// Half text-like (compressible), half random, so every codec has real work to do.
std::vector<uint8_t> sample_data(std::size_t size, uint32_t seed = 1) {
    std::mt19937 random(seed);
    std::vector<uint8_t> data(size);
    for (std::size_t i = 0; i < size; ++i) {
        data[i] = (i / 64) % 2 == 0 ? static_cast<uint8_t>('a' + (i % 13))
                                    : static_cast<uint8_t>(random());
    }
    return data;
}

std::vector<uint8_t> compressed(compression_codec codec, std::span<const uint8_t> input) {
    auto result = compress(codec, input);
    EXPECT_TRUE(result.has_value()) << to_string(codec);
    return result ? std::move(result).value() : std::vector<uint8_t>();
}

class every_codec : public testing::TestWithParam<compression_codec> {};
class every_real_codec : public testing::TestWithParam<compression_codec> {};

std::string codec_name(const testing::TestParamInfo<compression_codec>& info) {
    return std::string(to_string(info.param));
}

INSTANTIATE_TEST_SUITE_P(compression, every_codec, testing::ValuesIn(all_codecs), codec_name);
INSTANTIATE_TEST_SUITE_P(compression, every_real_codec, testing::ValuesIn(real_codecs), codec_name);

TEST_P(every_codec, RoundTripsInputsOfManySizes) {
    // Around snappy's 32 KiB xerial blocks and lz4's 64 KiB frame blocks, and past 1 MiB.
    for (std::size_t size :
         {std::size_t{0}, std::size_t{1}, std::size_t{100}, xerial_block_size_bytes - 1,
          xerial_block_size_bytes, xerial_block_size_bytes + 1, std::size_t{65536 * 3 + 7},
          std::size_t{3 * mebibyte / 2}}) {
        auto input = sample_data(size, static_cast<uint32_t>(size));
        auto packed = compressed(GetParam(), input);
        auto unpacked = decompress(GetParam(), packed, input.size());
        ASSERT_TRUE(unpacked.has_value()) << size << ": " << to_string(unpacked.error());
        EXPECT_EQ(*unpacked, input) << size;
    }
}

TEST_P(every_codec, OutputOfExactlyTheBoundIsAccepted) {
    auto input = sample_data(100000);
    auto packed = compressed(GetParam(), input);
    EXPECT_TRUE(decompress(GetParam(), packed, input.size()).has_value());
}

TEST_P(every_codec, OutputOneByteOverTheBoundIsTooLarge) {
    auto input = sample_data(100000);
    auto packed = compressed(GetParam(), input);
    auto unpacked = decompress(GetParam(), packed, input.size() - 1);
    ASSERT_FALSE(unpacked.has_value());
    EXPECT_EQ(unpacked.error(), compression_error::too_large);
}

TEST_P(every_codec, ZeroBoundAcceptsOnlyEmptyOutput) {
    auto empty = compressed(GetParam(), {});
    EXPECT_TRUE(decompress(GetParam(), empty, 0).has_value());
    std::vector<uint8_t> one = {42};
    auto unpacked = decompress(GetParam(), compressed(GetParam(), one), 0);
    ASSERT_FALSE(unpacked.has_value());
    EXPECT_EQ(unpacked.error(), compression_error::too_large);
}

// 100 MiB of zeros compress to a few hundred KiB at most; with a 1 MiB bound the decoder
// must stop at 1 MiB instead of inflating all of it.
TEST_P(every_real_codec, DecompressionBombIsRejectedAtTheBound) {
    std::vector<uint8_t> zeros(100 * mebibyte);
    auto bomb = compressed(GetParam(), zeros);
    zeros = {};
    ASSERT_LT(bomb.size(), 5 * mebibyte);

    auto start = std::chrono::steady_clock::now();
    auto unpacked = decompress(GetParam(), bomb, mebibyte);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(unpacked.has_value());
    EXPECT_EQ(unpacked.error(), compression_error::too_large);
    // Decoding 1 MiB takes milliseconds; decoding 100 MiB would take far longer.
    EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST_P(every_real_codec, EmptyInputIsCorrupt) {
    auto unpacked = decompress(GetParam(), {}, mebibyte);
    ASSERT_FALSE(unpacked.has_value());
    EXPECT_EQ(unpacked.error(), compression_error::corrupt);
}

TEST_P(every_real_codec, EveryTruncationIsAnErrorOrAShorterValidStream) {
    auto input = sample_data(5000);
    auto packed = compressed(GetParam(), input);
    for (std::size_t size = 0; size < packed.size(); ++size) {
        auto unpacked = decompress(GetParam(), std::span(packed).first(size), input.size());
        if (GetParam() == compression_codec::snappy && size == xerial_header_size_bytes) {
            // A xerial header with no blocks is a valid, empty stream.
            ASSERT_TRUE(unpacked.has_value());
            EXPECT_TRUE(unpacked->empty());
            continue;
        }
        ASSERT_FALSE(unpacked.has_value()) << "prefix of " << size << " bytes";
        if (GetParam() == compression_codec::snappy && size > 1 && size < xerial_magic.size()) {
            // Without the whole magic this reads as a raw block, whose leading varint
            // (0x82 'S' ...) declares more than the bound.
            EXPECT_EQ(unpacked.error(), compression_error::too_large) << "prefix of " << size;
            continue;
        }
        EXPECT_EQ(unpacked.error(), compression_error::corrupt) << "prefix of " << size;
    }
}

// Whatever the damage, the decoder answers (data or an error) without reading or writing
// out of bounds; the sanitizer build checks the "out of bounds" part.
TEST_P(every_real_codec, RandomCorruptionNeverCrashes) {
    auto input = sample_data(20000);
    auto packed = compressed(GetParam(), input);
    std::mt19937 random(99);
    for (int round = 0; round < 3000; ++round) {
        auto damaged = packed;
        int flips = 1 + static_cast<int>(random() % 4);
        for (int i = 0; i < flips; ++i) {
            damaged[random() % damaged.size()] ^= static_cast<uint8_t>(1 + random() % 255);
        }
        auto unpacked = decompress(GetParam(), damaged, input.size() * 2);
        if (unpacked.has_value()) {
            EXPECT_LE(unpacked->size(), input.size() * 2);
        }
    }
}

TEST_P(every_real_codec, GarbageIsCorrupt) {
    auto garbage = sample_data(3000, 5);
    for (auto& byte : garbage) {
        byte = static_cast<uint8_t>(byte * 31 + 7);
    }
    auto unpacked = decompress(GetParam(), garbage, mebibyte);
    ASSERT_FALSE(unpacked.has_value());
    EXPECT_EQ(unpacked.error(), compression_error::corrupt);
}

TEST(compression, CodecOutsideTheEnumIsUnsupported) {
    auto codec = static_cast<compression_codec>(5);
    std::vector<uint8_t> input = {1, 2, 3};
    auto packed = compress(codec, input);
    ASSERT_FALSE(packed.has_value());
    EXPECT_EQ(packed.error(), compression_error::unsupported_codec);
    auto unpacked = decompress(codec, input, 100);
    ASSERT_FALSE(unpacked.has_value());
    EXPECT_EQ(unpacked.error(), compression_error::unsupported_codec);
}

TEST(compression, NoneCopiesWithinTheBound) {
    std::vector<uint8_t> input = {1, 2, 3};
    EXPECT_EQ(*compress(compression_codec::none, input), input);
    EXPECT_EQ(*decompress(compression_codec::none, input, 3), input);
    EXPECT_EQ(decompress(compression_codec::none, input, 2).error(), compression_error::too_large);
}

TEST(gzip, WritesAGzipMember) {
    auto packed = compressed(compression_codec::gzip, bytes_of("hello"));
    ASSERT_GE(packed.size(), 18u);
    EXPECT_EQ(packed[0], 0x1f);
    EXPECT_EQ(packed[1], 0x8b);
    EXPECT_EQ(packed[2], 8);  // deflate
}

TEST(gzip, ConcatenatedMembersDecodeAsTheirConcatenation) {
    auto first = compressed(compression_codec::gzip, bytes_of("first "));
    auto second = compressed(compression_codec::gzip, bytes_of("second"));
    first.insert(first.end(), second.begin(), second.end());
    auto unpacked = decompress(compression_codec::gzip, first, 100);
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(test::text_of(*unpacked), "first second");
}

TEST(gzip, TrailingGarbageIsCorrupt) {
    auto packed = compressed(compression_codec::gzip, bytes_of("payload"));
    packed.push_back(0);
    packed.push_back(1);
    auto unpacked = decompress(compression_codec::gzip, packed, 100);
    ASSERT_FALSE(unpacked.has_value());
    EXPECT_EQ(unpacked.error(), compression_error::corrupt);
}

TEST(gzip, ZlibWrapperInsteadOfGzipIsCorrupt) {
    std::string text = "zlib, not gzip";
    std::vector<uint8_t> packed(compressBound(text.size()));
    uLongf size = packed.size();
    ASSERT_EQ(::compress(packed.data(), &size, bytes_of(text).data(), text.size()), Z_OK);
    packed.resize(size);
    EXPECT_EQ(decompress(compression_codec::gzip, packed, 100).error(), compression_error::corrupt);
}

TEST(snappy, CompressWritesXerialFraming) {
    auto input = sample_data(xerial_block_size_bytes + 10);
    auto packed = compressed(compression_codec::snappy, input);
    ASSERT_GT(packed.size(), xerial_header_size_bytes);
    EXPECT_TRUE(std::equal(xerial_magic.begin(), xerial_magic.end(), packed.begin()));
    EXPECT_EQ(load_big_endian<int32_t>(packed.data() + 8), 1);
    EXPECT_EQ(load_big_endian<int32_t>(packed.data() + 12), 1);

    // Two blocks: 32 KiB, then the 10 bytes left.
    auto first_length = load_big_endian<int32_t>(packed.data() + 16);
    auto first = std::span(packed).subspan(20, first_length);
    std::size_t first_size = 0;
    ASSERT_TRUE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(first.data()),
                                              first.size(), &first_size));
    EXPECT_EQ(first_size, xerial_block_size_bytes);
    auto second_at = 20 + static_cast<std::size_t>(first_length);
    auto second_length = load_big_endian<int32_t>(packed.data() + second_at);
    EXPECT_EQ(second_at + 4 + static_cast<std::size_t>(second_length), packed.size());
}

TEST(snappy, EmptyInputIsAXerialHeaderAlone) {
    auto packed = compressed(compression_codec::snappy, {});
    EXPECT_EQ(packed.size(), xerial_header_size_bytes);
}

TEST(snappy, RawBlockWrittenByPythonSnappyDecodes) {
    auto block = from_hex(test::raw_snappy_block);
    auto unpacked = decompress(compression_codec::snappy, block, 1000);
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(test::text_of(*unpacked), "hello hello hello hello snappy raw block");
}

TEST(snappy, RawBlockDecodes) {
    auto input = sample_data(100000);
    std::string block;
    snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &block);
    auto unpacked = decompress(compression_codec::snappy, bytes_of(block), input.size());
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(*unpacked, input);
}

TEST(snappy, RawBlockDeclaringMoreThanTheBoundIsTooLargeBeforeDecoding) {
    // A raw block starts with its uncompressed length: this one claims 4 GiB - 1.
    std::vector<uint8_t> block = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
    EXPECT_EQ(decompress(compression_codec::snappy, block, mebibyte).error(),
              compression_error::too_large);
}

TEST(snappy, XerialBlocksFromAnotherWriterDecode) {
    // Blocks of uneven sizes, as a writer with another block size would produce.
    auto input = sample_data(70000);
    std::vector<uint8_t> stream(xerial_magic.begin(), xerial_magic.end());
    for (int32_t field : {1, 1}) {
        stream.resize(stream.size() + 4);
        store_big_endian<int32_t>(stream.data() + stream.size() - 4, field);
    }
    for (auto [start, size] :
         {std::pair<std::size_t, std::size_t>{0, 1000}, {1000, 60000}, {61000, 9000}}) {
        std::string block;
        snappy::Compress(reinterpret_cast<const char*>(input.data() + start), size, &block);
        stream.resize(stream.size() + 4);
        store_big_endian<int32_t>(stream.data() + stream.size() - 4,
                                  static_cast<int32_t>(block.size()));
        stream.insert(stream.end(), block.begin(), block.end());
    }
    auto unpacked = decompress(compression_codec::snappy, stream, input.size());
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(*unpacked, input);
    EXPECT_EQ(decompress(compression_codec::snappy, stream, input.size() - 1).error(),
              compression_error::too_large);
}

TEST(snappy, XerialBlockLengthPastTheEndIsCorrupt) {
    auto packed = compressed(compression_codec::snappy, sample_data(1000));
    store_big_endian<int32_t>(packed.data() + 16, static_cast<int32_t>(packed.size()));
    EXPECT_EQ(decompress(compression_codec::snappy, packed, mebibyte).error(),
              compression_error::corrupt);
}

TEST(snappy, XerialNegativeBlockLengthIsCorrupt) {
    auto packed = compressed(compression_codec::snappy, sample_data(1000));
    store_big_endian<int32_t>(packed.data() + 16, -1);
    EXPECT_EQ(decompress(compression_codec::snappy, packed, mebibyte).error(),
              compression_error::corrupt);
}

TEST(snappy, XerialHeaderCutShortIsCorrupt) {
    std::vector<uint8_t> header(xerial_magic.begin(), xerial_magic.end());
    header.push_back(0);
    EXPECT_EQ(decompress(compression_codec::snappy, header, mebibyte).error(),
              compression_error::corrupt);
}

TEST(snappy, XerialManyBlocksOverTheBoundAreRejectedBeforeDecoding) {
    // Each tiny block claims 1 MiB; the sum passes the bound long before any is decoded.
    std::vector<uint8_t> stream(xerial_magic.begin(), xerial_magic.end());
    stream.insert(stream.end(), {0, 0, 0, 1, 0, 0, 0, 1});
    for (int i = 0; i < 100; ++i) {
        stream.insert(stream.end(), {0, 0, 0, 4, 0x80, 0x80, 0x40, 0x00});
    }
    EXPECT_EQ(decompress(compression_codec::snappy, stream, 10 * mebibyte).error(),
              compression_error::too_large);
}

TEST(lz4, CompressWritesKafkasFrameSettings) {
    auto packed = compressed(compression_codec::lz4, sample_data(1000));
    ASSERT_GE(packed.size(), 7u);
    EXPECT_EQ(load_big_endian<uint32_t>(packed.data()), 0x04224d18u);  // 0x184D2204 LE
    // FLG: version 01, independent blocks, no block checksum, no content size, no content
    // checksum. BD: 64 KiB maximum block size.
    EXPECT_EQ(packed[4], 0x60);
    EXPECT_EQ(packed[5], 0x40);
}

std::vector<uint8_t> lz4_frame(std::span<const uint8_t> input, bool with_size_and_checksums) {
    LZ4F_preferences_t preferences{};
    if (with_size_and_checksums) {
        preferences.frameInfo.contentSize = input.size();
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
        preferences.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
        preferences.frameInfo.blockMode = LZ4F_blockLinked;
        preferences.frameInfo.blockSizeID = LZ4F_max4MB;
    }
    std::vector<uint8_t> frame(LZ4F_compressFrameBound(input.size(), &preferences));
    auto size =
        LZ4F_compressFrame(frame.data(), frame.size(), input.data(), input.size(), &preferences);
    EXPECT_FALSE(LZ4F_isError(size));
    frame.resize(size);
    return frame;
}

TEST(lz4, FrameWithContentSizeAndChecksumsDecodes) {
    auto input = sample_data(300000);
    auto frame = lz4_frame(input, true);
    auto unpacked = decompress(compression_codec::lz4, frame, input.size());
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(*unpacked, input);
}

TEST(lz4, ContentChecksumMismatchIsCorrupt) {
    auto input = sample_data(3000);
    auto frame = lz4_frame(input, true);
    frame[frame.size() - 1] ^= 1;
    EXPECT_EQ(decompress(compression_codec::lz4, frame, input.size()).error(),
              compression_error::corrupt);
}

TEST(lz4, ConcatenatedFramesDecodeAsTheirConcatenation) {
    auto frame = lz4_frame(bytes_of("first "), false);
    auto second = lz4_frame(bytes_of("second"), true);
    frame.insert(frame.end(), second.begin(), second.end());
    auto unpacked = decompress(compression_codec::lz4, frame, 100);
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(test::text_of(*unpacked), "first second");
}

// What zstd-jni's ZstdOutputStream (the Java client) produces: a frame without content size.
std::vector<uint8_t> zstd_streamed(std::span<const uint8_t> input, int window_log = 0) {
    ZSTD_CCtx* context = ZSTD_createCCtx();
    if (window_log != 0) {
        ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, window_log);
    }
    std::vector<uint8_t> frame(ZSTD_compressBound(input.size()) + 1024);
    ZSTD_outBuffer out{frame.data(), frame.size(), 0};
    // Feeding the input in pieces keeps the encoder from learning its size.
    std::size_t position = 0;
    while (position < input.size()) {
        std::size_t piece = std::min<std::size_t>(1000, input.size() - position);
        ZSTD_inBuffer in{input.data() + position, piece, 0};
        while (in.pos < in.size) {
            EXPECT_FALSE(ZSTD_isError(ZSTD_compressStream2(context, &out, &in, ZSTD_e_continue)));
        }
        position += piece;
    }
    ZSTD_inBuffer none{nullptr, 0, 0};
    while (ZSTD_compressStream2(context, &out, &none, ZSTD_e_end) != 0) {
    }
    ZSTD_freeCCtx(context);
    frame.resize(out.pos);
    return frame;
}

TEST(zstd, StreamedFrameWithoutContentSizeDecodes) {
    auto input = sample_data(200000);
    auto frame = zstd_streamed(input);
    ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), ZSTD_CONTENTSIZE_UNKNOWN);
    auto unpacked = decompress(compression_codec::zstd, frame, input.size());
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(*unpacked, input);
}

TEST(zstd, StreamedFrameOverTheBoundIsTooLarge) {
    auto input = sample_data(200000);
    auto frame = zstd_streamed(input);
    EXPECT_EQ(decompress(compression_codec::zstd, frame, input.size() - 1).error(),
              compression_error::too_large);
}

// A frame may declare any window up to 2 GiB, and the decoder allocates what it declares;
// past the limit the frame is rejected before any allocation.
TEST(zstd, WindowLargerThanTheDecoderLimitIsTooLarge) {
    auto input = sample_data(1000);
    auto frame = zstd_streamed(input, 28);
    EXPECT_EQ(decompress(compression_codec::zstd, frame, mebibyte).error(),
              compression_error::too_large);
    // The usual window of a streaming compressor (2^21 at level 3) is fine under a small
    // bound.
    auto usual = zstd_streamed(input);
    EXPECT_TRUE(decompress(compression_codec::zstd, usual, input.size()).has_value());
}

TEST(zstd, ConcatenatedFramesDecodeAsTheirConcatenation) {
    auto frame = compressed(compression_codec::zstd, bytes_of("first "));
    auto second = zstd_streamed(bytes_of("second"));
    frame.insert(frame.end(), second.begin(), second.end());
    auto unpacked = decompress(compression_codec::zstd, frame, 100);
    ASSERT_TRUE(unpacked.has_value());
    EXPECT_EQ(test::text_of(*unpacked), "first second");
}

TEST(zstd, TrailingGarbageIsCorrupt) {
    auto frame = compressed(compression_codec::zstd, bytes_of("payload"));
    frame.insert(frame.end(), {1, 2, 3, 4, 5, 6, 7, 8});
    EXPECT_EQ(decompress(compression_codec::zstd, frame, 100).error(), compression_error::corrupt);
}

TEST(compression, ErrorsAndCodecsHaveNames) {
    EXPECT_EQ(to_string(compression_codec::zstd), "zstd");
    EXPECT_EQ(to_string(static_cast<compression_codec>(7)), "unknown");
    EXPECT_FALSE(to_string(compression_error::too_large).empty());
}

}  // namespace
}  // namespace samsa::protocol
