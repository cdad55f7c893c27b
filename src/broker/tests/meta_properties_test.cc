// meta.properties in each log directory (see broker/meta_properties.h).

#include "broker/meta_properties.h"

#include <gtest/gtest.h>

#include <set>

#include "broker/tests/temporary_directory.h"

namespace samsa::broker {
namespace {

using testing::read_file;
using testing::temporary_directory;
using testing::write_file;

// A file as Kafka 3.7+ writes it (kafka-storage.sh format).
constexpr std::string_view kafka_written = R"(#
#Tue Mar 12 10:00:00 UTC 2024
node.id=3
directory.id=b8tRS7h4TJ2Vt43Dp85v2A
version=1
cluster.id=MkU3OEVBNTcwNTJENDM2Qk
)";

node_identity ensured(std::span<const std::filesystem::path> dirs,
                      std::optional<node_id> configured) {
    auto identity = ensure_meta_properties(dirs, configured);
    EXPECT_TRUE(identity.has_value()) << identity.error().message;
    return identity.has_value() ? *identity : node_identity{};
}

std::string ensure_error(std::span<const std::filesystem::path> dirs,
                         std::optional<node_id> configured) {
    auto identity = ensure_meta_properties(dirs, configured);
    EXPECT_FALSE(identity.has_value());
    return identity.has_value() ? "" : identity.error().message;
}

meta_properties loaded(const std::filesystem::path& dir) {
    auto meta = load_meta_properties(dir);
    EXPECT_TRUE(meta.has_value() && meta->has_value())
        << (meta.has_value() ? "absent" : meta.error().message);
    return meta.has_value() && meta->has_value() ? **meta : meta_properties{};
}

std::string load_error(const std::filesystem::path& dir) {
    auto meta = load_meta_properties(dir);
    EXPECT_FALSE(meta.has_value());
    return meta.has_value() ? "" : meta.error().message;
}

TEST(meta_properties, AnAbsentFileIsNotAnError) {
    temporary_directory dir;
    auto meta = load_meta_properties(dir.path());
    ASSERT_TRUE(meta.has_value());
    EXPECT_FALSE(meta->has_value());
    auto missing_dir = load_meta_properties(dir / "not-created-yet");
    ASSERT_TRUE(missing_dir.has_value());
    EXPECT_FALSE(missing_dir->has_value());
}

TEST(meta_properties, ReadsAFileKafkaWrote) {
    temporary_directory dir;
    write_file(dir / "meta.properties", kafka_written);
    auto meta = loaded(dir.path());
    EXPECT_EQ(meta.node, node_id(3));
    // Kept as written, although the canonical text of that uuid ends in 'g'.
    EXPECT_EQ(meta.cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
    EXPECT_EQ(meta.directory_id, uuid::from_string("b8tRS7h4TJ2Vt43Dp85v2A"));
}

TEST(meta_properties, WritesKafkasFormat) {
    meta_properties meta{uuid(1, 2).to_string(), node_id(5), uuid(3, 4)};
    // 2023-06-15T13:00:00Z
    auto written_at = std::chrono::system_clock::time_point(std::chrono::seconds(1686834000));
    EXPECT_EQ(format_meta_properties(meta, written_at),
              "#\n"
              "#Thu Jun 15 13:00:00 UTC 2023\n"
              "node.id=5\n"
              "directory.id=AAAAAAAAAAMAAAAAAAAABA\n"
              "version=1\n"
              "cluster.id=AAAAAAAAAAEAAAAAAAAAAg\n");
}

TEST(meta_properties, WhatIsWrittenReadsBackAndNoTemporaryFileRemains) {
    temporary_directory dir;
    meta_properties meta{uuid(7, 8).to_string(), node_id(2), uuid(9, 10)};
    auto written = write_meta_properties(dir.path(), meta);
    ASSERT_TRUE(written.has_value()) << written.error().message;
    EXPECT_EQ(loaded(dir.path()), meta);
    EXPECT_FALSE(std::filesystem::exists(dir / "meta.properties.tmp"));
}

TEST(meta_properties, WritingIntoAMissingDirectoryNamesThePath) {
    temporary_directory dir;
    auto written =
        write_meta_properties(dir / "absent", {uuid(1, 1).to_string(), node_id(1), uuid(2, 2)});
    ASSERT_FALSE(written.has_value());
    EXPECT_NE(written.error().message.find((dir / "absent").string()), std::string::npos);
}

TEST(meta_properties, FirstStartGeneratesAClusterIdAndUsesNodeOne) {
    temporary_directory root;
    std::vector<std::filesystem::path> dirs{root / "a", root / "b"};
    auto identity = ensured(dirs, std::nullopt);
    EXPECT_EQ(identity.node, node_id(1));
    EXPECT_TRUE(uuid::from_string(identity.cluster_id).has_value()) << identity.cluster_id;
    ASSERT_EQ(identity.dirs.size(), 2u);
    EXPECT_NE(identity.dirs[0].directory_id, identity.dirs[1].directory_id);
    for (const auto& [dir, directory_id] : identity.dirs) {
        auto meta = loaded(dir);
        EXPECT_EQ(meta.cluster_id, identity.cluster_id);
        EXPECT_EQ(meta.node, node_id(1));
        EXPECT_EQ(meta.directory_id, directory_id);
        EXPECT_EQ(read_file(dir / "meta.properties").rfind("#\n#", 0), 0u);
    }
}

TEST(meta_properties, FirstStartTakesTheConfiguredNodeId) {
    temporary_directory root;
    std::vector<std::filesystem::path> dirs{root / "data"};
    EXPECT_EQ(ensured(dirs, node_id(9)).node, node_id(9));
    EXPECT_EQ(loaded(dirs[0]).node, node_id(9));
}

TEST(meta_properties, LaterStartsKeepTheStoredIdentity) {
    temporary_directory root;
    std::vector<std::filesystem::path> dirs{root / "a", root / "b"};
    auto first = ensured(dirs, node_id(4));
    auto second = ensured(dirs, std::nullopt);
    EXPECT_EQ(second.cluster_id, first.cluster_id);
    EXPECT_EQ(second.node, node_id(4));
    ASSERT_EQ(second.dirs.size(), 2u);
    EXPECT_EQ(second.dirs[0].directory_id, first.dirs[0].directory_id);
    EXPECT_EQ(second.dirs[1].directory_id, first.dirs[1].directory_id);
    EXPECT_EQ(ensured(dirs, node_id(4)).cluster_id, first.cluster_id);
}

TEST(meta_properties, StoredNodeIdMismatchIsAnError) {
    temporary_directory root;
    std::vector<std::filesystem::path> dirs{root / "a"};
    ensured(dirs, node_id(1));
    auto message = ensure_error(dirs, node_id(2));
    EXPECT_EQ(message.rfind("stored node id 1 in " + (dirs[0] / "meta.properties").string() +
                                " does not match configured node id 2.",
                            0),
              0u)
        << message;
}

TEST(meta_properties, DirectoriesMustAgreeOnTheNodeId) {
    temporary_directory root;
    std::vector<std::filesystem::path> a{root / "a"};
    auto identity = ensured(a, node_id(1));
    std::filesystem::create_directories(root / "b");
    auto written = write_meta_properties(root / "b", {identity.cluster_id, node_id(2), uuid(5, 5)});
    ASSERT_TRUE(written.has_value());
    std::vector<std::filesystem::path> both{root / "a", root / "b"};
    auto message = ensure_error(both, std::nullopt);
    EXPECT_EQ(message, "stored node id 2 in " + (root / "b" / "meta.properties").string() +
                           " does not match node id 1 stored in " +
                           (root / "a" / "meta.properties").string());
}

TEST(meta_properties, DirectoriesMustAgreeOnTheClusterId) {
    temporary_directory root;
    std::vector<std::filesystem::path> a{root / "a"};
    std::vector<std::filesystem::path> b{root / "b"};
    ensured(a, node_id(1));
    ensured(b, node_id(1));
    std::vector<std::filesystem::path> both{root / "a", root / "b"};
    auto message = ensure_error(both, node_id(1));
    EXPECT_NE(message.find("invalid cluster.id in " + (root / "b" / "meta.properties").string()),
              std::string::npos)
        << message;
}

TEST(meta_properties, ANewLogDirectoryJoinsTheNode) {
    temporary_directory root;
    std::vector<std::filesystem::path> one{root / "a"};
    auto first = ensured(one, std::nullopt);
    std::vector<std::filesystem::path> two{root / "a", root / "b"};
    auto second = ensured(two, std::nullopt);
    EXPECT_EQ(second.cluster_id, first.cluster_id);
    EXPECT_EQ(loaded(root / "b").cluster_id, first.cluster_id);
    EXPECT_EQ(loaded(root / "b").node, first.node);
}

TEST(meta_properties, AFileWithoutADirectoryIdGetsOne) {
    temporary_directory root;
    std::filesystem::create_directories(root / "a");
    write_file(root / "a" / "meta.properties",
               "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=3\n");
    std::vector<std::filesystem::path> dirs{root / "a"};
    auto identity = ensured(dirs, node_id(3));
    auto meta = loaded(root / "a");
    ASSERT_TRUE(meta.directory_id.has_value());
    EXPECT_EQ(*meta.directory_id, identity.dirs[0].directory_id);
    EXPECT_EQ(meta.cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
    EXPECT_EQ(identity.cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
}

TEST(meta_properties, DuplicateDirectoryIdsAreAnError) {
    temporary_directory root;
    for (auto name : {"a", "b"}) {
        std::filesystem::create_directories(root / name);
        write_file(root / name / "meta.properties", kafka_written);
    }
    std::vector<std::filesystem::path> dirs{root / "a", root / "b"};
    EXPECT_NE(ensure_error(dirs, std::nullopt).find("duplicate directory id"), std::string::npos);
}

TEST(meta_properties, ReservedDirectoryIdsAreAnError) {
    temporary_directory root;
    write_file(root / "meta.properties",
               "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=3\n"
               "directory.id=AAAAAAAAAAAAAAAAAAAAAQ\n");
    std::vector<std::filesystem::path> dirs{root.path()};
    EXPECT_NE(ensure_error(dirs, std::nullopt).find("invalid reserved directory id"),
              std::string::npos);
}

TEST(meta_properties, MalformedFilesAreErrorsNamingThePath) {
    temporary_directory dir;
    auto path = (dir / "meta.properties").string();
    auto check = [&](std::string_view text, std::string_view expected) {
        write_file(dir / "meta.properties", text);
        auto message = load_error(dir.path());
        EXPECT_EQ(message.rfind(path, 0), 0u) << message;
        EXPECT_NE(message.find(expected), std::string::npos) << message;
    };
    check("broker.id=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n", "version 0");
    check("version=0\nbroker.id=1\n", "version 0");
    check("version=2\nnode.id=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n",
          "unknown meta.properties version 2");
    check("version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n", "node.id is missing");
    check("version=1\nnode.id=one\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n", "node.id one");
    check("version=1\nnode.id=1\n", "cluster.id was not specified");
    check("version=1\nnode.id=1\ncluster.id=not-a-uuid\n", "cluster.id not-a-uuid");
    check("version=1\nnode.id=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\ndirectory.id=x\n",
          "directory.id x");
}

TEST(meta_properties, ALogDirThatCannotBeCreatedIsAnErrorNamingIt) {
    temporary_directory root;
    write_file(root / "file", "not a directory");
    std::vector<std::filesystem::path> dirs{root / "file" / "data"};
    auto message = ensure_error(dirs, std::nullopt);
    EXPECT_NE(message.find((root / "file" / "data").string()), std::string::npos) << message;
}

TEST(meta_properties, RandomIdsAreVersion4AndNeverReserved) {
    std::set<uuid> seen;
    for (int i = 0; i < 1000; ++i) {
        uuid cluster = random_kafka_uuid();
        EXPECT_EQ((cluster.most_significant_bits() >> 12) & 0xf, 4u);
        EXPECT_EQ(cluster.least_significant_bits() >> 62, 2u);
        EXPECT_FALSE(cluster.to_string().starts_with('-'));
        uuid directory = random_directory_id();
        EXPECT_FALSE(is_reserved_directory_id(directory));
        seen.insert(cluster);
        seen.insert(directory);
    }
    EXPECT_EQ(seen.size(), 2000u);
    EXPECT_TRUE(is_reserved_directory_id(uuid(0, 99)));
    EXPECT_FALSE(is_reserved_directory_id(uuid(0, 100)));
}

}  // namespace
}  // namespace samsa::broker
