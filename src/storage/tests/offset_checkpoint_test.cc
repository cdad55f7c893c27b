// The offset checkpoints of a log directory (storage/offset_checkpoint.h) and the checkpoint
// framing they share with the leader epoch checkpoint (storage/checkpoint_file.h).

#include "storage/offset_checkpoint.h"

#include <gtest/gtest.h>

#include <string>

#include "base/temporary_directory.h"
#include "storage/checkpoint_file.h"
#include "storage/faulty_file_system.h"

namespace samsa::storage {
namespace {

topic_partition tp(std::string topic, int32_t partition) {
    return {std::move(topic), partition_id(partition)};
}

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

class OffsetCheckpoint : public ::testing::Test {
protected:
    void write_raw(const std::filesystem::path& path, std::string_view text) {
        auto file = posix->open(path, open_mode::read_write_create);
        ASSERT_TRUE(file);
        ASSERT_TRUE(file.value()->truncate(0));
        ASSERT_TRUE(file.value()->write_at(0, bytes_of(text)));
    }
    std::string read_raw(const std::filesystem::path& path) {
        auto text = read_small_file(*posix, path, 1 << 20);
        EXPECT_TRUE(text) << text.error().message;
        return text ? text.value() : "";
    }
    partition_offsets parsed(std::string_view text) {
        auto offsets = parse_offset_checkpoint("checkpoint", text);
        EXPECT_TRUE(offsets) << offsets.error().message;
        return offsets ? offsets.value() : partition_offsets{};
    }
    std::string parse_error(std::string_view text) {
        auto offsets =
            parse_offset_checkpoint(dir.path() / "recovery-point-offset-checkpoint", text);
        EXPECT_FALSE(offsets);
        if (offsets) {
            return "";
        }
        EXPECT_EQ(offsets.error().code, std::errc::bad_message);
        EXPECT_NE(offsets.error().message.find(dir.path().string()), std::string::npos)
            << offsets.error().message;
        return offsets.error().message;
    }

    temporary_directory dir;
    std::unique_ptr<file_system> posix = make_posix_file_system(nullptr);
    faulty_file_system fs{*posix};
    std::filesystem::path file = dir.path() / recovery_point_checkpoint_file_name;
    const partition_offsets old_offsets{{tp("orders", 0), offset(1500)},
                                        {tp("orders", 1), offset(1480)}};
    const partition_offsets new_offsets{{tp("orders", 0), offset(2000)}};
};

TEST_F(OffsetCheckpoint, FileNamesAreKafkas) {
    EXPECT_EQ(recovery_point_checkpoint_file_name, "recovery-point-offset-checkpoint");
    EXPECT_EQ(log_start_offset_checkpoint_file_name, "log-start-offset-checkpoint");
    EXPECT_EQ(replication_offset_checkpoint_file_name, "replication-offset-checkpoint");
}

TEST_F(OffsetCheckpoint, IsWrittenInKafkasFormat) {
    partition_offsets offsets{{tp("orders", 1), offset(1480)},
                              {tp("orders", 0), offset(1500)},
                              {tp("__consumer_offsets", 12), offset(0)}};
    EXPECT_EQ(format_offset_checkpoint(offsets),
              "0\n3\n__consumer_offsets 12 0\norders 0 1500\norders 1 1480\n");
    EXPECT_EQ(format_offset_checkpoint({}), "0\n0\n");
    ASSERT_TRUE(write_offset_checkpoint(fs, file, offsets));
    EXPECT_EQ(read_raw(file), format_offset_checkpoint(offsets));
}

TEST_F(OffsetCheckpoint, RoundTripsThroughTheFileSystem) {
    ASSERT_TRUE(write_offset_checkpoint(fs, file, old_offsets));
    auto read = read_offset_checkpoint(fs, file);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read.value(), old_offsets);
    EXPECT_FALSE(posix->exists(dir.path() / "recovery-point-offset-checkpoint.tmp").value());
}

TEST_F(OffsetCheckpoint, AMissingFileHoldsNoOffsets) {
    auto read = read_offset_checkpoint(fs, file);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_TRUE(read.value().empty());
}

TEST_F(OffsetCheckpoint, AnEmptyFileOrOneWithOnlyTheVersionHoldsNoOffsets) {
    // Kafka creates the file empty before it first writes it.
    EXPECT_TRUE(parsed("").empty());
    EXPECT_TRUE(parsed("0\n").empty());
    EXPECT_TRUE(parsed("0").empty());
    EXPECT_TRUE(parsed("0\n0\n").empty());
}

TEST_F(OffsetCheckpoint, ReadsWhatKafkasReaderAccepts) {
    // Any whitespace between fields, trailing whitespace, CRLF or CR line ends, a missing
    // last newline, an explicit sign.
    partition_offsets expected{{tp("a", 0), offset(5)}, {tp("b", 1), offset(-1)}};
    EXPECT_EQ(parsed("0\n2\na\t0   5\nb 1 -1"), expected);
    EXPECT_EQ(parsed("0\r\n2\r\na 0 +5  \r\nb +1 -1\r\n"), expected);
    EXPECT_EQ(parsed("0\r2\ra 0 5\rb 1 -1\r"), expected);
}

TEST_F(OffsetCheckpoint, APartitionListedTwiceKeepsItsLastOffset) {
    EXPECT_EQ(parsed("0\n2\na 0 5\na 0 7\n"), (partition_offsets{{tp("a", 0), offset(7)}}));
}

TEST_F(OffsetCheckpoint, AnUnknownVersionIsAnError) {
    std::string message = parse_error("1\n0\n");
    EXPECT_NE(message.find("version 1"), std::string::npos) << message;
}

TEST_F(OffsetCheckpoint, AMalformedLineIsAnErrorNamingThePathAndTheLine) {
    std::string message = parse_error("0\n2\norders 0 1500\norders zero 1480\n");
    EXPECT_NE(message.find("line 4"), std::string::npos) << message;
    EXPECT_NE(message.find("orders zero 1480"), std::string::npos) << message;

    EXPECT_NE(parse_error("x\n").find("line 1"), std::string::npos);
    EXPECT_NE(parse_error(" 0\n").find("line 1"), std::string::npos);
    EXPECT_NE(parse_error("0\ntwo\n").find("line 2"), std::string::npos);
    EXPECT_NE(parse_error("0\n-1\n").find("line 2"), std::string::npos);
    EXPECT_NE(parse_error("0\n1\norders 0\n").find("line 3"), std::string::npos);
    EXPECT_NE(parse_error("0\n1\norders 0 1 2\n").find("line 3"), std::string::npos);
    EXPECT_NE(parse_error("0\n1\n orders 0 1\n").find("line 3"), std::string::npos);
    EXPECT_NE(parse_error("0\n1\norders 0 9223372036854775808\n").find("line 3"),
              std::string::npos);
    EXPECT_NE(parse_error("0\n1\norders 2147483648 0\n").find("line 3"), std::string::npos);
    EXPECT_NE(parse_error("0\n1\norders 0 1.5\n").find("line 3"), std::string::npos);
    EXPECT_NE(parse_error("0\n2\norders 0 1\n\n").find("line 4"), std::string::npos);
}

TEST_F(OffsetCheckpoint, ACountThatDisagreesWithTheEntriesIsAnError) {
    std::string message = parse_error("0\n3\norders 0 1500\norders 1 1480\n");
    EXPECT_NE(message.find("3 entries"), std::string::npos) << message;
    parse_error("0\n1\norders 0 1500\norders 1 1480\n");
}

TEST_F(OffsetCheckpoint, AMalformedFileOnDiskIsAnError) {
    write_raw(file, "0\n1\norders 0\n");
    auto read = read_offset_checkpoint(fs, file);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, std::errc::bad_message);
    EXPECT_NE(read.error().message.find(file.string()), std::string::npos);
    EXPECT_NE(read.error().message.find("line 3"), std::string::npos);
}

TEST_F(OffsetCheckpoint, ACrashBeforeTheRenameLeavesTheOldCheckpoint) {
    ASSERT_TRUE(write_offset_checkpoint(fs, file, old_offsets));
    fs.arm({.operation = file_operation::rename, .effect = fault_effect::crash});
    EXPECT_FALSE(write_offset_checkpoint(fs, file, new_offsets));
    fs.restart();
    // The new content sits in the temporary file, which readers never look at.
    EXPECT_EQ(read_raw(dir.path() / "recovery-point-offset-checkpoint.tmp"),
              format_offset_checkpoint(new_offsets));
    auto read = read_offset_checkpoint(fs, file);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read.value(), old_offsets);
}

TEST_F(OffsetCheckpoint, ACrashWhileWritingTheTemporaryFileLeavesTheOldCheckpoint) {
    ASSERT_TRUE(write_offset_checkpoint(fs, file, old_offsets));
    fs.arm({.operation = file_operation::write,
            .matches = path_ends_with(".tmp"),
            .effect = fault_effect::crash,
            .short_write_bytes = 5});
    EXPECT_FALSE(write_offset_checkpoint(fs, file, new_offsets));
    fs.restart();
    EXPECT_EQ(read_raw(dir.path() / "recovery-point-offset-checkpoint.tmp"), "0\n1\no");
    auto read = read_offset_checkpoint(fs, file);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read.value(), old_offsets);
}

TEST_F(OffsetCheckpoint, AFailedSyncOfTheTemporaryFileLeavesTheOldCheckpoint) {
    ASSERT_TRUE(write_offset_checkpoint(fs, file, old_offsets));
    fs.arm({.operation = file_operation::sync, .matches = path_ends_with(".tmp")});
    EXPECT_FALSE(write_offset_checkpoint(fs, file, new_offsets));
    EXPECT_EQ(read_offset_checkpoint(fs, file).value(), old_offsets);
}

TEST_F(OffsetCheckpoint, AStaleTemporaryFileIsIgnoredAndOverwritten) {
    ASSERT_TRUE(write_offset_checkpoint(fs, file, old_offsets));
    // Longer than what comes next, so a write that did not truncate would leave a tail.
    std::string stale = "0\n4\n" + std::string(200, 'x') + "\n";
    write_raw(dir.path() / "recovery-point-offset-checkpoint.tmp", stale);
    EXPECT_EQ(read_offset_checkpoint(fs, file).value(), old_offsets);
    ASSERT_TRUE(write_offset_checkpoint(fs, file, new_offsets));
    EXPECT_EQ(read_raw(file), format_offset_checkpoint(new_offsets));
    EXPECT_FALSE(posix->exists(dir.path() / "recovery-point-offset-checkpoint.tmp").value());
}

TEST_F(OffsetCheckpoint, NoSpaceForTheTemporaryFileIsAnError) {
    ASSERT_TRUE(write_offset_checkpoint(fs, file, old_offsets));
    fs.arm({.operation = file_operation::write,
            .error = std::make_error_code(std::errc::no_space_on_device)});
    auto written = write_offset_checkpoint(fs, file, new_offsets);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, std::errc::no_space_on_device);
    EXPECT_NE(written.error().message.find("recovery-point-offset-checkpoint.tmp"),
              std::string::npos);
    EXPECT_EQ(read_offset_checkpoint(fs, file).value(), old_offsets);
}

TEST_F(OffsetCheckpoint, AWriteIsDurableBeforeItReturns) {
    ASSERT_TRUE(write_offset_checkpoint(fs, file, old_offsets));
    EXPECT_EQ(fs.count(file_operation::sync), 1u);            // the temporary file
    EXPECT_EQ(fs.count(file_operation::rename), 1u);          // over the checkpoint
    EXPECT_EQ(fs.count(file_operation::sync_directory), 1u);  // and the rename
}

TEST(CheckpointFields, SplitLikeJavasWhitespaceSplit) {
    using fields = std::vector<std::string_view>;
    EXPECT_EQ(split_checkpoint_fields("a 0 1"), (fields{"a", "0", "1"}));
    EXPECT_EQ(split_checkpoint_fields("a \t 0\f1 \t"), (fields{"a", "0", "1"}));
    EXPECT_EQ(split_checkpoint_fields(" a 0"), (fields{"", "a", "0"}));
    EXPECT_EQ(split_checkpoint_fields(""), (fields{""}));
}

TEST(CheckpointFields, IntegersParseLikeJava) {
    EXPECT_EQ(parse_int32("+7"), 7);
    EXPECT_EQ(parse_int32("-2147483648"), INT32_MIN);
    EXPECT_EQ(parse_int32("2147483648"), std::nullopt);
    EXPECT_EQ(parse_int64("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(parse_int32(""), std::nullopt);
    EXPECT_EQ(parse_int32("+"), std::nullopt);
    EXPECT_EQ(parse_int32("+-1"), std::nullopt);
    EXPECT_EQ(parse_int32(" 1"), std::nullopt);
    EXPECT_EQ(parse_int32("1 "), std::nullopt);
    EXPECT_EQ(parse_int32("0x10"), std::nullopt);
}

}  // namespace
}  // namespace samsa::storage
