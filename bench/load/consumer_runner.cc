#include "consumer_runner.h"

#include <cstdio>
#include <vector>

#include "client.h"
#include "cluster_metadata.h"
#include "monotonic_clock.h"
#include "progress.h"
#include "stop_signal.h"
#include "topic_reader.h"

namespace samsa::load {
namespace {

constexpr int read_timeout_ms = 100;

struct consume_totals {
    uint64_t records = 0;
    uint64_t bytes = 0;
    uint64_t errors = 0;
    int64_t last_record_ns = 0;
    std::string first_error;
};

// Reads until `wanted` records, a stop, or `idle_timeout_ms` without a record.
load_result<consume_totals> read_records(topic_reader& reader, uint64_t wanted, int64_t start_ns,
                                         int64_t idle_timeout_ms) {
    consume_totals totals;
    totals.last_record_ns = start_ns;
    progress_meter meter("consume", start_ns);
    while (totals.records < wanted && !stop_requested()) {
        reader.read(read_timeout_ms, [&](const rd_kafka_message_t& message) {
            if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (totals.first_error.empty()) {
                    totals.first_error = rd_kafka_message_errstr(&message);
                }
                ++totals.errors;
                return;
            }
            if (totals.records < wanted) {
                ++totals.records;
                totals.bytes += message.len;
                totals.last_record_ns = monotonic_ns();
            }
        });
        meter.update(totals.records, totals.bytes, totals.errors);
        if (monotonic_ns() - totals.last_record_ns > idle_timeout_ms * ns_per_ms) {
            std::string reason = totals.first_error.empty()
                                     ? std::string("does the topic hold that many?")
                                     : "first error: " + totals.first_error;
            return failure{load_error{"read " + std::to_string(totals.records) + " of " +
                                      std::to_string(wanted) + " records, then nothing for " +
                                      std::to_string(idle_timeout_ms) + " ms; " + reason}};
        }
    }
    return totals;
}

}  // namespace

load_result<run_report> run_consume(const consume_arguments& arguments,
                                    const std::string& bootstrap_servers) {
    // No group.id and no commits: the simple consumer needs neither.
    auto client = client_config(bootstrap_servers)
                      .set("enable.auto.commit", "false")
                      .create(RD_KAFKA_CONSUMER);
    if (!client) {
        return failure{client.error()};
    }
    auto topic = open_topic(client->get(), arguments.topic);
    if (!topic) {
        return failure{topic.error()};
    }
    auto partition_count = topic_partition_count(client->get(), topic->get(), bootstrap_servers);
    if (!partition_count) {
        return failure{partition_count.error()};
    }
    int32_t partitions = arguments.cluster.partitions.value_or(*partition_count);
    if (partitions > *partition_count) {
        return failure{load_error{"--partitions " + std::to_string(partitions) + " but topic \"" +
                                  arguments.topic + "\" has " + std::to_string(*partition_count)}};
    }

    int64_t start_ns = monotonic_ns();
    auto reader = topic_reader::start(client->get(), topic->get(),
                                      std::vector<int64_t>(partitions, RD_KAFKA_OFFSET_BEGINNING));
    if (!reader) {
        return failure{reader.error()};
    }
    auto totals = read_records(**reader, arguments.records, start_ns, arguments.idle_timeout_ms);
    if (!totals) {
        return failure{totals.error()};
    }
    if (!totals->first_error.empty()) {
        std::fprintf(stderr, "consume: first consumer error: %s\n", totals->first_error.c_str());
    }

    run_report report;
    report.mode = "consume";
    report.records = totals->records;
    report.bytes = totals->bytes;
    report.errors = totals->errors;
    report.seconds = static_cast<double>(totals->last_record_ns - start_ns) / ns_per_second;
    report.config = config_of(arguments);
    report.config.emplace_back("partitions", int64_t{partitions});
    return report;
}

}  // namespace samsa::load
