// java.util.Properties.load semantics, case by case (see base/properties.h).

#include "base/properties.h"

#include <gtest/gtest.h>

namespace samsa {
namespace {

std::vector<property> parse(std::string_view text) {
    auto parsed = parse_properties(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? *parsed : std::vector<property>{};
}

TEST(Properties, KeyValueWithEqualsColonOrBlank) {
    auto parsed = parse("a=1\nb:2\nc 3\nd = 4\ne\t:\t5\n");
    std::vector<property> expected = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, CommentsAndBlankLinesAreSkipped) {
    auto parsed = parse("# comment\n   ! also a comment\n\n   \nlog.dirs=/tmp/samsa\n");
    std::vector<property> expected = {{"log.dirs", "/tmp/samsa"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, ValueKeepsTrailingBlanksAndLaterSeparators) {
    auto parsed = parse("listeners=PLAINTEXT://127.0.0.1:9092  \n");
    std::vector<property> expected = {{"listeners", "PLAINTEXT://127.0.0.1:9092  "}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, OnlyOneSeparatorIsConsumed) {
    auto parsed = parse("a==b\nc=:d\n");
    std::vector<property> expected = {{"a", "=b"}, {"c", ":d"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, KeyWithoutValueIsEmpty) {
    auto parsed = parse("lonely\nalso=\n");
    std::vector<property> expected = {{"lonely", ""}, {"also", ""}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, BackslashContinuesAcrossLinesDroppingLeadingBlanks) {
    auto parsed = parse("list=a,\\\n    b,\\\r\n\tc\nnext=1");
    std::vector<property> expected = {{"list", "a,b,c"}, {"next", "1"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, EvenBackslashesDoNotContinue) {
    auto parsed = parse("path=C:\\\\\nnext=1\n");
    std::vector<property> expected = {{"path", "C:\\"}, {"next", "1"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, EscapedSeparatorsBelongToTheKey) {
    auto parsed = parse("a\\=b\\:c\\ d=value\n");
    std::vector<property> expected = {{"a=b:c d", "value"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, EscapesAreResolved) {
    auto parsed = parse("k=tab\\tnewline\\nunicode\\u00e9\\u20ac plain\\q\n");
    std::vector<property> expected = {{"k", "tab\tnewline\nunicode\xc3\xa9\xe2\x82\xac plainq"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, MalformedUnicodeEscapeIsAnErrorWithItsLine) {
    auto parsed = parse_properties("a=1\nb=\\u12g4\n");
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().line, 2u);
    auto truncated = parse_properties("a=\\u12");
    EXPECT_FALSE(truncated.has_value());
}

TEST(Properties, LaterDuplicateReplacesEarlierKeepingPosition) {
    auto parsed = parse("a=1\nb=2\na=3\n");
    std::vector<property> expected = {{"a", "3"}, {"b", "2"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, CommentLinesDoNotContinue) {
    auto parsed = parse("# comment \\\nreal=1\n");
    std::vector<property> expected = {{"real", "1"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, CarriageReturnLineEndsAndNoFinalNewline) {
    auto parsed = parse("a=1\rb=2\r\nc=3");
    std::vector<property> expected = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
    EXPECT_EQ(parsed, expected);
}

TEST(Properties, TrailingBackslashAtEndOfInputIsDropped) {
    auto parsed = parse("a=1\\");
    std::vector<property> expected = {{"a", "1"}};
    EXPECT_EQ(parsed, expected);
}

}  // namespace
}  // namespace samsa
