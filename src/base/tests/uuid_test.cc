#include "base/uuid.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <unordered_set>

namespace samsa {
namespace {

// Kafka's Uuid.METADATA_TOPIC_ID, the topic id of __cluster_metadata.
TEST(uuid, MetadataTopicIdPrintsAsKafkaPrintsIt) {
    EXPECT_EQ(uuid(0, 1).to_string(), "AAAAAAAAAAAAAAAAAAAAAQ");
    EXPECT_EQ(uuid::from_string("AAAAAAAAAAAAAAAAAAAAAQ"), uuid(0, 1));
}

TEST(uuid, ZeroUuidIsAllA) {
    EXPECT_EQ(uuid().to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_TRUE(uuid().is_zero());
    EXPECT_FALSE(uuid(0, 1).is_zero());
}

// Expected strings are java.util.Base64.getUrlEncoder().withoutPadding() of the 16 bytes,
// most significant long first, which is Kafka's Uuid.toString.
TEST(uuid, EncodesUrlSafeBase64WithoutPadding) {
    EXPECT_EQ(uuid(0x123e4567e89b12d3, 0xa456426614174000).to_string(), "Ej5FZ-ibEtOkVkJmFBdAAA");
    EXPECT_EQ(uuid(0x0123456789abcdef, 0xfedcba9876543210).to_string(), "ASNFZ4mrze_-3LqYdlQyEA");
    EXPECT_EQ(uuid(~0ull, ~0ull).to_string(), "_____________________w");
}

TEST(uuid, ParsesWhatItPrints) {
    EXPECT_EQ(uuid::from_string("Ej5FZ-ibEtOkVkJmFBdAAA"),
              uuid(0x123e4567e89b12d3, 0xa456426614174000));
    EXPECT_EQ(uuid::from_string("_____________________w"), uuid(~0ull, ~0ull));

    std::mt19937_64 random(7);
    for (int i = 0; i < 1000; ++i) {
        uuid id(random(), random());
        auto text = id.to_string();
        ASSERT_EQ(text.size(), 22u);
        EXPECT_EQ(uuid::from_string(text), id) << text;
    }
}

TEST(uuid, WrongLengthIsRejected) {
    EXPECT_FALSE(uuid::from_string("").has_value());
    EXPECT_FALSE(uuid::from_string("AAAAAAAAAAAAAAAAAAAAA").has_value());
    EXPECT_FALSE(uuid::from_string("AAAAAAAAAAAAAAAAAAAAAAA").has_value());
    // Padded base64 is not Kafka's form.
    EXPECT_FALSE(uuid::from_string("AAAAAAAAAAAAAAAAAAAAAQ==").has_value());
}

TEST(uuid, CharactersOutsideTheUrlSafeAlphabetAreRejected) {
    // '+' and '/' belong to the standard alphabet, not the URL-safe one.
    EXPECT_FALSE(uuid::from_string("Ej5FZ+ibEtOkVkJmFBdAAA").has_value());
    EXPECT_FALSE(uuid::from_string("ASNFZ4mrze/-3LqYdlQyEA").has_value());
    EXPECT_FALSE(uuid::from_string("AAAAAAAAAAAAAAAAAAAA=A").has_value());
    EXPECT_FALSE(uuid::from_string("AAAAAAAAAA AAAAAAAAAAA").has_value());
    EXPECT_FALSE(uuid::from_string(std::string_view("AAAAAAAAAA\0AAAAAAAAAAA", 22)).has_value());
    EXPECT_FALSE(uuid::from_string("AAAAAAAAAAAAAAAAAAAA\xc3\xa9").has_value());
}

// Kafka parses with java.util.Base64, which ignores the four unused low bits of the last
// character; the example cluster id of Kafka's own docker examples depends on that
// ("kafka-storage format -t MkU3OEVBNTcwNTJENDM2Qk").
TEST(uuid, LastCharacterWithUnusedBitsSetIsAcceptedLikeJava) {
    auto parsed = uuid::from_string("MkU3OEVBNTcwNTJENDM2Qk");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->to_string(), "MkU3OEVBNTcwNTJENDM2Qg");
}

TEST(uuid, StreamsAsItsString) {
    std::ostringstream out;
    out << uuid(0, 1);
    EXPECT_EQ(out.str(), "AAAAAAAAAAAAAAAAAAAAAQ");
}

TEST(uuid, TopicIdKeepsTheValueAndHashesLikeAUuid) {
    topic_id id(uuid(5, 6));
    EXPECT_EQ(id.most_significant_bits(), 5u);
    EXPECT_EQ(id.least_significant_bits(), 6u);
    EXPECT_EQ(std::hash<topic_id>{}(id), std::hash<uuid>{}(uuid(5, 6)));
    std::unordered_set<uuid> ids = {uuid(1, 2), uuid(1, 2), uuid(2, 1)};
    EXPECT_EQ(ids.size(), 2u);
}

}  // namespace
}  // namespace samsa
