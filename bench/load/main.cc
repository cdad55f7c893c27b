// samsa-load: a load generator for Kafka-compatible brokers on librdkafka, in the spirit of
// the OpenMessaging Benchmark. `samsa-load produce|consume|e2e --help` for each mode; the
// JSON object each run prints on stdout is specified in run_report.h, and how to use it in
// docs/load-generator.md.
//
// Exit status: 0 with a report on stdout; 1 when the run could not be measured (one sentence
// on stderr, no report); CLI11's codes for a bad command line.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "arguments.h"
#include "consumer_runner.h"
#include "e2e_runner.h"
#include "mock_cluster.h"
#include "producer_runner.h"
#include "run_report.h"
#include "stop_signal.h"

namespace samsa::load {
namespace {

constexpr int exit_run_failed = 1;
// Partitions of a mock topic unless --partitions says otherwise: a small cluster's usual.
constexpr int32_t default_mock_partitions = 6;

using runner = std::function<load_result<run_report>(const std::string& bootstrap_servers)>;

// Starts the mock cluster of a --mock run; for consume, also writes the records to read.
load_result<std::unique_ptr<mock_cluster>> start_mock(const std::string& mode,
                                                      const command_line& arguments) {
    if (mode != "consume") {
        const cluster_arguments& cluster =
            mode == "produce" ? arguments.produce.cluster : arguments.e2e.cluster;
        const std::string& topic =
            mode == "produce" ? arguments.produce.topic : arguments.e2e.topic;
        return mock_cluster::start(topic, cluster.partitions.value_or(default_mock_partitions));
    }
    const consume_arguments& consume = arguments.consume;
    int32_t partitions = consume.cluster.partitions.value_or(
        mock_partitions_for(consume.records, consume.record_bytes, default_mock_partitions));
    if (mock_partitions_for(consume.records, consume.record_bytes, 1) > partitions) {
        return failure{load_error{
            "the mock cluster keeps about 4 MiB per partition: " + std::to_string(consume.records) +
            " records need at least " +
            std::to_string(mock_partitions_for(consume.records, consume.record_bytes, 1)) +
            " partitions; raise --partitions or leave it out"}};
    }
    auto mock = mock_cluster::start(consume.topic, partitions);
    if (!mock) {
        return mock;
    }
    std::fprintf(stderr, "consume: writing %llu records to %d mock partitions first\n",
                 static_cast<unsigned long long>(consume.records), partitions);
    auto filled = (*mock)->fill(consume.topic, partitions, consume.records, consume.record_bytes);
    if (!filled) {
        return failure{filled.error()};
    }
    return mock;
}

int run(const std::string& mode, const command_line& arguments, const cluster_arguments& cluster,
        const runner& measure) {
    std::unique_ptr<mock_cluster> mock;
    std::string bootstrap_servers = cluster.brokers;
    if (cluster.mock) {
        auto started = start_mock(mode, arguments);
        if (!started) {
            std::fprintf(stderr, "samsa-load %s: %s\n", mode.c_str(),
                         started.error().message.c_str());
            return exit_run_failed;
        }
        mock = std::move(started).value();
        bootstrap_servers = mock->bootstrap_servers();
    }
    auto report = measure(bootstrap_servers);
    if (!report) {
        std::fprintf(stderr, "samsa-load %s: %s\n", mode.c_str(), report.error().message.c_str());
        return exit_run_failed;
    }
    std::fprintf(stderr, "%s\n", summary(*report).c_str());
    std::printf("%s\n", to_json(*report).c_str());
    std::fflush(stdout);
    return 0;
}

}  // namespace
}  // namespace samsa::load

int main(int argc, char** argv) {
    using namespace samsa::load;
    CLI::App app{
        "samsa-load: throughput and latency of a Kafka-compatible broker, measured with "
        "librdkafka. One JSON object on stdout per run; progress on stderr."};
    app.require_subcommand(1);
    app.footer(
        "Examples:\n"
        "  samsa-load produce --brokers 127.0.0.1:9092 --topic bench --seconds 10\n"
        "  samsa-load consume --brokers 127.0.0.1:9092 --topic bench --records 1000000\n"
        "  samsa-load e2e --brokers 127.0.0.1:9092 --topic bench --rate 1000 --seconds 10\n"
        "  samsa-load produce --mock --topic bench --seconds 10");
    command_line arguments;
    add_commands(app, arguments);
    CLI11_PARSE(app, argc, argv);
    install_stop_handlers();

    if (app.got_subcommand("produce")) {
        return run("produce", arguments, arguments.produce.cluster,
                   [&](const std::string& bootstrap) {
                       return run_produce(arguments.produce, bootstrap);
                   });
    }
    if (app.got_subcommand("consume")) {
        return run("consume", arguments, arguments.consume.cluster,
                   [&](const std::string& bootstrap) {
                       return run_consume(arguments.consume, bootstrap);
                   });
    }
    return run("e2e", arguments, arguments.e2e.cluster,
               [&](const std::string& bootstrap) { return run_e2e(arguments.e2e, bootstrap); });
}
