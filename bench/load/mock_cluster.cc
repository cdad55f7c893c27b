#include "mock_cluster.h"

#include <algorithm>

#include "payload.h"
#include "stop_signal.h"

namespace samsa::load {
namespace {

constexpr int mock_broker_count = 1;
constexpr int fill_poll_interval = 1024;

}  // namespace

int32_t mock_partitions_for(uint64_t records, int64_t record_bytes, int32_t minimum) {
    // A record in a v2 batch: its value plus about 10 bytes of varints and attributes.
    uint64_t bytes = records * static_cast<uint64_t>(record_bytes + 10);
    auto needed = static_cast<int32_t>((bytes + mock_partition_capacity_bytes - 1) /
                                       mock_partition_capacity_bytes);
    return std::max(needed, minimum);
}

mock_cluster::mock_cluster(client_handle host, rd_kafka_mock_cluster_t* cluster)
    : host_(std::move(host)),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

mock_cluster::~mock_cluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
}

load_result<std::unique_ptr<mock_cluster>> mock_cluster::start(const std::string& topic,
                                                               int32_t partitions) {
    // The host has no brokers of its own, so it never connects anywhere; logging only errors
    // keeps librdkafka's notice about that off the terminal.
    auto host = client_config("").set("log_level", "3").create(RD_KAFKA_PRODUCER);
    if (!host) {
        return failure{host.error()};
    }
    rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(host->get(), mock_broker_count);
    if (cluster == nullptr) {
        return failure{load_error{"cannot start librdkafka's mock cluster"}};
    }
    std::unique_ptr<mock_cluster> started(new mock_cluster(std::move(host).value(), cluster));
    rd_kafka_resp_err_t error =
        rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, mock_broker_count);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{load_error{"cannot create topic \"" + topic +
                                  "\" in the mock cluster: " + rd_kafka_err2str(error)}};
    }
    return started;
}

load_result<uint64_t> mock_cluster::fill(const std::string& topic, int32_t partitions,
                                         uint64_t records, int64_t record_bytes) {
    // Before the producer, so that it outlives every record that points into it.
    payload_pool pool(payload_kind::random, static_cast<std::size_t>(record_bytes), 1);
    auto producer = client_config(bootstrap_servers_)
                        .set("acks", "1")
                        .set("linger.ms", "5")
                        .create(RD_KAFKA_PRODUCER);
    if (!producer) {
        return failure{producer.error()};
    }
    auto handle = open_topic(producer->get(), topic);
    if (!handle) {
        return failure{handle.error()};
    }
    payload_cursor cursor(pool, 0, 1);
    for (uint64_t i = 0; i < records && !stop_requested(); ++i) {
        auto partition = static_cast<int32_t>(i % static_cast<uint64_t>(partitions));
        // The pool outlives the flush below, so librdkafka may point into it (no copy).
        while (rd_kafka_produce(handle->get(), partition, 0, const_cast<char*>(cursor.next()),
                                static_cast<std::size_t>(record_bytes), nullptr, 0, nullptr) != 0) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                return failure{load_error{std::string("writing to the mock cluster failed: ") +
                                          rd_kafka_err2str(rd_kafka_last_error())}};
            }
            rd_kafka_poll(producer->get(), 10);
        }
        if (i % fill_poll_interval == 0) {
            rd_kafka_poll(producer->get(), 0);
        }
    }
    if (rd_kafka_flush(producer->get(), delivery_timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{
            load_error{"the mock cluster did not acknowledge the records written "
                       "before the read"}};
    }
    return records;
}

}  // namespace samsa::load
