// A segment's aborted transaction index (storage/transaction_index.h): Kafka's `.txnindex`
// bytes, collect() as a read_committed fetch uses it, truncation, and damaged files.

#include "storage/transaction_index.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/temporary_directory.h"
#include "storage/faulty_file_system.h"

namespace samsa::storage {
namespace {

aborted_transaction aborted(int64_t id, int64_t first, int64_t last, int64_t last_stable) {
    return {producer_id(id), offset(first), offset(last), offset(last_stable)};
}

class TransactionIndex : public ::testing::Test {
protected:
    std::unique_ptr<transaction_index> open_index(int64_t base_offset = 0) {
        auto index = transaction_index::open(fs, dir.path(), offset(base_offset));
        EXPECT_TRUE(index) << index.error().message;
        return index ? std::move(index).value() : nullptr;
    }
    std::vector<aborted_transaction> all(const transaction_index& index) {
        auto entries = index.all();
        EXPECT_TRUE(entries) << entries.error().message;
        return entries ? entries.value() : std::vector<aborted_transaction>{};
    }
    aborted_transactions_search collect(const transaction_index& index, int64_t fetch_offset,
                                        int64_t upper_bound) {
        auto search = index.collect(offset(fetch_offset), offset(upper_bound));
        EXPECT_TRUE(search) << search.error().message;
        return search ? search.value() : aborted_transactions_search{};
    }
    std::filesystem::path file() const { return dir / "00000000000000000000.txnindex"; }

    temporary_directory dir;
    std::unique_ptr<file_system> posix = make_posix_file_system(nullptr);
    faulty_file_system fs{*posix};
};

TEST(aborted_transaction_codec, IsKafkasAbortedTxnLayout) {
    auto bytes = encode_aborted_transaction(aborted(0x0102030405060708, 10, 20, 21));
    std::array<uint8_t, aborted_transaction_bytes> expected{0, 0,                     // version
                                                            1, 2, 3, 4,  5, 6, 7, 8,  // producer id
                                                            0, 0, 0, 0,  0, 0, 0, 10, 0, 0, 0, 0,
                                                            0, 0, 0, 20, 0, 0, 0, 0,  0, 0, 0, 21};
    EXPECT_EQ(bytes, expected);
    EXPECT_EQ(decode_aborted_transaction(bytes), aborted(0x0102030405060708, 10, 20, 21));
    bytes[1] = 1;
    EXPECT_EQ(decode_aborted_transaction(bytes), std::nullopt);
}

TEST(collect_aborted, StopsAtTheFirstLastStableOffsetReachingTheBound) {
    std::vector<aborted_transaction> entries{aborted(1, 0, 5, 6), aborted(2, 3, 10, 11),
                                             aborted(3, 12, 20, 30), aborted(4, 25, 40, 41)};
    std::vector<aborted_transaction> found;
    EXPECT_TRUE(collect_aborted(entries, offset(6), offset(25), found));
    EXPECT_EQ(found, (std::vector<aborted_transaction>{entries[1], entries[2]}));
    found.clear();
    EXPECT_FALSE(collect_aborted(entries, offset(0), offset(100), found));
    EXPECT_EQ(found, entries);
}

TEST_F(TransactionIndex, FileIsCreatedOnlyByTheFirstAppend) {
    auto index = open_index();
    ASSERT_TRUE(index);
    EXPECT_FALSE(std::filesystem::exists(file()));
    EXPECT_TRUE(all(*index).empty());
    EXPECT_FALSE(collect(*index, 0, 100).complete);
    ASSERT_TRUE(index->append(aborted(1, 0, 4, 5)));
    EXPECT_EQ(std::filesystem::file_size(file()), aborted_transaction_bytes);
}

TEST_F(TransactionIndex, AppendCollectAndReopen) {
    auto index = open_index();
    ASSERT_TRUE(index->append(aborted(1, 0, 4, 5)));
    ASSERT_TRUE(index->append(aborted(2, 2, 9, 10)));
    ASSERT_TRUE(index->append(aborted(3, 15, 20, 30)));
    EXPECT_EQ(index->last_offset(), offset(20));

    auto search = collect(*index, 5, 16);
    EXPECT_EQ(search.transactions,
              (std::vector<aborted_transaction>{aborted(2, 2, 9, 10), aborted(3, 15, 20, 30)}));
    EXPECT_TRUE(search.complete);
    search = collect(*index, 21, 100);
    EXPECT_TRUE(search.transactions.empty());
    EXPECT_FALSE(search.complete);

    ASSERT_TRUE(index->flush());
    ASSERT_TRUE(index->close());
    index = open_index();
    EXPECT_EQ(index->last_offset(), offset(20));
    EXPECT_EQ(all(*index).size(), 3u);
    ASSERT_TRUE(index->append(aborted(4, 21, 22, 23)));
    EXPECT_EQ(all(*index).size(), 4u);
}

TEST_F(TransactionIndex, AppendRefusesALastOffsetThatDoesNotIncrease) {
    auto index = open_index();
    ASSERT_TRUE(index->append(aborted(1, 0, 10, 11)));
    auto refused = index->append(aborted(2, 5, 10, 11));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, std::errc::invalid_argument);
    EXPECT_FALSE(index->append(aborted(2, 5, 9, 11)));
    EXPECT_EQ(all(*index).size(), 1u);
}

TEST_F(TransactionIndex, TruncateDropsEntriesEndingAtOrAfterTheOffset) {
    auto index = open_index();
    ASSERT_TRUE(index->append(aborted(1, 0, 4, 5)));
    ASSERT_TRUE(index->append(aborted(2, 2, 9, 10)));
    ASSERT_TRUE(index->append(aborted(3, 15, 20, 30)));
    ASSERT_TRUE(index->truncate_to(offset(21)));
    EXPECT_EQ(all(*index).size(), 3u);
    ASSERT_TRUE(index->truncate_to(offset(9)));
    EXPECT_EQ(all(*index), (std::vector<aborted_transaction>{aborted(1, 0, 4, 5)}));
    EXPECT_EQ(index->last_offset(), offset(4));
    EXPECT_EQ(std::filesystem::file_size(file()), aborted_transaction_bytes);
    // Appends may continue after the cut.
    ASSERT_TRUE(index->append(aborted(4, 6, 8, 9)));
    ASSERT_TRUE(index->reset());
    EXPECT_TRUE(all(*index).empty());
    EXPECT_EQ(index->last_offset(), std::nullopt);
    ASSERT_TRUE(index->append(aborted(5, 0, 1, 2)));
}

TEST_F(TransactionIndex, TornTailIsCutOnOpen) {
    {
        auto index = open_index();
        ASSERT_TRUE(index->append(aborted(1, 0, 4, 5)));
        ASSERT_TRUE(index->append(aborted(2, 2, 9, 10)));
    }
    std::filesystem::resize_file(file(), 2 * aborted_transaction_bytes - 3);
    auto index = open_index();
    EXPECT_EQ(all(*index), (std::vector<aborted_transaction>{aborted(1, 0, 4, 5)}));
    EXPECT_EQ(std::filesystem::file_size(file()), aborted_transaction_bytes);
    ASSERT_TRUE(index->append(aborted(2, 2, 9, 10)));
    EXPECT_EQ(all(*index).size(), 2u);
}

TEST_F(TransactionIndex, ShortWriteLeavesNoTornEntry) {
    auto index = open_index();
    ASSERT_TRUE(index->append(aborted(1, 0, 4, 5)));
    fs.arm({.operation = file_operation::write,
            .matches = path_ends_with(".txnindex"),
            .short_write_bytes = 10});
    EXPECT_FALSE(index->append(aborted(2, 2, 9, 10)));
    EXPECT_EQ(std::filesystem::file_size(file()), aborted_transaction_bytes);
    ASSERT_TRUE(index->append(aborted(2, 2, 9, 10)));
    EXPECT_EQ(all(*index).size(), 2u);
}

TEST_F(TransactionIndex, CorruptFilesAreRefusedOnOpen) {
    auto write_entries = [&](std::vector<aborted_transaction> entries, int16_t version = 0) {
        auto out = posix->open(file(), open_mode::read_write_create);
        ASSERT_TRUE(out);
        ASSERT_TRUE(out.value()->truncate(0));
        uint64_t position = 0;
        for (const auto& entry : entries) {
            auto bytes = encode_aborted_transaction(entry);
            bytes[1] = static_cast<uint8_t>(version);
            ASSERT_TRUE(out.value()->write_at(position, bytes));
            position += bytes.size();
        }
    };
    auto refused = [&](int64_t base_offset) {
        auto index = transaction_index::open(fs, dir.path(), offset(base_offset));
        return !index && index.error().code == std::errc::bad_message;
    };
    write_entries({aborted(1, 0, 10, 11), aborted(2, 0, 10, 11)});
    EXPECT_TRUE(refused(0));
    write_entries({aborted(1, 0, 10, 11)}, 1);
    EXPECT_TRUE(refused(0));
    // Named after base offset 0 but opened for a segment from 50: entries below it.
    write_entries({aborted(1, 0, 10, 11)});
    auto from_fifty = transaction_index::open(fs, dir.path(), offset(50));
    ASSERT_TRUE(from_fifty);  // another file name: nothing there
    EXPECT_TRUE(all(*from_fifty.value()).empty());
    std::filesystem::rename(file(), dir / "00000000000000000050.txnindex");
    EXPECT_TRUE(refused(50));
}

TEST_F(TransactionIndex, RenameWithSuffixAndRemove) {
    auto index = open_index();
    ASSERT_TRUE(index->append(aborted(1, 0, 4, 5)));
    auto renamed = index->rename_with_suffix(".deleted");
    ASSERT_TRUE(renamed);
    EXPECT_EQ(renamed.value(), dir / "00000000000000000000.txnindex.deleted");
    EXPECT_TRUE(std::filesystem::exists(renamed.value()));
    EXPECT_FALSE(std::filesystem::exists(file()));
    ASSERT_TRUE(index->remove());
    EXPECT_FALSE(std::filesystem::exists(renamed.value()));

    // An index that never had a file renames nothing.
    auto empty = open_index(100);
    auto empty_renamed = empty->rename_with_suffix(".deleted");
    ASSERT_TRUE(empty_renamed);
    EXPECT_FALSE(std::filesystem::exists(empty_renamed.value()));
}

TEST_F(TransactionIndex, ReadFailureIsReported) {
    auto index = open_index();
    ASSERT_TRUE(index->append(aborted(1, 0, 4, 5)));
    fs.arm({.operation = file_operation::read, .matches = path_ends_with(".txnindex")});
    auto search = index->collect(offset(0), offset(10));
    ASSERT_FALSE(search);
    EXPECT_EQ(search.error().code, std::errc::io_error);
}

}  // namespace
}  // namespace samsa::storage
