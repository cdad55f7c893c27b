#include "payload.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <set>
#include <string_view>
#include <vector>

namespace samsa::load {
namespace {

constexpr std::size_t record_bytes = 1024;
// One librdkafka batch at the default batch.size.
constexpr std::size_t batch_bytes = 1000 * record_bytes;

// gzip (zlib's default level, as librdkafka uses) of `count` consecutive records from a cursor:
// what the codec sees in one batch.
double gzip_ratio(const payload_pool& pool, std::size_t count) {
    payload_cursor cursor(pool, 0, 1);
    std::vector<char> batch;
    for (std::size_t i = 0; i < count; ++i) {
        const char* record = cursor.next();
        batch.insert(batch.end(), record, record + pool.record_bytes());
    }
    uLongf compressed_size = compressBound(batch.size());
    std::vector<Bytef> compressed(compressed_size);
    EXPECT_EQ(
        compress2(compressed.data(), &compressed_size, reinterpret_cast<const Bytef*>(batch.data()),
                  batch.size(), Z_DEFAULT_COMPRESSION),
        Z_OK);
    return static_cast<double>(batch.size()) / static_cast<double>(compressed_size);
}

TEST(payload, RandomPayloadDoesNotCompress) {
    payload_pool pool(payload_kind::random, record_bytes, 1);
    EXPECT_LT(gzip_ratio(pool, batch_bytes / record_bytes), 1.01);
}

TEST(payload, TextPayloadCompressesLikeEventData) {
    payload_pool pool(payload_kind::text, record_bytes, 1);
    double ratio = gzip_ratio(pool, batch_bytes / record_bytes);
    // Real JSON event streams compress 3x to 10x; a ratio outside that would make a
    // compression benchmark measure something no user sends.
    EXPECT_GT(ratio, 3.0);
    EXPECT_LT(ratio, 10.0);
    RecordProperty("gzip_ratio", std::to_string(ratio));
}

TEST(payload, TextPayloadIsPrintableLogLines) {
    payload_pool pool(payload_kind::text, record_bytes, 1, 64 * 1024);
    std::string_view text = pool.bytes();
    EXPECT_EQ(text.substr(0, 7), "{\"ts\":1");
    for (char c : text) {
        ASSERT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << static_cast<int>(c);
    }
}

TEST(payload, SamePoolForTheSameSeed) {
    payload_pool first(payload_kind::text, 100, 42, 4096);
    payload_pool second(payload_kind::text, 100, 42, 4096);
    payload_pool other(payload_kind::text, 100, 43, 4096);
    EXPECT_EQ(first.bytes(), second.bytes());
    EXPECT_NE(first.bytes(), other.bytes());
}

TEST(payload, CursorHandsOutConsecutiveSlicesAndWraps) {
    payload_pool pool(payload_kind::random, 100, 1, 1050);
    payload_cursor cursor(pool, 0, 1);
    const char* start = pool.bytes().data();
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(cursor.next(), start + i * 100);
    }
    // The 50 bytes left at the end are too few for a record: back to the start.
    EXPECT_EQ(cursor.next(), start);
}

TEST(payload, CursorsOfDifferentProducersStartApart) {
    payload_pool pool(payload_kind::random, 100, 1, 1000);
    std::set<const char*> starts;
    for (std::size_t index = 0; index < 4; ++index) {
        payload_cursor cursor(pool, index, 4);
        starts.insert(cursor.next());
    }
    EXPECT_EQ(starts.size(), 4u);
    EXPECT_EQ(*starts.begin(), pool.bytes().data());
}

TEST(payload, PoolHoldsAtLeastTwoRecords) {
    payload_pool pool(payload_kind::random, 1000, 1, 10);
    EXPECT_EQ(pool.bytes().size(), 2000u);
}

}  // namespace
}  // namespace samsa::load
