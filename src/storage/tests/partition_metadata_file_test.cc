// partition.metadata (storage/partition_metadata_file.h).

#include "storage/partition_metadata_file.h"

#include <gtest/gtest.h>

#include <string>

#include "base/temporary_directory.h"
#include "storage/faulty_file_system.h"

namespace samsa::storage {
namespace {

const topic_id orders_id(0xbd72dbd5d9964583ULL, 0xbac8a7b54d62db65ULL);
const topic_id payments_id(0x1122334455667788ULL, 0x99aabbccddeeff00ULL);

class PartitionMetadataFile : public ::testing::Test {
protected:
    void write_raw(std::string_view text) {
        auto file = posix->open(file_path, open_mode::read_write_create);
        ASSERT_TRUE(file);
        ASSERT_TRUE(file.value()->truncate(0));
        ASSERT_TRUE(file.value()->write_at(
            0, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    }
    std::optional<partition_metadata> read() {
        auto metadata = read_partition_metadata(fs, dir.path());
        EXPECT_TRUE(metadata) << metadata.error().message;
        return metadata ? metadata.value() : std::nullopt;
    }
    std::string parse_error(std::string_view text) {
        auto metadata = parse_partition_metadata(file_path, text);
        EXPECT_FALSE(metadata) << text;
        if (metadata) {
            return "";
        }
        EXPECT_EQ(metadata.error().code, std::errc::bad_message);
        EXPECT_NE(metadata.error().message.find(file_path.string()), std::string::npos);
        return metadata.error().message;
    }

    temporary_directory dir;
    std::unique_ptr<file_system> posix = make_posix_file_system(nullptr);
    faulty_file_system fs{*posix};
    std::filesystem::path file_path = dir.path() / "partition.metadata";
};

TEST_F(PartitionMetadataFile, IsWrittenInKafkasFormatWithoutAFinalNewline) {
    EXPECT_EQ(orders_id.to_string(), "vXLb1dmWRYO6yKe1TWLbZQ");
    EXPECT_EQ(format_partition_metadata(orders_id), "version: 0\ntopic_id: vXLb1dmWRYO6yKe1TWLbZQ");
    ASSERT_TRUE(write_partition_metadata(fs, dir.path(), orders_id));
    auto text = read_small_file(*posix, file_path, 1024);
    ASSERT_TRUE(text);
    EXPECT_EQ(text.value(), "version: 0\ntopic_id: vXLb1dmWRYO6yKe1TWLbZQ");
}

TEST_F(PartitionMetadataFile, RoundTrips) {
    ASSERT_TRUE(write_partition_metadata(fs, dir.path(), orders_id));
    EXPECT_EQ(read(), (partition_metadata{0, orders_id}));
    ASSERT_TRUE(write_partition_metadata(fs, dir.path(), payments_id));
    EXPECT_EQ(read(), (partition_metadata{0, payments_id}));
}

TEST_F(PartitionMetadataFile, AMissingFileIsNoMetadata) {
    EXPECT_EQ(read(), std::nullopt);
}

TEST_F(PartitionMetadataFile, ReadsWhatKafkasReaderAccepts) {
    // A newer version (Kafka reads them for downgrades), any whitespace after the colon,
    // CRLF, a final newline, lines after the second.
    write_raw("version: 3\r\ntopic_id:\t vXLb1dmWRYO6yKe1TWLbZQ\r\nsomething: else\n");
    EXPECT_EQ(read(), (partition_metadata{3, orders_id}));
}

TEST_F(PartitionMetadataFile, AMalformedFileIsAnErrorNamingTheLine) {
    EXPECT_NE(parse_error("").find("line 1"), std::string::npos);
    EXPECT_NE(parse_error("version:0\ntopic_id: vXLb1dmWRYO6yKe1TWLbZQ").find("line 1"),
              std::string::npos);
    EXPECT_NE(parse_error("Version: 0\ntopic_id: vXLb1dmWRYO6yKe1TWLbZQ").find("line 1"),
              std::string::npos);
    EXPECT_NE(parse_error("version: zero\ntopic_id: vXLb1dmWRYO6yKe1TWLbZQ").find("line 1"),
              std::string::npos);
    EXPECT_NE(parse_error("version: 0\n").find("line 2"), std::string::npos);
    EXPECT_NE(parse_error("version: 0\ntopic: vXLb1dmWRYO6yKe1TWLbZQ").find("line 2"),
              std::string::npos);
    EXPECT_NE(parse_error("version: 0\ntopic_id: not-a-uuid").find("line 2"), std::string::npos);
    EXPECT_NE(parse_error("version: 0\ntopic_id: vXLb1dmWRYO6yKe1TWLbZQ ").find("line 2"),
              std::string::npos);
    EXPECT_NE(parse_error("version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA").find("zero"),
              std::string::npos);
    EXPECT_NE(parse_error("version: -1\ntopic_id: vXLb1dmWRYO6yKe1TWLbZQ").find("version -1"),
              std::string::npos);
}

TEST_F(PartitionMetadataFile, AMalformedFileOnDiskIsAnError) {
    write_raw("version: 0\n");
    auto metadata = read_partition_metadata(fs, dir.path());
    ASSERT_FALSE(metadata);
    EXPECT_EQ(metadata.error().code, std::errc::bad_message);
}

TEST_F(PartitionMetadataFile, AFailedWriteLeavesTheOldFile) {
    ASSERT_TRUE(write_partition_metadata(fs, dir.path(), orders_id));
    fs.arm({.operation = file_operation::rename, .effect = fault_effect::crash});
    EXPECT_FALSE(write_partition_metadata(fs, dir.path(), payments_id));
    fs.restart();
    EXPECT_EQ(read(), (partition_metadata{0, orders_id}));
    fs.arm({.operation = file_operation::write,
            .error = std::make_error_code(std::errc::no_space_on_device)});
    auto written = write_partition_metadata(fs, dir.path(), payments_id);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, std::errc::no_space_on_device);
    EXPECT_EQ(read(), (partition_metadata{0, orders_id}));
}

}  // namespace
}  // namespace samsa::storage
