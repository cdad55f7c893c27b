// Reading settings from a file and from --set overrides (see broker/config_sources.h).

#include "broker/config_sources.h"

#include <gtest/gtest.h>

#include "broker/tests/temporary_directory.h"

namespace samsa::broker {
namespace {

using testing::temporary_directory;
using testing::write_file;

std::size_t line_of(const std::vector<config_setting>& settings, std::string_view key) {
    for (const auto& setting : settings) {
        if (setting.key == key) {
            return setting.origin.line;
        }
    }
    ADD_FAILURE() << key << " not found";
    return 0;
}

TEST(config_sources, FileSettingsKnowTheirFileAndLine) {
    temporary_directory dir;
    auto path = dir / "server.properties";
    write_file(path, "# Kafka settings\n\nnum.partitions=3\n  log.dirs = /data/a\n");

    auto settings = read_config_file(path);
    ASSERT_TRUE(settings.has_value()) << settings.error().message;
    ASSERT_EQ(settings->size(), 2u);
    EXPECT_EQ((*settings)[0].key, "num.partitions");
    EXPECT_EQ((*settings)[0].value, "3");
    EXPECT_EQ((*settings)[0].origin.describe(), path.string() + ":3");
    EXPECT_EQ((*settings)[1].key, "log.dirs");
    EXPECT_EQ((*settings)[1].origin.line, 4u);
}

TEST(config_sources, LinesCountContinuationsAndIgnoreCommentBackslashes) {
    auto lines = locate_property_lines(
        "# a comment ending in a backslash \\\n"
        "listeners=PLAINTEXT://:9092,\\\n"
        "    CONTROLLER://:9093\n"
        "! another comment\r\n"
        "num.partitions=1\r"
        "log.dirs:/data\n");
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], (std::pair<std::string, std::size_t>{"listeners", 2}));
    EXPECT_EQ(lines[1], (std::pair<std::string, std::size_t>{"num.partitions", 5}));
    EXPECT_EQ(lines[2], (std::pair<std::string, std::size_t>{"log.dirs", 6}));
}

TEST(config_sources, ALaterDuplicateReportsTheLineWhoseValueWins) {
    temporary_directory dir;
    auto path = dir / "server.properties";
    write_file(path, "num.partitions=1\nlog.dirs=/a\nnum.partitions=2\n");
    auto settings = read_config_file(path);
    ASSERT_TRUE(settings.has_value());
    EXPECT_EQ(line_of(*settings, "num.partitions"), 3u);
    EXPECT_EQ(line_of(*settings, "log.dirs"), 2u);
}

TEST(config_sources, AMissingFileIsAnUnreadableFileProblem) {
    temporary_directory dir;
    auto settings = read_config_file(dir / "absent.properties");
    ASSERT_FALSE(settings.has_value());
    EXPECT_EQ(settings.error().kind, config_problem_kind::unreadable_file);
    EXPECT_NE(settings.error().message.find("absent.properties"), std::string::npos);
    EXPECT_NE(settings.error().message.find("No such file"), std::string::npos);
}

TEST(config_sources, ADirectoryIsNotAConfigFile) {
    temporary_directory dir;
    auto settings = read_config_file(dir.path());
    ASSERT_FALSE(settings.has_value());
    EXPECT_EQ(settings.error().kind, config_problem_kind::unreadable_file);
}

TEST(config_sources, MalformedPropertiesReportTheirLine) {
    temporary_directory dir;
    auto path = dir / "bad.properties";
    write_file(path, "a=1\nb=\\u12g4\n");
    auto settings = read_config_file(path);
    ASSERT_FALSE(settings.has_value());
    EXPECT_EQ(settings.error().kind, config_problem_kind::malformed_file);
    EXPECT_EQ(settings.error().message.rfind(path.string() + ":2: ", 0), 0u)
        << settings.error().message;
}

TEST(config_sources, PropertiesParsedElsewhereHaveNoLine) {
    auto settings = settings_from_properties("server.properties", {{"num.partitions", "3"}});
    ASSERT_EQ(settings.size(), 1u);
    EXPECT_EQ(settings[0].origin.describe(), "server.properties");
}

TEST(config_sources, AnOverrideSplitsAtTheFirstEquals) {
    auto setting = parse_override(" log.dirs =/a=b ");
    ASSERT_TRUE(setting.has_value());
    EXPECT_EQ(setting->key, "log.dirs");
    EXPECT_EQ(setting->value, "/a=b ");
    EXPECT_EQ(setting->origin.describe(), "--set");

    auto empty_value = parse_override("broker.rack=");
    ASSERT_TRUE(empty_value.has_value());
    EXPECT_EQ(empty_value->value, "");
}

TEST(config_sources, AnOverrideWithoutEqualsOrKeyIsRejected) {
    for (auto text : {"num.partitions", "=3", ""}) {
        auto setting = parse_override(text);
        ASSERT_FALSE(setting.has_value()) << text;
        EXPECT_EQ(setting.error().kind, config_problem_kind::malformed_override);
        EXPECT_NE(setting.error().message.find("expected key=value"), std::string::npos);
    }
}

}  // namespace
}  // namespace samsa::broker
