#pragma once

// What one run of samsa-load measured, and the JSON object it prints on stdout: the contract
// with bench/run_bench.py (bench/load_generator.py reads the field names). One object, on
// one line:
//
//   {"mode":"produce",            produce | consume | e2e
//    "records":1000000,           records counted: acknowledged (produce), read (consume),
//                                 received in the measured window (e2e)
//    "bytes":1024000000,          sum of those records' value sizes (uncompressed)
//    "seconds":10.021,            the measured window
//    "records_per_s":99790.4,     records / seconds
//    "mb_per_s":102.185,          bytes / 10^6 / seconds
//    "errors":0,                  failed deliveries (produce, e2e) and consumer errors
//    "latency_ms":{"p50":1.2,"p90":..,"p99":..,"p999":..,"max":..,"mean":..,"count":..},
//                                 produce: send to delivery report; e2e: intended send time
//                                 to receipt by the consumer; consume: null
//    "produced":..,               e2e only: records acknowledged in the measured window
//    "produce_latency_ms":{..},   e2e only: intended send time to delivery report
//    "config":{...}}              the run's settings (run_config below)
//
// Latencies are in milliseconds with microsecond digits; the percentiles come from a
// latency_histogram, so they are at most 0.8% above the true value, never below.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "latency_histogram.h"

namespace samsa::load {

// The settings a run used, in the order they are printed.
using config_value = std::variant<std::string, int64_t, double, bool>;
using run_config = std::vector<std::pair<std::string, config_value>>;

struct run_report {
    std::string mode;
    uint64_t records = 0;
    uint64_t bytes = 0;
    double seconds = 0;
    uint64_t errors = 0;
    // Empty in consume mode, which measures no latency.
    std::optional<latency_histogram> latency;
    std::optional<uint64_t> produced;
    std::optional<latency_histogram> produce_latency;
    run_config config;
};

std::string to_json(const run_report& report);

// The same figures for a person, one line (printed on stderr).
std::string summary(const run_report& report);

}  // namespace samsa::load
