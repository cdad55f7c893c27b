// Parsing one value the way Kafka's ConfigDef does (see broker/config_value.h).

#include "broker/config_value.h"

#include <gtest/gtest.h>

namespace samsa::broker {
namespace {

const config_definition& definition(std::string_view name) {
    const config_definition* found = find_config_definition(name);
    EXPECT_NE(found, nullptr) << name;
    return *found;
}

config_value parsed(std::string_view name, std::string_view text) {
    auto value = parse_config_value(definition(name), text);
    EXPECT_TRUE(value.has_value()) << name << "=" << text << ": " << value.error().message;
    return value.has_value() ? *value : config_value();
}

value_error refused(std::string_view name, std::string_view text) {
    auto value = parse_config_value(definition(name), text);
    EXPECT_FALSE(value.has_value()) << name << "=" << text;
    return value.has_value() ? value_error{} : value.error();
}

TEST(config_value, BooleanIsTrueOrFalseInAnyCase) {
    EXPECT_EQ(parsed("auto.create.topics.enable", "TRUE"), config_value(true));
    EXPECT_EQ(parsed("auto.create.topics.enable", " False\t"), config_value(false));
    EXPECT_EQ(refused("auto.create.topics.enable", "yes").kind, value_error_kind::malformed);
    EXPECT_EQ(refused("auto.create.topics.enable", "").kind, value_error_kind::malformed);
}

TEST(config_value, IntegersAreTrimmedDecimalWithAnOptionalSign) {
    EXPECT_EQ(parsed("num.partitions", " 42 "), config_value(int32_t{42}));
    EXPECT_EQ(parsed("num.partitions", "+7"), config_value(int32_t{7}));
    EXPECT_EQ(parsed("num.partitions", "007"), config_value(int32_t{7}));
    EXPECT_EQ(parsed("log.retention.bytes", "-1"), config_value(int64_t{-1}));
    EXPECT_EQ(parsed("offsets.topic.replication.factor", "3"), config_value(int16_t{3}));
}

TEST(config_value, TextThatIsNotANumberIsMalformed) {
    for (auto text : {"", "12abc", "1.5", "+-1", "0x10", "1 000"}) {
        auto error = refused("num.partitions", text);
        EXPECT_EQ(error.kind, value_error_kind::malformed) << text;
        EXPECT_EQ(error.message, "not a number of type INT") << text;
    }
}

TEST(config_value, IntegersBeyondTheJavaTypeAreOutOfRange) {
    auto error = refused("num.partitions", "2147483648");
    EXPECT_EQ(error.kind, value_error_kind::out_of_range);
    EXPECT_EQ(error.message, "out of range for INT (-2147483648 to 2147483647)");
    EXPECT_EQ(refused("offsets.topic.replication.factor", "32768").kind,
              value_error_kind::out_of_range);
    EXPECT_EQ(parsed("log.retention.ms", "9223372036854775807"),
              config_value(int64_t{9223372036854775807}));
    EXPECT_EQ(refused("log.retention.ms", "9223372036854775808").kind,
              value_error_kind::out_of_range);
}

TEST(config_value, DoublesTakeJavaForms) {
    EXPECT_EQ(parsed("log.cleaner.min.cleanable.ratio", "0.25"), config_value(0.25));
    EXPECT_EQ(parsed("log.cleaner.min.cleanable.ratio", ".5"), config_value(0.5));
    EXPECT_EQ(parsed("log.cleaner.min.cleanable.ratio", "5e-1"), config_value(0.5));
    EXPECT_EQ(parsed("log.cleaner.min.cleanable.ratio", "0.5d"), config_value(0.5));
    EXPECT_EQ(parsed("log.cleaner.io.buffer.load.factor", "+1f"), config_value(1.0));
    EXPECT_EQ(refused("log.cleaner.io.buffer.load.factor", "NaN").kind,
              value_error_kind::malformed);
    EXPECT_EQ(refused("log.cleaner.io.buffer.load.factor", "half").kind,
              value_error_kind::malformed);
}

TEST(config_value, ListsSplitOnCommasAndTrimItems) {
    using list = std::vector<std::string>;
    EXPECT_EQ(parsed("controller.quorum.voters", " 1@a:9093 , 2@b:9093 "),
              config_value(list{"1@a:9093", "2@b:9093"}));
    EXPECT_EQ(parsed("controller.quorum.voters", "  "), config_value(list{}));
    // Kafka keeps empty items; a validator may refuse them.
    EXPECT_EQ(parsed("controller.quorum.voters", "a,,b"), config_value(list{"a", "", "b"}));
    EXPECT_EQ(refused("log.cleanup.policy", "delete,").kind, value_error_kind::invalid);
}

TEST(config_value, RangeValidatorsRefuseValuesOutsideTheRange) {
    auto error = refused("num.partitions", "0");
    EXPECT_EQ(error.kind, value_error_kind::invalid);
    EXPECT_EQ(error.message, "value must be at least 1");
    EXPECT_EQ(refused("log.segment.bytes", "1048575").message, "value must be at least 1048576");
    EXPECT_EQ(refused("log.cleaner.min.cleanable.ratio", "1.5").message,
              "value must be between [0,...,1]");
}

TEST(config_value, StringChoicesAreCaseSensitiveAsInKafka) {
    EXPECT_EQ(parsed("compression.type", " zstd "), config_value(std::string("zstd")));
    auto error = refused("compression.type", "GZIP");
    EXPECT_EQ(error.kind, value_error_kind::invalid);
    EXPECT_EQ(error.message, "must be one of uncompressed, zstd, lz4, snappy, gzip, producer");
    EXPECT_EQ(parsed("log.message.timestamp.type", "LogAppendTime"),
              config_value(std::string("LogAppendTime")));
    EXPECT_FALSE(parse_config_value(definition("log.message.timestamp.type"), "logappendtime"));
}

TEST(config_value, ListChoicesCheckEveryItem) {
    using list = std::vector<std::string>;
    EXPECT_EQ(parsed("log.cleanup.policy", "compact, delete"),
              config_value(list{"compact", "delete"}));
    EXPECT_EQ(refused("log.cleanup.policy", "delete,archive").message,
              "'archive' is not one of compact, delete");
}

TEST(config_value, StringsAreTrimmed) {
    EXPECT_EQ(parsed("broker.rack", "  rack-1 \t"), config_value(std::string("rack-1")));
}

TEST(config_value, ConfigTextIsTheCanonicalForm) {
    EXPECT_EQ(to_config_text(config_value()), "");
    EXPECT_EQ(to_config_text(parsed("auto.create.topics.enable", "TRUE")), "true");
    EXPECT_EQ(to_config_text(parsed("num.partitions", "+007")), "7");
    EXPECT_EQ(to_config_text(parsed("log.cleaner.min.cleanable.ratio", "0.50")), "0.5");
    EXPECT_EQ(to_config_text(parsed("log.cleanup.policy", " compact ,delete ")), "compact,delete");
}

TEST(config_value, CsvListsDropEmptyItems) {
    EXPECT_EQ(parse_csv_list(" a, ,b,, c ,"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(parse_csv_list("").empty());
}

}  // namespace
}  // namespace samsa::broker
