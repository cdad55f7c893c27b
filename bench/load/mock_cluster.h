#pragma once

// librdkafka's in-process mock cluster (rdkafka_mock.h), for --mock: the same client code
// against brokers that live in this process and keep records in memory, which measures the
// client's own ceiling on this machine (no disk, no broker worth the name, but the same
// protocol, sockets on loopback and batching).
//
// Limits of the mock, librdkafka 2.0.2: it keeps about 5 MiB of record batches per
// partition and drops the oldest beyond that (so a produce run uses bounded memory, but a
// consume run can read only what the partitions still hold: fill() spreads records evenly
// and mock_partitions_for() sizes the topic); it has no CreateTopics, so the topic is made
// here with rd_kafka_mock_topic_create; its threads share the machine with the client's.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <memory>
#include <string>

#include "client.h"
#include "load_error.h"

namespace samsa::load {

// What a mock partition holds before it drops batches, with room to spare for batch and
// record headers: 4 MiB of the mock's 5.
constexpr uint64_t mock_partition_capacity_bytes = 4 * 1024 * 1024;

// Partitions enough for `records` of `record_bytes` to stay in the mock for a consume run;
// at least `minimum`.
int32_t mock_partitions_for(uint64_t records, int64_t record_bytes, int32_t minimum);

class mock_cluster {
public:
    // One mock broker holding `topic` with `partitions` partitions.
    static load_result<std::unique_ptr<mock_cluster>> start(const std::string& topic,
                                                            int32_t partitions);
    ~mock_cluster();
    mock_cluster(const mock_cluster&) = delete;
    mock_cluster& operator=(const mock_cluster&) = delete;

    const std::string& bootstrap_servers() const { return bootstrap_servers_; }

    // Writes `records` values of `record_bytes` random bytes to the topic, partition by
    // partition in turn (so every partition holds its share), and waits until all are
    // acknowledged. Not measured: it is what a consume run reads.
    load_result<uint64_t> fill(const std::string& topic, int32_t partitions, uint64_t records,
                               int64_t record_bytes);

private:
    mock_cluster(client_handle host, rd_kafka_mock_cluster_t* cluster);

    // The client the mock cluster is attached to: librdkafka runs the mock brokers on its
    // behalf, so it lives as long as the cluster (and is destroyed after it).
    client_handle host_;
    rd_kafka_mock_cluster_t* cluster_;
    std::string bootstrap_servers_;
};

}  // namespace samsa::load
