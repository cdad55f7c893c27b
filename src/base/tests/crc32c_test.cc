#include "base/crc32c.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <array>
#include <climits>
#include <numeric>
#include <string_view>
#include <vector>

namespace samsa {
namespace {

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(crc32c, StandardCheckValue) {
    EXPECT_EQ(crc32c(bytes_of("123456789")), 0xE3069283u);
}

TEST(crc32c, EmptyInputIsZero) {
    EXPECT_EQ(crc32c({}), 0u);
}

// The test vectors of RFC 3720 (iSCSI), appendix B.4.
TEST(crc32c, MatchesIscsiTestVectors) {
    std::array<uint8_t, 32> zeros{};
    EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);

    std::array<uint8_t, 32> ones;
    ones.fill(0xff);
    EXPECT_EQ(crc32c(ones), 0x62A8AB43u);

    std::array<uint8_t, 32> ascending;
    std::iota(ascending.begin(), ascending.end(), uint8_t{0});
    EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);

    std::array<uint8_t, 32> descending;
    for (std::size_t i = 0; i < descending.size(); ++i) {
        descending[i] = static_cast<uint8_t>(31 - i);
    }
    EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(crc32c, ExtendingEqualsChecksumOfConcatenation) {
    std::vector<uint8_t> data(1000);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    uint32_t whole = crc32c(data);
    for (std::size_t split : {0, 1, 7, 8, 63, 500, 999, 1000}) {
        std::span<const uint8_t> all(data);
        EXPECT_EQ(crc32c_extend(crc32c(all.first(split)), all.subspan(split)), whole)
            << "split at " << split;
    }
}

TEST(crc32c, ExtendingWithNothingKeepsTheValue) {
    uint32_t value = crc32c(bytes_of("abc"));
    EXPECT_EQ(crc32c_extend(value, {}), value);
}

TEST(crc32c, SingleBitFlipChangesTheValue) {
    std::vector<uint8_t> data(64, 0x5a);
    uint32_t before = crc32c(data);
    data[33] ^= 0x10;
    EXPECT_NE(crc32c(data), before);
}

// ISA-L takes an int length; an input past INT_MAX must still be covered completely. The
// zero pages of a read-only anonymous mapping cost no memory.
TEST(crc32c, InputLongerThanIntMaxIsCoveredCompletely) {
    constexpr std::size_t piece = std::size_t{1} << 30;
    constexpr std::size_t size = 2 * piece + 4096;
    static_assert(size > static_cast<std::size_t>(INT_MAX));
    void* mapping =
        mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED) {
        GTEST_SKIP() << "cannot map 2 GiB of address space";
    }
    std::span<const uint8_t> zeros(static_cast<const uint8_t*>(mapping), size);

    uint32_t in_pieces = crc32c(zeros.first(piece));
    in_pieces = crc32c_extend(in_pieces, zeros.subspan(piece, piece));
    in_pieces = crc32c_extend(in_pieces, zeros.subspan(2 * piece));

    EXPECT_EQ(crc32c(zeros), in_pieces);
    EXPECT_NE(crc32c(zeros), crc32c(zeros.first(piece)));
    munmap(mapping, size);
}

}  // namespace
}  // namespace samsa
