#include "base/varint.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace samsa {
namespace {

std::vector<uint8_t> encoded32(uint32_t value) {
    std::array<uint8_t, max_varint32_bytes> out{};
    std::size_t size = encode_unsigned_varint32(value, out.data());
    return {out.begin(), out.begin() + size};
}

std::vector<uint8_t> encoded64(uint64_t value) {
    std::array<uint8_t, max_varint64_bytes> out{};
    std::size_t size = encode_unsigned_varint64(value, out.data());
    return {out.begin(), out.begin() + size};
}

TEST(varint, EncodesSevenBitGroupsLeastSignificantFirst) {
    EXPECT_EQ(encoded32(0), (std::vector<uint8_t>{0x00}));
    EXPECT_EQ(encoded32(1), (std::vector<uint8_t>{0x01}));
    EXPECT_EQ(encoded32(127), (std::vector<uint8_t>{0x7f}));
    EXPECT_EQ(encoded32(128), (std::vector<uint8_t>{0x80, 0x01}));
    EXPECT_EQ(encoded32(300), (std::vector<uint8_t>{0xac, 0x02}));
    EXPECT_EQ(encoded32(16384), (std::vector<uint8_t>{0x80, 0x80, 0x01}));
}

TEST(varint, MaximumValuesTakeMaximumSize) {
    EXPECT_EQ(encoded32(std::numeric_limits<uint32_t>::max()),
              (std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff, 0x0f}));
    EXPECT_EQ(encoded64(std::numeric_limits<uint64_t>::max()),
              (std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
    EXPECT_EQ(unsigned_varint32_size(std::numeric_limits<uint32_t>::max()), max_varint32_bytes);
    EXPECT_EQ(unsigned_varint64_size(std::numeric_limits<uint64_t>::max()), max_varint64_bytes);
}

TEST(varint, SizeMatchesEncodingAtEveryGroupBoundary) {
    for (int bits = 0; bits <= 64; ++bits) {
        for (int64_t adjust : {-1, 0, 1}) {
            uint64_t value = (bits == 64 ? 0 : (uint64_t{1} << bits)) + adjust;
            EXPECT_EQ(unsigned_varint64_size(value), encoded64(value).size()) << value;
            auto narrow = static_cast<uint32_t>(value);
            EXPECT_EQ(unsigned_varint32_size(narrow), encoded32(narrow).size()) << narrow;
        }
    }
}

TEST(varint, RoundTripsBoundaryAndRandomValues) {
    std::vector<uint64_t> values = {0,          1,
                                    127,        128,
                                    255,        16383,
                                    16384,      (1u << 21) - 1,
                                    1u << 21,   (1u << 28) - 1,
                                    1u << 28,   0xffffffffu,
                                    1ull << 35, (1ull << 63) - 1,
                                    1ull << 63, ~0ull};
    std::mt19937_64 random(42);
    for (int i = 0; i < 1000; ++i) {
        values.push_back(random() >> (random() % 64));
    }
    for (uint64_t value : values) {
        auto bytes64 = encoded64(value);
        auto decoded64 = decode_unsigned_varint64(bytes64);
        ASSERT_TRUE(decoded64.has_value()) << value;
        EXPECT_EQ(decoded64->value, value);
        EXPECT_EQ(decoded64->size_bytes, bytes64.size());

        auto narrow = static_cast<uint32_t>(value);
        auto bytes32 = encoded32(narrow);
        auto decoded32 = decode_unsigned_varint32(bytes32);
        ASSERT_TRUE(decoded32.has_value()) << narrow;
        EXPECT_EQ(decoded32->value, narrow);
        EXPECT_EQ(decoded32->size_bytes, bytes32.size());
    }
}

TEST(varint, DecodingStopsAtTheLastGroupAndIgnoresWhatFollows) {
    std::vector<uint8_t> bytes = {0xac, 0x02, 0xff, 0xff};
    auto decoded = decode_unsigned_varint32(bytes);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->value, 300u);
    EXPECT_EQ(decoded->size_bytes, 2u);
}

TEST(varint, EmptyInputIsTruncated) {
    EXPECT_FALSE(decode_unsigned_varint32({}).has_value());
    EXPECT_FALSE(decode_unsigned_varint64({}).has_value());
}

TEST(varint, InputEndingMidVarintIsTruncated) {
    std::vector<uint8_t> bytes = {0x80};
    EXPECT_FALSE(decode_unsigned_varint32(bytes).has_value());
    bytes = {0xff, 0xff, 0xff, 0xff};
    EXPECT_FALSE(decode_unsigned_varint32(bytes).has_value());
    bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    EXPECT_FALSE(decode_unsigned_varint64(bytes).has_value());
}

TEST(varint, EncodingLongerThanTheTypeAllowsIsRejected) {
    std::vector<uint8_t> six_bytes = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    EXPECT_FALSE(decode_unsigned_varint32(six_bytes).has_value());
    std::vector<uint8_t> eleven_bytes(10, 0x80);
    eleven_bytes.push_back(0x00);
    EXPECT_FALSE(decode_unsigned_varint64(eleven_bytes).has_value());
}

TEST(varint, LastGroupWithBitsBeyondTheTypeIsRejected) {
    // 2^32 does not fit 32 bits: the fifth group may only carry 4 bits.
    std::vector<uint8_t> bytes = {0x80, 0x80, 0x80, 0x80, 0x10};
    EXPECT_FALSE(decode_unsigned_varint32(bytes).has_value());
    bytes = {0xff, 0xff, 0xff, 0xff, 0x7f};
    EXPECT_FALSE(decode_unsigned_varint32(bytes).has_value());
    // The tenth group of a 64-bit varint may only carry 1 bit.
    std::vector<uint8_t> wide(9, 0x80);
    wide.push_back(0x02);
    EXPECT_FALSE(decode_unsigned_varint64(wide).has_value());
    wide.back() = 0x01;
    auto decoded = decode_unsigned_varint64(wide);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->value, 1ull << 63);
}

// Kafka's readers accept zero-padded (non-minimal) encodings within the maximum length, so a
// broker must too.
TEST(varint, NonMinimalEncodingWithinMaximumLengthIsAccepted) {
    std::vector<uint8_t> padded_zero = {0x80, 0x80, 0x80, 0x80, 0x00};
    auto decoded = decode_unsigned_varint32(padded_zero);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->value, 0u);
    EXPECT_EQ(decoded->size_bytes, 5u);

    std::vector<uint8_t> padded_one = {0x81, 0x00};
    decoded = decode_unsigned_varint32(padded_one);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->value, 1u);
}

TEST(zigzag, MapsSmallMagnitudesToSmallCodes) {
    EXPECT_EQ(zigzag_encode32(0), 0u);
    EXPECT_EQ(zigzag_encode32(-1), 1u);
    EXPECT_EQ(zigzag_encode32(1), 2u);
    EXPECT_EQ(zigzag_encode32(-2), 3u);
    EXPECT_EQ(zigzag_encode32(2), 4u);
    EXPECT_EQ(zigzag_encode32(std::numeric_limits<int32_t>::max()), 0xfffffffeu);
    EXPECT_EQ(zigzag_encode32(std::numeric_limits<int32_t>::min()), 0xffffffffu);
    EXPECT_EQ(zigzag_encode64(-1), 1u);
    EXPECT_EQ(zigzag_encode64(std::numeric_limits<int64_t>::max()), 0xfffffffffffffffeull);
    EXPECT_EQ(zigzag_encode64(std::numeric_limits<int64_t>::min()), 0xffffffffffffffffull);
}

TEST(zigzag, DecodeInvertsEncode) {
    for (int32_t value :
         {0, 1, -1, 63, -64, 64, -65, 1 << 20, -(1 << 20), std::numeric_limits<int32_t>::max(),
          std::numeric_limits<int32_t>::min()}) {
        EXPECT_EQ(zigzag_decode32(zigzag_encode32(value)), value);
    }
    for (int64_t value :
         {int64_t{0}, int64_t{-1}, int64_t{1} << 40, -(int64_t{1} << 40),
          std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
        EXPECT_EQ(zigzag_decode64(zigzag_encode64(value)), value);
    }
    for (uint32_t code : {0u, 1u, 2u, 0xfffffffeu, 0xffffffffu}) {
        EXPECT_EQ(zigzag_encode32(zigzag_decode32(code)), code);
    }
}

// Kafka writes a null key or value as the signed varint -1: the single byte 0x01.
TEST(zigzag, MinusOneIsTheSingleByteOne) {
    EXPECT_EQ(encoded32(zigzag_encode32(-1)), (std::vector<uint8_t>{0x01}));
}

}  // namespace
}  // namespace samsa
