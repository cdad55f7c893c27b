#include "arguments.h"

#include <librdkafka/rdkafka.h>
#include <CLI/CLI.hpp>

namespace samsa::load {
namespace {

constexpr int64_t max_record_bytes = 64 * 1024 * 1024;

// --brokers or --mock, exactly one. Returns --mock.
CLI::Option* add_cluster_options(CLI::App& command, cluster_arguments& cluster) {
    CLI::Option_group* where = command.add_option_group("cluster", "where to connect (one of)");
    where->add_option("--brokers", cluster.brokers, "bootstrap servers, HOST:PORT[,HOST:PORT]");
    CLI::Option* mock = where->add_flag(
        "--mock", cluster.mock,
        "librdkafka's in-process mock cluster instead of brokers: the client's own ceiling");
    where->require_option(1);
    return mock;
}

// --partitions; only with --mock unless `mock` is null.
void add_partitions_option(CLI::App& command, cluster_arguments& cluster, const char* help,
                           CLI::Option* mock) {
    CLI::Option* partitions =
        command.add_option("--partitions", cluster.partitions, help)->check(CLI::Range(1, 100'000));
    if (mock != nullptr) {
        partitions->needs(mock);
    }
}

CLI::Option* add_record_bytes(CLI::App& command, int64_t& record_bytes, int64_t minimum_bytes) {
    return command.add_option("--record-bytes", record_bytes, "value size of each record")
        ->check(CLI::Range(minimum_bytes, max_record_bytes))
        ->capture_default_str();
}

void add_producer_settings(CLI::App& command, std::string& acks, std::string& compression,
                           int64_t& linger_ms) {
    command.add_option("--acks", acks, "acknowledgement: all, 1 or 0")
        ->check(CLI::IsMember({"all", "1", "0"}))
        ->capture_default_str();
    command.add_option("--compression", compression, "codec of the producer's batches")
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
        ->capture_default_str();
    command.add_option("--linger-ms", linger_ms, "linger.ms: how long a batch waits to fill")
        ->check(CLI::Range(int64_t{0}, int64_t{900'000}))
        ->capture_default_str();
}

void add_produce_command(CLI::App& app, produce_arguments& arguments) {
    CLI::App* produce = app.add_subcommand(
        "produce",
        "Producers send as fast as they can (or at --rate); throughput and latency "
        "from send to acknowledgement.");
    CLI::Option* mock = add_cluster_options(*produce, arguments.cluster);
    produce->add_option("--topic", arguments.topic, "an existing topic")->required();
    add_record_bytes(*produce, arguments.record_bytes, 1);
    CLI::Option_group* amount = produce->add_option_group("amount", "how much to send (one of)");
    amount->add_option("--records", arguments.records, "records over all producers")
        ->check(CLI::PositiveNumber);
    amount->add_option("--seconds", arguments.seconds, "send for this long")
        ->check(CLI::PositiveNumber);
    amount->require_option(1);
    add_producer_settings(*produce, arguments.acks, arguments.compression, arguments.linger_ms);
    produce->add_option("--batch-bytes", arguments.batch_bytes, "batch.size: bytes per batch")
        ->check(CLI::Range(int64_t{1}, int64_t{2'147'483'647}))
        ->capture_default_str();
    produce->add_option("--producers", arguments.producers, "producer instances, a thread each")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    produce
        ->add_option("--rate", arguments.rate,
                     "records per second over all producers; 0: as fast as possible")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    produce
        ->add_option("--payload", arguments.payload,
                     "record values: random (incompressible), text (compresses like log "
                     "events), or auto: text when compressing")
        ->check(CLI::IsMember({"auto", "random", "text"}))
        ->capture_default_str();
    add_partitions_option(*produce, arguments.cluster,
                          "with --mock: partitions of the mock topic (default 6)", mock);
}

void add_consume_command(CLI::App& app, consume_arguments& arguments) {
    CLI::App* consume =
        app.add_subcommand("consume",
                           "One consumer reads the topic from the beginning (no group) until "
                           "--records; throughput.");
    add_cluster_options(*consume, arguments.cluster);
    consume->add_option("--topic", arguments.topic, "an existing topic")->required();
    consume->add_option("--records", arguments.records, "records to read")
        ->required()
        ->check(CLI::PositiveNumber);
    add_record_bytes(*consume, arguments.record_bytes, 1)
        ->description("with --mock: value size of the records written before the read");
    consume
        ->add_option("--idle-timeout-ms", arguments.idle_timeout_ms,
                     "fail when no record arrives for this long")
        ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
        ->capture_default_str();
    add_partitions_option(*consume, arguments.cluster,
                          "partitions to read, 0 to P-1 (default all); with --mock, the mock "
                          "topic's (default: enough to hold the records)",
                          nullptr);
}

void add_e2e_command(CLI::App& app, e2e_arguments& arguments) {
    CLI::App* e2e = app.add_subcommand(
        "e2e",
        "A producer at a fixed rate and a consumer in the same process; latency from "
        "the intended send time to receipt.");
    CLI::Option* mock = add_cluster_options(*e2e, arguments.cluster);
    e2e->add_option("--topic", arguments.topic, "an existing topic")->required();
    e2e->add_option("--rate", arguments.rate, "records per second")
        ->required()
        ->check(CLI::PositiveNumber);
    e2e->add_option("--seconds", arguments.seconds, "measured duration, after the warm-up")
        ->required()
        ->check(CLI::PositiveNumber);
    // The e2e header (e2e_runner.h) must fit.
    add_record_bytes(*e2e, arguments.record_bytes, 16);
    add_producer_settings(*e2e, arguments.acks, arguments.compression, arguments.linger_ms);
    e2e->add_option("--warmup-seconds", arguments.warmup_seconds, "sent first and not measured")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    e2e->add_option("--fetch-wait-ms", arguments.fetch_wait_ms, "the consumer's fetch.wait.max.ms")
        ->check(CLI::Range(int64_t{0}, int64_t{10'000}))
        ->capture_default_str();
    add_partitions_option(*e2e, arguments.cluster,
                          "with --mock: partitions of the mock topic (default 6)", mock);
}

std::string cluster_name(const cluster_arguments& cluster) {
    return cluster.mock ? std::string("mock") : cluster.brokers;
}

}  // namespace

void add_commands(CLI::App& app, command_line& arguments) {
    add_produce_command(app, arguments.produce);
    add_consume_command(app, arguments.consume);
    add_e2e_command(app, arguments.e2e);
}

payload_kind payload_kind_for(const std::string& payload, const std::string& compression) {
    if (payload == "auto") {
        return compression == "none" ? payload_kind::random : payload_kind::text;
    }
    return payload == "text" ? payload_kind::text : payload_kind::random;
}

run_config config_of(const produce_arguments& arguments) {
    return {
        {"brokers", cluster_name(arguments.cluster)},
        {"mock", arguments.cluster.mock},
        {"topic", arguments.topic},
        {"record_bytes", arguments.record_bytes},
        {"max_records", static_cast<int64_t>(arguments.records.value_or(0))},
        {"max_seconds", arguments.seconds.value_or(0)},
        {"acks", arguments.acks},
        {"compression", arguments.compression},
        {"linger_ms", arguments.linger_ms},
        {"batch_bytes", arguments.batch_bytes},
        {"producers", int64_t{arguments.producers}},
        {"rate", arguments.rate},
        {"payload",
         std::string(to_string(payload_kind_for(arguments.payload, arguments.compression)))},
        {"librdkafka", std::string(rd_kafka_version_str())},
    };
}

run_config config_of(const consume_arguments& arguments) {
    run_config config = {
        {"brokers", cluster_name(arguments.cluster)},
        {"mock", arguments.cluster.mock},
        {"topic", arguments.topic},
        {"max_records", static_cast<int64_t>(arguments.records)},
        {"librdkafka", std::string(rd_kafka_version_str())},
    };
    if (arguments.cluster.mock) {
        config.emplace_back("record_bytes", arguments.record_bytes);
    }
    return config;
}

run_config config_of(const e2e_arguments& arguments) {
    return {
        {"brokers", cluster_name(arguments.cluster)},
        {"mock", arguments.cluster.mock},
        {"topic", arguments.topic},
        {"rate", arguments.rate},
        {"max_seconds", arguments.seconds},
        {"warmup_seconds", arguments.warmup_seconds},
        {"record_bytes", arguments.record_bytes},
        {"acks", arguments.acks},
        {"compression", arguments.compression},
        {"linger_ms", arguments.linger_ms},
        {"fetch_wait_ms", arguments.fetch_wait_ms},
        {"payload", std::string(to_string(payload_kind_for("auto", arguments.compression)))},
        {"librdkafka", std::string(rd_kafka_version_str())},
    };
}

}  // namespace samsa::load
