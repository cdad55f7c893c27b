#include "run_report.h"

#include <gtest/gtest.h>

#include <string>

namespace samsa::load {
namespace {

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
