// Producer state snapshots (storage/producer_snapshot.h): Kafka's `.snapshot` bytes, refusal
// of damaged files, and the file helpers over a real directory with injected faults.

#include "storage/producer_snapshot.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/crc32c.h"
#include "base/endian.h"
#include "base/temporary_directory.h"
#include "storage/faulty_file_system.h"
#include "storage/tests/producer_batch_maker.h"

namespace samsa::storage {
namespace {

// Three producers: one idempotent with two batches, one with an open transaction, one that
// only ever saw a marker (no batch).
producer_state_table sample_table() {
    producer_state_table table("orders-0");
    table.record_batch(batch_of(7, 1, 0, 3, false, 1000), offset(0), offset(2));
    table.record_batch(batch_of(7, 1, 3, 2, false, 1100), offset(3), offset(4));
    table.record_batch(batch_of(3, 0, 10, 4, true, 1200), offset(5), offset(8));
    table.record_marker(producer_id(9), producer_epoch(4), {protocol::control_type::abort, 6},
                        offset(9), 1300);
    return table;
}

std::vector<uint8_t> with_crc(std::vector<uint8_t> bytes) {
    store_big_endian<uint32_t>(bytes.data() + 2, crc32c(std::span(bytes).subspan(6)));
    return bytes;
}

TEST(producer_snapshot, EncodingIsKafkasLayout) {
    producer_state_table table("orders-0", offset(0));
    table.record_batch(batch_of(0x0102030405060708, 0x0a0b, 5, 3, true, 0x1112131415161718),
                       offset(40), offset(42));
    std::vector<uint8_t> bytes = encode_producer_snapshot(table);
    // version 1, crc, count 1, then one 46-byte entry.
    std::vector<uint8_t> expected{0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
                                  // producer id
                                  1, 2, 3, 4, 5, 6, 7, 8,
                                  // epoch
                                  0x0a, 0x0b,
                                  // last sequence 7
                                  0, 0, 0, 7,
                                  // last offset 42
                                  0, 0, 0, 0, 0, 0, 0, 42,
                                  // offset delta 2
                                  0, 0, 0, 2,
                                  // timestamp
                                  0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
                                  // coordinator epoch -1
                                  0xff, 0xff, 0xff, 0xff,
                                  // current transaction's first offset 40
                                  0, 0, 0, 0, 0, 0, 0, 40};
    EXPECT_EQ(bytes, with_crc(expected));
    EXPECT_EQ(bytes.size(), producer_snapshot_header_bytes + producer_snapshot_entry_bytes);
}

TEST(producer_snapshot, EmptyTableIsAHeaderOnly) {
    producer_state_table table;
    std::vector<uint8_t> bytes = encode_producer_snapshot(table);
    EXPECT_EQ(bytes, with_crc({0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
    auto entries = decode_producer_snapshot("empty", bytes);
    ASSERT_TRUE(entries) << entries.error().message;
    EXPECT_TRUE(entries.value().empty());
}

TEST(producer_snapshot, RoundTripKeepsTheNewestBatchOfEachProducer) {
    producer_state_table table = sample_table();
    auto entries = decode_producer_snapshot("sample", encode_producer_snapshot(table));
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries.value().size(), 3u);
    // In producer id order.
    EXPECT_EQ(entries.value()[0].id, producer_id(3));
    EXPECT_EQ(entries.value()[1].id, producer_id(7));
    EXPECT_EQ(entries.value()[2].id, producer_id(9));

    producer_state_table restored = restore_producer_state("orders-0", offset(10), entries.value());
    EXPECT_EQ(restored.map_end_offset(), offset(10));
    EXPECT_EQ(restored.first_unstable_offset(), offset(5));

    const producer_entry* idempotent = restored.find(producer_id(7));
    ASSERT_NE(idempotent, nullptr);
    EXPECT_EQ(idempotent->epoch, producer_epoch(1));
    ASSERT_EQ(idempotent->batches.size(), 1u);
    EXPECT_EQ(idempotent->batches.back(), table.find(producer_id(7))->batches.back());
    EXPECT_EQ(idempotent->last_timestamp_ms, 1100);

    const producer_entry* transactional = restored.find(producer_id(3));
    ASSERT_NE(transactional, nullptr);
    EXPECT_EQ(*transactional, *table.find(producer_id(3)));

    const producer_entry* marker_only = restored.find(producer_id(9));
    ASSERT_NE(marker_only, nullptr);
    EXPECT_EQ(*marker_only, *table.find(producer_id(9)));
    EXPECT_EQ(marker_only->coordinator_epoch, 6);

    // The newest batch is still recognised as a retry, and the sequence continues.
    auto retry = restored.check_client_batch(batch_of(7, 1, 3, 2, false, 1100));
    ASSERT_TRUE(retry && retry.value());
    EXPECT_EQ(retry.value()->first_offset, offset(3));
    EXPECT_TRUE(restored.check_client_batch(batch_of(7, 1, 5, 1, false, 1200)));
    // So does one that wrapped.
    producer_state_table wrapped;
    wrapped.record_batch(batch_of(1, 0, 2147483646, 3, false, 0), offset(0), offset(2));
    auto wrapped_entries = decode_producer_snapshot("w", encode_producer_snapshot(wrapped));
    ASSERT_TRUE(wrapped_entries);
    EXPECT_EQ(wrapped_entries.value()[0].batches.back(), wrapped.find(producer_id(1))->batches[0]);
}

TEST(producer_snapshot, DamagedSnapshotsAreRefused) {
    std::vector<uint8_t> good = encode_producer_snapshot(sample_table());
    ASSERT_TRUE(decode_producer_snapshot("good", good));

    auto refused = [](std::vector<uint8_t> bytes) {
        auto entries =
            decode_producer_snapshot("/data/orders-0/00000000000000000010.snapshot", bytes);
        EXPECT_FALSE(entries);
        if (!entries) {
            EXPECT_EQ(entries.error().code, std::errc::bad_message);
            EXPECT_NE(entries.error().message.find("00000000000000000010.snapshot"),
                      std::string::npos);
        }
        return !entries;
    };
    std::vector<uint8_t> flipped = good;
    flipped[20] ^= 0x01;
    EXPECT_TRUE(refused(flipped));

    std::vector<uint8_t> version = good;
    version[1] = 2;
    EXPECT_TRUE(refused(version));

    for (std::size_t size : {std::size_t{0}, std::size_t{5}, std::size_t{9}, good.size() - 1,
                             good.size() - producer_snapshot_entry_bytes}) {
        std::vector<uint8_t> truncated(good.begin(), good.begin() + static_cast<long>(size));
        if (truncated.size() >= 6) {
            truncated = with_crc(truncated);  // a valid CRC does not save a short file
        }
        EXPECT_TRUE(refused(truncated)) << size;
    }

    std::vector<uint8_t> trailing = good;
    trailing.push_back(0);
    EXPECT_TRUE(refused(with_crc(trailing)));

    // A count far larger than the file is refused before anything is allocated for it.
    std::vector<uint8_t> huge = good;
    store_big_endian<int32_t>(huge.data() + 6, 0x7fffffff);
    EXPECT_TRUE(refused(with_crc(huge)));
    store_big_endian<int32_t>(huge.data() + 6, -1);
    EXPECT_TRUE(refused(with_crc(huge)));
}

class ProducerSnapshotFiles : public ::testing::Test {
protected:
    void write_at(int64_t snapshot_offset) {
        producer_state_table table = sample_table();
        table.advance_map_end_offset(offset(snapshot_offset));
        auto written = write_producer_snapshot(fs, dir.path(), table);
        ASSERT_TRUE(written) << written.error().message;
    }
    std::vector<offset> listed() {
        auto offsets = list_producer_snapshots(fs, dir.path());
        EXPECT_TRUE(offsets) << offsets.error().message;
        return offsets ? offsets.value() : std::vector<offset>{};
    }
    void touch(std::string_view name) {
        auto file = posix->open(dir / name, open_mode::read_write_create);
        ASSERT_TRUE(file);
    }

    temporary_directory dir;
    std::unique_ptr<file_system> posix = make_posix_file_system(nullptr);
    faulty_file_system fs{*posix};
};

TEST_F(ProducerSnapshotFiles, WriteListReadAndDelete) {
    write_at(100);
    write_at(20);
    write_at(3000);
    EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000000100.snapshot"));
    touch("00000000000000000050.snapshot.tmp");
    touch("00000000000000000060.snapshot.deleted");
    touch("00000000000000000070.log");
    touch("leader-epoch-checkpoint");
    touch("junk.snapshot");
    EXPECT_EQ(listed(), (std::vector<offset>{offset(20), offset(100), offset(3000)}));

    auto entries = read_producer_snapshot(fs, dir.path(), offset(100));
    ASSERT_TRUE(entries) << entries.error().message;
    EXPECT_EQ(entries.value().size(), 3u);

    ASSERT_TRUE(delete_producer_snapshots_above(fs, dir.path(), offset(100)));
    EXPECT_EQ(listed(), (std::vector<offset>{offset(20), offset(100)}));
    ASSERT_TRUE(delete_producer_snapshots_below(fs, dir.path(), offset(100)));
    EXPECT_EQ(listed(), (std::vector<offset>{offset(100)}));
}

TEST_F(ProducerSnapshotFiles, MissingSnapshotIsAnError) {
    auto entries = read_producer_snapshot(fs, dir.path(), offset(5));
    ASSERT_FALSE(entries);
    EXPECT_EQ(entries.error().code, std::errc::no_such_file_or_directory);
}

TEST_F(ProducerSnapshotFiles, FailedWriteLeavesTheOldSnapshot) {
    write_at(100);
    producer_state_table other("orders-0", offset(100));
    fs.arm({.operation = file_operation::write,
            .matches = path_ends_with(".tmp"),
            .short_write_bytes = 7});
    EXPECT_FALSE(write_producer_snapshot(fs, dir.path(), other));
    auto entries = read_producer_snapshot(fs, dir.path(), offset(100));
    ASSERT_TRUE(entries) << entries.error().message;
    EXPECT_EQ(entries.value().size(), 3u);
    EXPECT_EQ(listed(), (std::vector<offset>{offset(100)}));
}

TEST_F(ProducerSnapshotFiles, TornSnapshotFileIsRefused) {
    write_at(100);
    std::filesystem::resize_file(dir / "00000000000000000100.snapshot", 30);
    auto entries = read_producer_snapshot(fs, dir.path(), offset(100));
    ASSERT_FALSE(entries);
    EXPECT_EQ(entries.error().code, std::errc::bad_message);
}

}  // namespace
}  // namespace samsa::storage
