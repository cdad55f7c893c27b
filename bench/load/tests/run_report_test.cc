#include "run_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "json_writer.h"

namespace samsa::load {
namespace {

TEST(json_writer, SeparatesMembersAndNestsObjects) {
    json_writer json;
    json.begin_object();
    json.key("a").integer(-1);
    json.key("b").begin_object();
    json.key("c").boolean(true);
    json.key("d").null();
    json.end_object();
    json.key("e").begin_object().end_object();
    json.key("f").unsigned_integer(18446744073709551615ULL);
    json.end_object();
    EXPECT_EQ(json.text(), R"({"a":-1,"b":{"c":true,"d":null},"e":{},"f":18446744073709551615})");
}

TEST(json_writer, EscapesQuotesBackslashesAndControlCharacters) {
    json_writer json;
    json.string("a\"b\\c\nd\te\x01 caf\xc3\xa9");
    EXPECT_EQ(json.text(), "\"a\\\"b\\\\c\\nd\\te\\u0001 caf\xc3\xa9\"");
}

TEST(json_writer, WritesNumbersWithFixedDecimalsAndNonFiniteAsNull) {
    json_writer json;
    json.begin_object();
    json.key("x").number(2.0 / 3.0, 3);
    json.key("y").number(1e12, 1);
    json.key("nan").number(std::nan(""), 3);
    json.key("inf").number(std::numeric_limits<double>::infinity(), 3);
    json.end_object();
    EXPECT_EQ(json.text(), R"({"x":0.667,"y":1000000000000.0,"nan":null,"inf":null})");
}

TEST(run_report, ProduceReportHasTheFieldsTheOrchestratorReads) {
    run_report report;
    report.mode = "produce";
    report.records = 1000;
    report.bytes = 2'000'000;
    report.seconds = 2.0;
    report.errors = 3;
    report.latency.emplace();
    // 1 ms falls in the bucket [999424, 1003519] ns, and the report gives a bucket's top.
    report.latency->record_ns(1'000'000);
    report.latency->record_ns(3'000'000);
    report.config = {{"topic", std::string("t")}, {"producers", int64_t{2}}, {"mock", false}};
    EXPECT_EQ(to_json(report),
              R"({"mode":"produce","records":1000,"bytes":2000000,"seconds":2.000,)"
              R"("records_per_s":500.0,"mb_per_s":1.000,"errors":3,)"
              R"("latency_ms":{"p50":1.004,"p90":3.000,"p99":3.000,"p999":3.000,"max":3.000,)"
              R"("mean":2.000,"count":2},)"
              R"("config":{"topic":"t","producers":2,"mock":false}})");
}

TEST(run_report, ConsumeReportHasNullLatency) {
    run_report report;
    report.mode = "consume";
    EXPECT_EQ(to_json(report),
              R"({"mode":"consume","records":0,"bytes":0,"seconds":0.000,"records_per_s":0.0,)"
              R"("mb_per_s":0.000,"errors":0,"latency_ms":null,"config":{}})");
}

TEST(run_report, EndToEndReportAddsProducedAndProduceLatency) {
    run_report report;
    report.mode = "e2e";
    report.seconds = 1.0;
    report.latency.emplace();
    report.produced = 5;
    report.produce_latency.emplace();
    std::string json = to_json(report);
    EXPECT_NE(json.find(R"("produced":5,"produce_latency_ms":{"p50":0.000,)"), std::string::npos)
        << json;
}

}  // namespace
}  // namespace samsa::load
