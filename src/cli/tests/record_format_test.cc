#include "cli/record_format.h"

#include <gtest/gtest.h>

namespace samsa::cli {
namespace {

record_view sample_record() {
    record_view record;
    record.topic = "orders";
    record.partition = 2;
    record.offset = 17;
    record.timestamp_ms = 1714560000000;
    record.key = "user1";
    record.value = "paid";
    record.headers = {{.name = "source", .value = "web"}, {.name = "flag", .value = std::nullopt}};
    return record;
}

std::string render(std::string_view format, const record_view& record) {
    auto parsed = record_format::parse(format);
    EXPECT_TRUE(parsed) << parsed.error();
    return parsed->render(record);
}

TEST(RecordFormat, DefaultIsTheValueAndANewline) {
    EXPECT_EQ(render("%s\\n", sample_record()), "paid\n");
}

TEST(RecordFormat, EveryField) {
    EXPECT_EQ(render("%t/%p/%o %T %k=%s %K %S [%h] 100%%\\t.\\\\", sample_record()),
              "orders/2/17 1714560000000 user1=paid 5 4 [source=web,flag] 100%\t.\\");
}

TEST(RecordFormat, NullKeyAndValueAreEmptyWithLengthMinusOne) {
    record_view record = sample_record();
    record.key = std::nullopt;
    record.value = std::nullopt;
    record.headers.clear();
    EXPECT_EQ(render("[%k][%s] %K %S [%h]", record), "[][] -1 -1 []");
}

TEST(RecordFormat, RejectsUnknownFieldsAndDanglingEscapes) {
    EXPECT_FALSE(record_format::parse("%x"));
    EXPECT_FALSE(record_format::parse("value %"));
    EXPECT_FALSE(record_format::parse("value \\"));
    EXPECT_FALSE(record_format::parse("\\q"));
}

TEST(RecordJson, TextFieldsAreStrings) {
    EXPECT_EQ(record_to_json(sample_record()),
              R"({"topic":"orders","partition":2,"offset":17,"timestamp":1714560000000,)"
              R"("key":"user1","value":"paid","headers":[{"name":"source","value":"web"},)"
              R"({"name":"flag","value":null}]})");
}

TEST(RecordJson, NullsAndBinaryBytes) {
    record_view record = sample_record();
    record.key = std::nullopt;
    const std::string binary("\xff\x00\x01", 3);
    record.value = binary;
    record.headers = {{.name = "bin", .value = std::string_view("\xc3\x28", 2)}};
    EXPECT_EQ(record_to_json(record),
              R"({"topic":"orders","partition":2,"offset":17,"timestamp":1714560000000,)"
              R"("key":null,"value":"/wAB","value_encoding":"base64",)"
              R"("headers":[{"name":"bin","value":"wyg=","encoding":"base64"}]})");
}

TEST(Utf8, AcceptsTextRejectsInvalidSequences) {
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\x80"));
}

TEST(Base64, PadsTheLastGroup) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace samsa::cli
