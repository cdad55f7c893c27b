#include "cluster/topic_name.h"

#include <gtest/gtest.h>

#include <string>

namespace samsa::cluster {
namespace {

TEST(TopicName, AcceptsKafkasCharacterSet) {
    EXPECT_TRUE(is_valid_topic_name("orders"));
    EXPECT_TRUE(is_valid_topic_name("a.b_c-D9"));
    EXPECT_TRUE(is_valid_topic_name("__consumer_offsets"));
}

TEST(TopicName, RejectsEmptyDotsAndOtherCharacters) {
    EXPECT_FALSE(is_valid_topic_name(""));
    EXPECT_FALSE(is_valid_topic_name("."));
    EXPECT_FALSE(is_valid_topic_name(".."));
    EXPECT_FALSE(is_valid_topic_name("has space"));
    EXPECT_FALSE(is_valid_topic_name("slash/"));
    EXPECT_FALSE(is_valid_topic_name("caf\xc3\xa9"));
}

TEST(TopicName, LengthLimitIs249) {
    EXPECT_TRUE(is_valid_topic_name(std::string(249, 'x')));
    EXPECT_FALSE(is_valid_topic_name(std::string(250, 'x')));
}

TEST(TopicName, InternalTopicsAreKafkas) {
    EXPECT_TRUE(is_internal_topic("__consumer_offsets"));
    EXPECT_TRUE(is_internal_topic("__transaction_state"));
    EXPECT_FALSE(is_internal_topic("__other"));
}

}  // namespace
}  // namespace samsa::cluster
