#pragma once

// The command line of samsa-load: one struct per subcommand, filled by CLI11 (the only file
// that includes it), and the run_config each run reports (its "config" object).
//
//   samsa-load produce (--brokers H:P | --mock) --topic T (--records N | --seconds S)
//       [--record-bytes 1024] [--acks all|1|0] [--compression none|gzip|snappy|lz4|zstd]
//       [--linger-ms 5] [--batch-bytes 1000000] [--producers 1] [--rate 0]
//       [--payload auto|random|text] [--partitions P (with --mock)]
//   samsa-load consume (--brokers H:P | --mock) --topic T --records N [--partitions P]
//       [--record-bytes 1024 (with --mock)] [--idle-timeout-ms 10000]
//   samsa-load e2e (--brokers H:P | --mock) --topic T --rate R --seconds S
//       [--record-bytes 1024] [--linger-ms 1] [--acks all] [--compression none]
//       [--warmup-seconds 1] [--fetch-wait-ms 5] [--partitions P (with --mock)]
//
// Defaults not named by the issue are librdkafka's own (linger.ms 5, batch.size 1000000).

#include <cstdint>
#include <optional>
#include <string>

#include "payload.h"
#include "run_report.h"

namespace CLI {
class App;
}

namespace samsa::load {

// Where the cluster is: real brokers, or librdkafka's in-process mock cluster.
struct cluster_arguments {
    std::string brokers;
    bool mock = false;
    // consume: how many partitions to read, from 0 (default: all). --mock: how many the mock
    // topic has (default: 6, or for consume as many as the records need).
    std::optional<int32_t> partitions;
};

struct produce_arguments {
    cluster_arguments cluster;
    std::string topic;
    int64_t record_bytes = 1024;
    std::optional<uint64_t> records;
    std::optional<double> seconds;
    std::string acks = "all";
    std::string compression = "none";
    int64_t linger_ms = 5;
    int64_t batch_bytes = 1'000'000;
    int32_t producers = 1;
    // Records per second over all producers; 0: as fast as the client goes.
    double rate = 0;
    std::string payload = "auto";
};

struct consume_arguments {
    cluster_arguments cluster;
    std::string topic;
    uint64_t records = 0;
    // Only with --mock, for the records written before the measured read.
    int64_t record_bytes = 1024;
    // A run that receives nothing for this long fails (fewer records than asked for).
    int64_t idle_timeout_ms = 10'000;
};

struct e2e_arguments {
    cluster_arguments cluster;
    std::string topic;
    double rate = 0;
    double seconds = 0;
    int64_t record_bytes = 1024;
    int64_t linger_ms = 1;
    std::string acks = "all";
    std::string compression = "none";
    // Sent but not measured: connections, metadata and the first batches settle.
    double warmup_seconds = 1;
    int64_t fetch_wait_ms = 5;
};

struct command_line {
    produce_arguments produce;
    consume_arguments consume;
    e2e_arguments e2e;
};

// Registers the three subcommands on `app`; `arguments` receives their values and must
// outlive the parse.
void add_commands(CLI::App& app, command_line& arguments);

// --payload auto means text when compressing, random otherwise (payload.h says why).
payload_kind payload_kind_for(const std::string& payload, const std::string& compression);

// The settings of a run as its report prints them.
run_config config_of(const produce_arguments& arguments);
run_config config_of(const consume_arguments& arguments);
run_config config_of(const e2e_arguments& arguments);

}  // namespace samsa::load
