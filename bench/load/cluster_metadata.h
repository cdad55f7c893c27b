#pragma once

// What samsa-load asks the cluster before it measures anything: that the brokers answer,
// that the topic exists and how many partitions it has, and where each partition ends. Each
// question is bounded by cluster_timeout_ms, so that an unreachable broker ends the run with
// a sentence instead of a hang; it also opens the client's connections, so that connection
// setup is not part of the measured window.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>
#include <vector>

#include "load_error.h"

namespace samsa::load {

constexpr int cluster_timeout_ms = 10'000;

// The topic's partition count; an error when the brokers do not answer in time, or the topic
// does not exist or has no partitions. `bootstrap_servers` is only for the error's sentence.
load_result<int32_t> topic_partition_count(rd_kafka_t* client, rd_kafka_topic_t* topic,
                                           const std::string& bootstrap_servers);

// The high watermark (the offset the next record will get) of partitions 0..count-1.
load_result<std::vector<int64_t>> high_watermarks(rd_kafka_t* client, const std::string& topic,
                                                  int32_t partition_count);

}  // namespace samsa::load
