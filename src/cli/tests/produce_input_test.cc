#include "cli/produce_input.h"

#include <gtest/gtest.h>

namespace samsa::cli {
namespace {

TEST(SplitLine, WithoutSeparatorTheWholeLineIsTheValue) {
    auto record = split_line("a:b", "");
    EXPECT_FALSE(record.key.has_value());
    EXPECT_EQ(record.value, "a:b");
}

TEST(SplitLine, SplitsAtTheFirstSeparatorOnly) {
    auto record = split_line("user1:clicked:twice", ":");
    ASSERT_TRUE(record.key.has_value());
    EXPECT_EQ(*record.key, "user1");
    EXPECT_EQ(record.value, "clicked:twice");
}

TEST(SplitLine, MultiCharacterSeparator) {
    auto record = split_line("k::v", "::");
    EXPECT_EQ(*record.key, "k");
    EXPECT_EQ(record.value, "v");
}

TEST(SplitLine, LineWithoutTheSeparatorHasNoKey) {
    auto record = split_line("just a value", ":");
    EXPECT_FALSE(record.key.has_value());
    EXPECT_EQ(record.value, "just a value");
}

TEST(SplitLine, EmptyKeyAndEmptyValueAreKept) {
    auto record = split_line(":", ":");
    ASSERT_TRUE(record.key.has_value());
    EXPECT_EQ(*record.key, "");
    EXPECT_EQ(record.value, "");
}

TEST(ParseHeader, NameAndValueSplitAtTheFirstEquals) {
    auto header = parse_header("trace=a=b");
    ASSERT_TRUE(header);
    EXPECT_EQ(header->first, "trace");
    EXPECT_EQ(header->second, "a=b");
}

TEST(ParseHeader, EmptyValueIsAllowed) {
    auto header = parse_header("flag=");
    ASSERT_TRUE(header);
    EXPECT_EQ(header->second, "");
}

TEST(ParseHeader, MissingEqualsOrNameIsAnError) {
    EXPECT_FALSE(parse_header("novalue"));
    EXPECT_FALSE(parse_header("=value"));
}

}  // namespace
}  // namespace samsa::cli
