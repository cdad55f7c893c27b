// The JSON the probe tools and the load generator print: commas and nesting, escaping,
// fixed-point figures.

#include "protocol/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace samsa::protocol {
namespace {

TEST(json_writer, SeparatesMembersAndNestsObjects) {
    json_writer json;
    json.begin_object();
    json.key("a");
    json.value(int64_t{-1});
    json.key("b");
    json.begin_object();
    json.key("c");
    json.value(true);
    json.key("d");
    json.null_value();
    json.end_object();
    json.key("e");
    json.begin_object();
    json.end_object();
    json.key("f");
    json.unsigned_value(18446744073709551615ULL);
    json.end_object();
    EXPECT_EQ(json.text(), R"({"a":-1,"b":{"c":true,"d":null},"e":{},"f":18446744073709551615})");
}

TEST(json_writer, EscapesQuotesBackslashesAndControlCharacters) {
    json_writer json;
    json.value("a\"b\\c\nd\te\x01 caf\xc3\xa9");
    EXPECT_EQ(json.text(), "\"a\\\"b\\\\c\\nd\\te\\u0001 caf\xc3\xa9\"");
}

TEST(json_writer, WritesNumbersWithFixedDecimalsAndNonFiniteAsNull) {
    json_writer json;
    json.begin_object();
    json.key("x");
    json.fixed_value(2.0 / 3.0, 3);
    json.key("y");
    json.fixed_value(1e12, 1);
    json.key("nan");
    json.fixed_value(std::nan(""), 3);
    json.key("inf");
    json.fixed_value(std::numeric_limits<double>::infinity(), 3);
    json.end_object();
    EXPECT_EQ(json.text(), R"({"x":0.667,"y":1000000000000.0,"nan":null,"inf":null})");
}

}  // namespace
}  // namespace samsa::protocol
