#include "run_report.h"

#include <cstdio>
#include <type_traits>

#include "protocol/json_writer.h"

namespace samsa::load {
namespace {

using protocol::json_writer;

constexpr double ns_per_ms = 1e6;
constexpr double bytes_per_mb = 1e6;

void write_latency(json_writer& json, const latency_histogram& histogram) {
    auto ms = [](double ns) { return ns / ns_per_ms; };
    json.begin_object();
    json.key("p50");
    json.fixed_value(ms(histogram.value_at_percentile_ns(50)), 3);
    json.key("p90");
    json.fixed_value(ms(histogram.value_at_percentile_ns(90)), 3);
    json.key("p99");
    json.fixed_value(ms(histogram.value_at_percentile_ns(99)), 3);
    json.key("p999");
    json.fixed_value(ms(histogram.value_at_percentile_ns(99.9)), 3);
    json.key("max");
    json.fixed_value(ms(histogram.max_ns()), 3);
    json.key("mean");
    json.fixed_value(ms(histogram.mean_ns()), 3);
    json.key("count");
    json.unsigned_value(histogram.count());
    json.end_object();
}

void write_config(json_writer& json, const run_config& config) {
    json.begin_object();
    for (const auto& [name, value] : config) {
        json.key(name);
        std::visit(
            [&json](const auto& v) {
                using type = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<type, std::string>) {
                    json.value(v);
                } else if constexpr (std::is_same_v<type, int64_t>) {
                    json.value(v);
                } else if constexpr (std::is_same_v<type, double>) {
                    json.fixed_value(v, 3);
                } else {
                    json.value(v);
                }
            },
            value);
    }
    json.end_object();
}

}  // namespace

std::string to_json(const run_report& report) {
    double per_second = report.seconds > 0 ? 1.0 / report.seconds : 0.0;
    json_writer json;
    json.begin_object();
    json.key("mode");
    json.value(report.mode);
    json.key("records");
    json.unsigned_value(report.records);
    json.key("bytes");
    json.unsigned_value(report.bytes);
    json.key("seconds");
    json.fixed_value(report.seconds, 3);
    json.key("records_per_s");
    json.fixed_value(static_cast<double>(report.records) * per_second, 1);
    json.key("mb_per_s");
    json.fixed_value(static_cast<double>(report.bytes) / bytes_per_mb * per_second, 3);
    json.key("errors");
    json.unsigned_value(report.errors);
    json.key("latency_ms");
    if (report.latency) {
        write_latency(json, *report.latency);
    } else {
        json.null_value();
    }
    if (report.produced) {
        json.key("produced");
        json.unsigned_value(*report.produced);
    }
    if (report.produce_latency) {
        json.key("produce_latency_ms");
        write_latency(json, *report.produce_latency);
    }
    json.key("config");
    write_config(json, report.config);
    json.end_object();
    return json.text();
}

std::string summary(const run_report& report) {
    double per_second = report.seconds > 0 ? 1.0 / report.seconds : 0.0;
    char line[512];
    int written = std::snprintf(
        line, sizeof line, "%s: %llu records in %.3f s: %.1f records/s, %.3f MB/s, errors %llu",
        report.mode.c_str(), static_cast<unsigned long long>(report.records), report.seconds,
        static_cast<double>(report.records) * per_second,
        static_cast<double>(report.bytes) / bytes_per_mb * per_second,
        static_cast<unsigned long long>(report.errors));
    std::string text(line, static_cast<std::size_t>(written));
    if (report.latency) {
        const latency_histogram& latency = *report.latency;
        std::snprintf(line, sizeof line, "; latency ms p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f",
                      static_cast<double>(latency.value_at_percentile_ns(50)) / ns_per_ms,
                      static_cast<double>(latency.value_at_percentile_ns(99)) / ns_per_ms,
                      static_cast<double>(latency.value_at_percentile_ns(99.9)) / ns_per_ms,
                      static_cast<double>(latency.max_ns()) / ns_per_ms);
        text += line;
    }
    return text;
}

}  // namespace samsa::load
