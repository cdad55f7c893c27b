#include "e2e_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "client.h"
#include "cluster_metadata.h"
#include "delivery_poller.h"
#include "latency_histogram.h"
#include "monotonic_clock.h"
#include "payload.h"
#include "progress.h"
#include "rate_pacer.h"
#include "stop_signal.h"
#include "topic_reader.h"

namespace samsa::load {
namespace {

constexpr int read_timeout_ms = 50;
// After the last record, how long the consumer may go without receiving one before the
// run stops waiting for the rest.
constexpr int64_t receive_timeout_ms = 5'000;
constexpr auto queue_full_wait = std::chrono::milliseconds(1);

// The consumer side, on a thread of its own: reads until told to stop.
class e2e_consumer {
public:
    explicit e2e_consumer(int64_t measure_from_ns) : measure_from_ns_(measure_from_ns) {}

    void run(topic_reader& reader) {
        while (!stopping_.load(std::memory_order_relaxed)) {
            reader.read(read_timeout_ms, [this](const rd_kafka_message_t& message) {
                int64_t received_ns = monotonic_ns();
                if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    errors_.fetch_add(1, std::memory_order_relaxed);
                    return;
                }
                uint64_t tag = 0;
                int64_t intended_ns = 0;
                if (message.len < e2e_header_bytes) {
                    return;
                }
                std::memcpy(&tag, message.payload, sizeof tag);
                std::memcpy(&intended_ns, static_cast<const char*>(message.payload) + sizeof tag,
                            sizeof intended_ns);
                if (tag != e2e_record_tag || intended_ns < measure_from_ns_) {
                    return;
                }
                latency_.record_ns(received_ns - intended_ns);
                bytes_.fetch_add(message.len, std::memory_order_relaxed);
                records_.fetch_add(1, std::memory_order_relaxed);
            });
        }
    }

    void stop() { stopping_.store(true, std::memory_order_relaxed); }

    uint64_t records() const { return records_.load(std::memory_order_relaxed); }
    uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
    uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
    // Only once the thread has been joined.
    const latency_histogram& latency() const { return latency_; }

private:
    const int64_t measure_from_ns_;
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> records_{0};
    std::atomic<uint64_t> bytes_{0};
    std::atomic<uint64_t> errors_{0};
    latency_histogram latency_;
};

// The producer's delivery reports, served by a delivery_poller and then by the final flush.
struct e2e_deliveries {
    int64_t measure_from_ns = 0;
    uint64_t acknowledged = 0;
    // Atomic: the progress line reads it while the poller counts.
    std::atomic<uint64_t> errors{0};
    std::string first_failure;
    latency_histogram latency;

    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
        auto* self = static_cast<e2e_deliveries*>(opaque);
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (self->first_failure.empty()) {
                self->first_failure = rd_kafka_err2str(message->err);
            }
            self->errors.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        auto intended_ns = static_cast<int64_t>(reinterpret_cast<intptr_t>(message->_private));
        if (intended_ns >= self->measure_from_ns) {
            self->latency.record_ns(monotonic_ns() - intended_ns);
            ++self->acknowledged;
        }
    }
};

// The clients of a run, declared in the reverse of the order they must be destroyed in.
struct e2e_clients {
    int32_t partitions = 0;
    client_handle producer;
    topic_handle producer_topic;
    client_handle consumer;
    topic_handle consumer_topic;
    std::unique_ptr<topic_reader> reader;
};

load_result<e2e_clients> connect(const e2e_arguments& arguments,
                                 const std::string& bootstrap_servers, e2e_deliveries& deliveries) {
    e2e_clients clients;
    auto producer = client_config(bootstrap_servers)
                        .set("acks", arguments.acks)
                        .set("compression.codec", arguments.compression)
                        .set("linger.ms", std::to_string(arguments.linger_ms))
                        .on_delivery(e2e_deliveries::on_delivery)
                        .opaque(&deliveries)
                        .create(RD_KAFKA_PRODUCER);
    if (!producer) {
        return failure{producer.error()};
    }
    clients.producer = std::move(producer).value();
    auto producer_topic = open_topic(clients.producer.get(), arguments.topic);
    if (!producer_topic) {
        return failure{producer_topic.error()};
    }
    clients.producer_topic = std::move(producer_topic).value();
    auto partitions = topic_partition_count(clients.producer.get(), clients.producer_topic.get(),
                                            bootstrap_servers);
    if (!partitions) {
        return failure{partitions.error()};
    }

    clients.partitions = *partitions;

    auto consumer = client_config(bootstrap_servers)
                        .set("enable.auto.commit", "false")
                        .set("fetch.wait.max.ms", std::to_string(arguments.fetch_wait_ms))
                        .set("fetch.min.bytes", "1")
                        .create(RD_KAFKA_CONSUMER);
    if (!consumer) {
        return failure{consumer.error()};
    }
    clients.consumer = std::move(consumer).value();
    auto consumer_topic = open_topic(clients.consumer.get(), arguments.topic);
    if (!consumer_topic) {
        return failure{consumer_topic.error()};
    }
    clients.consumer_topic = std::move(consumer_topic).value();
    auto ends = high_watermarks(clients.consumer.get(), arguments.topic, *partitions);
    if (!ends) {
        return failure{ends.error()};
    }
    auto reader = topic_reader::start(clients.consumer.get(), clients.consumer_topic.get(), *ends);
    if (!reader) {
        return failure{reader.error()};
    }
    clients.reader = std::move(reader).value();
    return clients;
}

// Sends records at their intended times until `until_ns` (or a stop) while a delivery_poller
// serves the reports, then waits for the rest. An error when librdkafka refused a record outright.
std::optional<load_error> send_paced(e2e_clients& clients, payload_cursor& cursor,
                                     std::size_t record_bytes, const rate_pacer& pacer,
                                     int64_t until_ns, const e2e_consumer& consumer,
                                     progress_meter& meter, const e2e_deliveries& deliveries) {
    std::vector<char> value(record_bytes);
    std::optional<load_error> refused;
    delivery_poller poller(clients.producer.get());
    for (uint64_t i = 0; !stop_requested() && !refused; ++i) {
        int64_t intended_ns = pacer.intended_ns(i);
        if (intended_ns >= until_ns) {
            break;
        }
        sleep_until_ns(intended_ns);
        std::memcpy(value.data(), cursor.next(), value.size());
        std::memcpy(value.data(), &e2e_record_tag, sizeof e2e_record_tag);
        std::memcpy(value.data() + sizeof e2e_record_tag, &intended_ns, sizeof intended_ns);
        // A copy: the value buffer is reused for the next record.
        while (rd_kafka_produce(clients.producer_topic.get(), RD_KAFKA_PARTITION_UA,
                                RD_KAFKA_MSG_F_COPY, value.data(), value.size(), nullptr, 0,
                                reinterpret_cast<void*>(intended_ns)) != 0) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                refused = load_error{std::string("librdkafka refused a record: ") +
                                     rd_kafka_err2str(rd_kafka_last_error())};
                break;
            }
            std::this_thread::sleep_for(queue_full_wait);
        }
        meter.update(consumer.records(), consumer.bytes(),
                     deliveries.errors.load(std::memory_order_relaxed) + consumer.errors());
    }
    poller.stop();
    drain_producer(clients.producer.get());
    return refused;
}

// Waits until the consumer has every measured record that was acknowledged, or has received
// nothing for receive_timeout_ms.
void wait_for_consumer(const e2e_consumer& consumer, uint64_t acknowledged) {
    uint64_t seen = consumer.records();
    int64_t last_progress_ns = monotonic_ns();
    while (consumer.records() < acknowledged && !stop_requested() &&
           monotonic_ns() - last_progress_ns < receive_timeout_ms * ns_per_ms) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (consumer.records() != seen) {
            seen = consumer.records();
            last_progress_ns = monotonic_ns();
        }
    }
}

}  // namespace

load_result<run_report> run_e2e(const e2e_arguments& arguments,
                                const std::string& bootstrap_servers) {
    // Made before the clock starts: filling the pool takes a while.
    payload_pool pool(payload_kind_for("auto", arguments.compression),
                      static_cast<std::size_t>(arguments.record_bytes), 1);
    payload_cursor cursor(pool, 0, 1);
    e2e_deliveries deliveries;
    auto clients = connect(arguments, bootstrap_servers, deliveries);
    if (!clients) {
        return failure{clients.error()};
    }
    int64_t start_ns = monotonic_ns();
    int64_t measure_from_ns =
        start_ns + static_cast<int64_t>(arguments.warmup_seconds * ns_per_second);
    int64_t until_ns = measure_from_ns + static_cast<int64_t>(arguments.seconds * ns_per_second);
    deliveries.measure_from_ns = measure_from_ns;

    e2e_consumer consumer(measure_from_ns);
    std::thread consumer_thread([&consumer, &clients] { consumer.run(*clients->reader); });
    progress_meter meter("e2e", start_ns);
    auto refused =
        send_paced(*clients, cursor, pool.record_bytes(), rate_pacer(start_ns, arguments.rate),
                   until_ns, consumer, meter, deliveries);
    // Shorter than --seconds only when stopped early.
    int64_t measured_ns =
        std::max<int64_t>(std::min(monotonic_ns(), until_ns) - measure_from_ns, 0);
    if (!refused) {
        wait_for_consumer(consumer, deliveries.acknowledged);
    }
    consumer.stop();
    consumer_thread.join();
    if (refused) {
        return failure{*refused};
    }
    if (!deliveries.first_failure.empty()) {
        std::fprintf(stderr, "e2e: first failed delivery: %s\n", deliveries.first_failure.c_str());
    }
    if (consumer.records() < deliveries.acknowledged) {
        std::fprintf(stderr, "e2e: %llu acknowledged records never reached the consumer\n",
                     static_cast<unsigned long long>(deliveries.acknowledged - consumer.records()));
    }

    run_report report;
    report.mode = "e2e";
    report.records = consumer.records();
    report.bytes = consumer.bytes();
    report.seconds = static_cast<double>(measured_ns) / ns_per_second;
    report.errors = deliveries.errors.load() + consumer.errors();
    report.latency = consumer.latency();
    report.produced = deliveries.acknowledged;
    report.produce_latency = deliveries.latency;
    report.config = config_of(arguments);
    report.config.emplace_back("partitions", int64_t{clients->partitions});
    return report;
}

}  // namespace samsa::load
