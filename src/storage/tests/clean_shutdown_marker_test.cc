// The clean shutdown marker of a log directory (storage/clean_shutdown_marker.h).

#include "storage/clean_shutdown_marker.h"

#include <gtest/gtest.h>

#include <string>

#include "base/temporary_directory.h"
#include "storage/faulty_file_system.h"

namespace samsa::storage {
namespace {

class CleanShutdownMarker : public ::testing::Test {
protected:
    void write_raw(std::string_view text) {
        auto file = posix->open(dir.path() / ".kafka_cleanshutdown", open_mode::read_write_create);
        ASSERT_TRUE(file);
        ASSERT_TRUE(file.value()->truncate(0));
        ASSERT_TRUE(file.value()->write_at(
            0, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    }
    bool exists() {
        auto found = clean_shutdown_marker_exists(fs, dir.path());
        EXPECT_TRUE(found) << found.error().message;
        return found && found.value();
    }

    temporary_directory dir;
    std::unique_ptr<file_system> posix = make_posix_file_system(nullptr);
    faulty_file_system fs{*posix};
};

TEST_F(CleanShutdownMarker, IsKafkasFileWithKafkasJson) {
    EXPECT_EQ(clean_shutdown_file_name, ".kafka_cleanshutdown");
    EXPECT_EQ(format_clean_shutdown_marker(42), R"({"version":0,"brokerEpoch":42})");
    ASSERT_TRUE(write_clean_shutdown_marker(fs, dir.path(), 42));
    auto text = read_small_file(*posix, dir.path() / ".kafka_cleanshutdown", 1024);
    ASSERT_TRUE(text);
    EXPECT_EQ(text.value(), R"({"version":0,"brokerEpoch":42})");
}

TEST_F(CleanShutdownMarker, IsWrittenFoundReadAndRemoved) {
    EXPECT_FALSE(exists());
    ASSERT_TRUE(write_clean_shutdown_marker(fs, dir.path(), 10));
    EXPECT_TRUE(exists());
    EXPECT_EQ(read_clean_shutdown_broker_epoch(fs, dir.path()), 10);
    ASSERT_TRUE(remove_clean_shutdown_marker(fs, dir.path()));
    EXPECT_FALSE(exists());
    EXPECT_EQ(read_clean_shutdown_broker_epoch(fs, dir.path()), std::nullopt);
}

TEST_F(CleanShutdownMarker, RemovingAMissingMarkerIsNotAnError) {
    EXPECT_TRUE(remove_clean_shutdown_marker(fs, dir.path()));
}

TEST_F(CleanShutdownMarker, TheRemovalIsDurableBeforeItReturns) {
    // Otherwise a crash while loading logs could bring the marker back (KAFKA-10471).
    ASSERT_TRUE(write_clean_shutdown_marker(fs, dir.path(), 10));
    fs.reset_counts();
    ASSERT_TRUE(remove_clean_shutdown_marker(fs, dir.path()));
    EXPECT_EQ(fs.count(file_operation::sync_directory), 1u);
    fs.arm({.operation = file_operation::sync_directory});
    EXPECT_FALSE(remove_clean_shutdown_marker(fs, dir.path()));
}

TEST_F(CleanShutdownMarker, AnEmptyMarkerFromAnOlderKafkaExistsButProvesNoEpoch) {
    write_raw("");
    EXPECT_TRUE(exists());
    EXPECT_EQ(read_clean_shutdown_broker_epoch(fs, dir.path()), std::nullopt);
}

TEST_F(CleanShutdownMarker, UnknownFieldsAreIgnored) {
    write_raw(R"({"version":0,"brokerEpoch":10,"unknown":123})");
    EXPECT_EQ(read_clean_shutdown_broker_epoch(fs, dir.path()), 10);
    EXPECT_EQ(parse_clean_shutdown_marker(
                  " {\n \"nested\": {\"a\": [1, 2.5e3, \"x\\\"y\", null, true]},\n"
                  " \"brokerEpoch\" : 9223372036854775807, \"version\": 0 }\n"),
              INT64_MAX);
}

TEST_F(CleanShutdownMarker, AnythingButAVersion0MarkerWithAnIntegerEpochProvesNoEpoch) {
    const std::string_view texts[] = {
        R"({"version":1,"brokerEpoch":10})",
        R"({"brokerEpoch":10})",
        R"({"version":0})",
        R"({"version":0,"brokerEpoch":null})",
        R"({"version":0,"brokerEpoch":"10"})",
        R"({"version":0,"brokerEpoch":1.5})",
        R"({"version":0,"brokerEpoch":10)",
        R"({"version":0,"brokerEpoch":10} trailing)",
        R"([0, 10])",
        "garbage",
    };
    for (std::string_view text : texts) {
        EXPECT_EQ(parse_clean_shutdown_marker(text), std::nullopt) << text;
    }
    write_raw("garbage");
    EXPECT_EQ(read_clean_shutdown_broker_epoch(fs, dir.path()), std::nullopt);
}

TEST_F(CleanShutdownMarker, DeeplyNestedUnknownFieldsAreRefusedNotRecursedInto) {
    std::string text = R"({"version":0,"brokerEpoch":1,"deep":)" + std::string(10000, '[') +
                       std::string(10000, ']') + "}";
    EXPECT_EQ(parse_clean_shutdown_marker(text), std::nullopt);
}

TEST_F(CleanShutdownMarker, ACrashWhileWritingLeavesNoMarker) {
    fs.arm({.operation = file_operation::rename, .effect = fault_effect::crash});
    EXPECT_FALSE(write_clean_shutdown_marker(fs, dir.path(), 10));
    fs.restart();
    EXPECT_FALSE(exists());
}

}  // namespace
}  // namespace samsa::storage
