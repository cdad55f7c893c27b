#include "coordinator/group_partition.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

// Expected values come from a reimplementation of Java's String.hashCode over the UTF-16
// code units of the string (and Kafka's Utils.abs), checked independently of this code.

namespace samsa::coordinator {
namespace {

constexpr int32_t int32_min = std::numeric_limits<int32_t>::min();

TEST(JavaStringHashCode, MatchesJavaForAsciiStrings) {
    EXPECT_EQ(java_string_hash_code(""), 0);
    EXPECT_EQ(java_string_hash_code("a"), 97);
    EXPECT_EQ(java_string_hash_code("group"), 98629247);
    EXPECT_EQ(java_string_hash_code("test-group"), 627841412);
}

TEST(JavaStringHashCode, WrapsAroundLikeJavaInt) {
    EXPECT_EQ(java_string_hash_code("my-group"), -1906497762);
    EXPECT_EQ(java_string_hash_code("consumer-group-1"), 147483020);
}

TEST(JavaStringHashCode, HashesTheUtf16CodeUnitsOfNonAsciiText) {
    EXPECT_EQ(java_string_hash_code("gr\xc3\xb3up"), 98756099);  // gróup
    EXPECT_EQ(
        java_string_hash_code("\xe3\x82\xb0\xe3\x83\xab\xe3\x83\xbc\xe3\x83\x97"),  // グループ
        383750870);
}

TEST(JavaStringHashCode, CountsACharacterOutsideTheBmpAsItsSurrogatePair) {
    EXPECT_EQ(java_string_hash_code("\xf0\x9f\x98\x80"), 1772899);  // U+1F600: D83D DE00
    EXPECT_EQ(java_string_hash_code("g\xf0\x9f\x98\x80"), 1871882);
}

TEST(JavaStringHashCode, ReachesIntegerMinValue) {
    EXPECT_EQ(java_string_hash_code("polygenelubricants"), int32_min);
    EXPECT_EQ(java_string_hash_code("GydZG_"), int32_min);
    EXPECT_EQ(java_string_hash_code("DESIGNING WORKHOUSES"), int32_min);
}

TEST(JavaStringHashCode, ReplacesMalformedUtf8AsJavaDoes) {
    constexpr int32_t replacement = 0xFFFD;
    EXPECT_EQ(java_string_hash_code("a\xff"), 97 * 31 + replacement);
    // Truncated sequences at the end: one U+FFFD for the whole tail.
    EXPECT_EQ(java_string_hash_code("\xc3"), replacement);
    EXPECT_EQ(java_string_hash_code("\xe1\x80"), replacement);
    EXPECT_EQ(java_string_hash_code("\xf0\x9f\x98"), replacement);
    // A bad byte inside a sequence ends the replaced part; the byte is read again.
    EXPECT_EQ(java_string_hash_code("\xc3"
                                    "A"),
              replacement * 31 + 65);
    EXPECT_EQ(java_string_hash_code("\xe1"
                                    "A"),
              replacement * 31 + 65);
    EXPECT_EQ(java_string_hash_code("\xed\xa0"
                                    "A"),
              replacement * 31 + 65);
    EXPECT_EQ(java_string_hash_code("\xf0\x9f"
                                    "A"),
              replacement * 31 + 65);
    EXPECT_EQ(java_string_hash_code("\xf0\x9f\x98"
                                    "A"),
              replacement * 31 + 65);
    // An encoded surrogate is one U+FFFD; overlong forms are one per byte.
    EXPECT_EQ(java_string_hash_code("\xed\xa0\x80"), replacement);
    EXPECT_EQ(java_string_hash_code("\xc0\x80"), 2097056);
    EXPECT_EQ(java_string_hash_code("\xf0\x80\x80\x80"), 2017367872);
    EXPECT_EQ(java_string_hash_code("\xf5\x80\x80\x80"), 2017367872);
}

TEST(GroupPartition, IsTheHashModuloThePartitionCount) {
    EXPECT_EQ(group_partition("", 50), partition_id(0));
    EXPECT_EQ(group_partition("a", 50), partition_id(47));
    EXPECT_EQ(group_partition("group", 50), partition_id(47));
    EXPECT_EQ(group_partition("gr\xc3\xb3up", 50), partition_id(49));
    EXPECT_EQ(group_partition("g\xf0\x9f\x98\x80", 50), partition_id(32));
    EXPECT_EQ(group_partition("group", 1), partition_id(0));
    EXPECT_EQ(group_partition("group", 3), partition_id(2));
}

TEST(GroupPartition, TakesTheAbsoluteValueOfANegativeHash) {
    // |-1906497762| % 50 = 12, where Java's % on the negative hash would give -12.
    EXPECT_EQ(group_partition("my-group", 50), partition_id(12));
}

TEST(GroupPartition, MapsIntegerMinValueToPartitionZero) {
    // Kafka's Utils.abs(Integer.MIN_VALUE) is 0: Math.abs would stay negative and give -48.
    EXPECT_EQ(group_partition("polygenelubricants", 50), partition_id(0));
    EXPECT_EQ(group_partition("polygenelubricants", 7), partition_id(0));
}

}  // namespace
}  // namespace samsa::coordinator
