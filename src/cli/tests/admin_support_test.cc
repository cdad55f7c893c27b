#include "cli/admin_support.h"

#include <gtest/gtest.h>

#include "cli/config_table.h"

namespace samsa::cli {
namespace {

TEST(KeyValue, SplitsAtTheFirstEquals) {
    auto pair = parse_key_value("sasl.jaas.config=a=b");
    ASSERT_TRUE(pair);
    EXPECT_EQ(pair->first, "sasl.jaas.config");
    EXPECT_EQ(pair->second, "a=b");
    auto empty_value = parse_key_value("retention.ms=");
    ASSERT_TRUE(empty_value);
    EXPECT_EQ(empty_value->second, "");
    EXPECT_FALSE(parse_key_value("retention.ms"));
    EXPECT_FALSE(parse_key_value("=5"));
}

TEST(KeyValue, AListNamesTheFirstBadItem) {
    auto good = parse_key_values({"a=1", "b=2"});
    ASSERT_TRUE(good);
    EXPECT_EQ(good->size(), 2u);
    auto bad = parse_key_values({"a=1", "oops"});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, client::failure_kind::invalid);
    EXPECT_NE(bad.error().message.find("oops"), std::string::npos);
}

TEST(ConfigTable, HidesSensitiveValues) {
    std::vector<client::config_entry> configs{{.name = "retention.ms",
                                               .value = "1000",
                                               .source = "DYNAMIC_TOPIC_CONFIG",
                                               .read_only = false,
                                               .sensitive = false,
                                               .is_default = false},
                                              {.name = "secret",
                                               .value = "hunter2",
                                               .source = "STATIC_BROKER_CONFIG",
                                               .read_only = true,
                                               .sensitive = true,
                                               .is_default = false}};
    std::string table = render_config_table(configs);
    EXPECT_NE(table.find("retention.ms  1000"), std::string::npos);
    EXPECT_EQ(table.find("hunter2"), std::string::npos);
    protocol::json_writer json;
    write_config_json(json, configs);
    EXPECT_EQ(json.text().find("hunter2"), std::string::npos);
    EXPECT_NE(json.text().find("\"source\":\"DYNAMIC_TOPIC_CONFIG\""), std::string::npos);
}

}  // namespace
}  // namespace samsa::cli
