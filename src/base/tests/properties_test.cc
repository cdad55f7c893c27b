// java.util.Properties.load semantics, case by case (see base/properties.h).

#include "base/properties.h"

#include <gtest/gtest.h>

namespace samsa {
namespace {

void expect_parsed(std::string_view text, const std::vector<property>& expected) {
    auto parsed = parse_properties(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, expected) << text;
}

TEST(Properties, KeyValueWithEqualsColonOrBlank) {
    expect_parsed("a=1\nb:2\nc 3\nd = 4\ne\t:\t5\n",
                  {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}});
}

TEST(Properties, CommentsAndBlankLinesAreSkipped) {
    expect_parsed("# comment\n   ! also a comment\n\n   \nlog.dirs=/tmp/samsa\n",
                  {{"log.dirs", "/tmp/samsa"}});
}

TEST(Properties, ValueKeepsTrailingBlanksAndLaterSeparators) {
    expect_parsed("listeners=PLAINTEXT://127.0.0.1:9092  \n",
                  {{"listeners", "PLAINTEXT://127.0.0.1:9092  "}});
}

TEST(Properties, OnlyOneSeparatorIsConsumed) {
    expect_parsed("a==b\nc=:d\n", {{"a", "=b"}, {"c", ":d"}});
}

TEST(Properties, KeyWithoutValueIsEmpty) {
    expect_parsed("lonely\nalso=\n", {{"lonely", ""}, {"also", ""}});
}

TEST(Properties, BackslashContinuesAcrossLinesDroppingLeadingBlanks) {
    expect_parsed("list=a,\\\n    b,\\\r\n\tc\nnext=1", {{"list", "a,b,c"}, {"next", "1"}});
}

TEST(Properties, EvenBackslashesDoNotContinue) {
    expect_parsed("path=C:\\\\\nnext=1\n", {{"path", "C:\\"}, {"next", "1"}});
}

TEST(Properties, EscapedSeparatorsBelongToTheKey) {
    expect_parsed("a\\=b\\:c\\ d=value\n", {{"a=b:c d", "value"}});
}

TEST(Properties, EscapesAreResolved) {
    expect_parsed("k=tab\\tnewline\\nunicode\\u00e9\\u20ac plain\\q\n",
                  {{"k", "tab\tnewline\nunicode\xc3\xa9\xe2\x82\xac plainq"}});
}

TEST(Properties, MalformedUnicodeEscapeIsAnErrorWithItsLine) {
    auto parsed = parse_properties("a=1\nb=\\u12g4\n");
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().line, 2u);
    auto truncated = parse_properties("a=\\u12");
    EXPECT_FALSE(truncated.has_value());
}

TEST(Properties, LaterDuplicateReplacesEarlierKeepingPosition) {
    expect_parsed("a=1\nb=2\na=3\n", {{"a", "3"}, {"b", "2"}});
}

TEST(Properties, CommentLinesDoNotContinue) {
    expect_parsed("# comment \\\nreal=1\n", {{"real", "1"}});
}

TEST(Properties, CarriageReturnLineEndsAndNoFinalNewline) {
    expect_parsed("a=1\rb=2\r\nc=3", {{"a", "1"}, {"b", "2"}, {"c", "3"}});
}

TEST(Properties, TrailingBackslashAtEndOfInputIsDropped) {
    expect_parsed("a=1\\", {{"a", "1"}});
}

}  // namespace
}  // namespace samsa
