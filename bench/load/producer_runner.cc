#include "producer_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
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

namespace samsa::load {
namespace {

// The send time travels in the opaque pointer of its message.
static_assert(sizeof(void*) >= sizeof(int64_t));

// How long to wait for the delivery poller to make room when the client's queue is full.
constexpr auto queue_full_wait = std::chrono::milliseconds(1);
constexpr auto progress_interval = std::chrono::milliseconds(100);
// librdkafka's upper bound on batch.num.messages.
constexpr int64_t max_batch_messages = 1'000'000;

// What one producer is to do.
struct producer_plan {
    uint64_t records = std::numeric_limits<uint64_t>::max();
    int64_t start_ns = 0;
    int64_t deadline_ns = std::numeric_limits<int64_t>::max();
    // Records per second for this producer; 0: flat out.
    double rate = 0;
};

// Written by the producer's thread, read by the main thread for the progress line.
struct producer_counters {
    std::atomic<uint64_t> records{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> errors{0};
};

// batch.num.messages high enough that batch.size (--batch-bytes) is the limit that binds,
// as it is in the Java client (librdkafka's default of 10,000 would cap small records).
int64_t batch_messages_for(const produce_arguments& arguments) {
    return std::clamp<int64_t>(arguments.batch_bytes / arguments.record_bytes + 1, 10'000,
                               max_batch_messages);
}

class producer {
public:
    producer(const payload_pool& pool, std::size_t index, std::size_t count)
        : cursor_(pool, index, count), record_bytes_(pool.record_bytes()) {}

    // Creates the client and asks for the topic's metadata, which opens its connections.
    // Returns the topic's partition count.
    load_result<int32_t> connect(const produce_arguments& arguments,
                                 const std::string& bootstrap_servers) {
        auto client = client_config(bootstrap_servers)
                          .set("acks", arguments.acks)
                          .set("compression.codec", arguments.compression)
                          .set("linger.ms", std::to_string(arguments.linger_ms))
                          .set("batch.size", std::to_string(arguments.batch_bytes))
                          .set("batch.num.messages", std::to_string(batch_messages_for(arguments)))
                          .on_delivery(on_delivery)
                          .opaque(this)
                          .create(RD_KAFKA_PRODUCER);
        if (!client) {
            return failure{client.error()};
        }
        client_ = std::move(client).value();
        auto topic = open_topic(client_.get(), arguments.topic);
        if (!topic) {
            return failure{topic.error()};
        }
        topic_ = std::move(topic).value();
        return topic_partition_count(client_.get(), topic_.get(), bootstrap_servers);
    }

    // Sends what the plan says while a delivery_poller serves the reports, then waits for
    // the rest (bounded by the delivery timeout). An error when librdkafka refused a record
    // outright.
    std::optional<load_error> run(const producer_plan& plan) {
        std::optional<rate_pacer> pacer;
        if (plan.rate > 0) {
            pacer.emplace(plan.start_ns, plan.rate);
        }
        delivery_poller poller(client_.get());
        for (uint64_t i = 0; i < plan.records && !stop_requested() && !refused_; ++i) {
            int64_t send_ns = pacer ? pacer->intended_ns(i) : monotonic_ns();
            if (send_ns >= plan.deadline_ns) {
                break;
            }
            if (pacer) {
                sleep_until_ns(send_ns);
            }
            send(send_ns);
        }
        poller.stop();
        drain_producer(client_.get());
        return refused_;
    }

    const producer_counters& counters() const { return counters_; }
    const latency_histogram& latency() const { return latency_; }
    int64_t last_delivery_ns() const { return last_delivery_ns_; }
    const std::string& first_failure() const { return first_failure_; }

private:
    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
        auto* self = static_cast<producer*>(opaque);
        int64_t now_ns = monotonic_ns();
        self->last_delivery_ns_ = now_ns;
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (self->first_failure_.empty()) {
                self->first_failure_ = rd_kafka_err2str(message->err);
            }
            self->counters_.errors.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        auto send_ns = static_cast<int64_t>(reinterpret_cast<intptr_t>(message->_private));
        self->latency_.record_ns(now_ns - send_ns);
        self->counters_.records.fetch_add(1, std::memory_order_relaxed);
        self->counters_.bytes.fetch_add(message->len, std::memory_order_relaxed);
    }

    void send(int64_t send_ns) {
        // The pool outlives the client, so librdkafka may point into it (flags 0: no copy).
        char* value = const_cast<char*>(cursor_.next());
        while (rd_kafka_produce(topic_.get(), RD_KAFKA_PARTITION_UA, 0, value, record_bytes_,
                                nullptr, 0, reinterpret_cast<void*>(send_ns)) != 0) {
            rd_kafka_resp_err_t error = rd_kafka_last_error();
            if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                refused_ = load_error{std::string("librdkafka refused a record: ") +
                                      rd_kafka_err2str(error)};
                return;
            }
            if (stop_requested()) {
                return;
            }
            // The queue is bounded (queue.buffering.max.*): wait for acknowledgements to
            // make room, as a real application blocks.
            std::this_thread::sleep_for(queue_full_wait);
        }
    }

    // Destroyed in reverse: the topic handle before its client.
    client_handle client_;
    topic_handle topic_;
    payload_cursor cursor_;
    std::size_t record_bytes_;
    latency_histogram latency_;
    producer_counters counters_;
    int64_t last_delivery_ns_ = 0;
    std::string first_failure_;
    std::optional<load_error> refused_;
};

// Producer `index` of `count`'s share of the records and the rate.
producer_plan plan_for(const produce_arguments& arguments, std::size_t index, std::size_t count,
                       int64_t start_ns) {
    producer_plan plan;
    plan.start_ns = start_ns;
    if (arguments.records) {
        plan.records = *arguments.records / count + (index < *arguments.records % count ? 1 : 0);
    }
    if (arguments.seconds) {
        plan.deadline_ns = start_ns + static_cast<int64_t>(*arguments.seconds * ns_per_second);
    }
    plan.rate = arguments.rate / static_cast<double>(count);
    return plan;
}

// Runs every producer on a thread of its own and prints progress until they are done.
// Returns the first refusal of any producer.
std::optional<load_error> run_all(const produce_arguments& arguments,
                                  std::vector<std::unique_ptr<producer>>& producers,
                                  int64_t start_ns) {
    std::vector<std::optional<load_error>> outcomes(producers.size());
    std::atomic<std::size_t> running{producers.size()};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < producers.size(); ++i) {
        threads.emplace_back([&, i] {
            outcomes[i] = producers[i]->run(plan_for(arguments, i, producers.size(), start_ns));
            running.fetch_sub(1);
        });
    }
    progress_meter meter("produce", start_ns);
    while (running.load() > 0) {
        std::this_thread::sleep_for(progress_interval);
        uint64_t records = 0;
        uint64_t bytes = 0;
        uint64_t errors = 0;
        for (const auto& each : producers) {
            records += each->counters().records.load(std::memory_order_relaxed);
            bytes += each->counters().bytes.load(std::memory_order_relaxed);
            errors += each->counters().errors.load(std::memory_order_relaxed);
        }
        meter.update(records, bytes, errors);
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (auto& outcome : outcomes) {
        if (outcome) {
            return outcome;
        }
    }
    return std::nullopt;
}

}  // namespace

load_result<run_report> run_produce(const produce_arguments& arguments,
                                    const std::string& bootstrap_servers) {
    auto count = static_cast<std::size_t>(arguments.producers);
    // Made before the producers, so that it outlives every record pointing into it.
    payload_pool pool(payload_kind_for(arguments.payload, arguments.compression),
                      static_cast<std::size_t>(arguments.record_bytes), 1);
    std::vector<std::unique_ptr<producer>> producers;
    int32_t partitions = 0;
    for (std::size_t i = 0; i < count; ++i) {
        producers.push_back(std::make_unique<producer>(pool, i, count));
        auto connected = producers.back()->connect(arguments, bootstrap_servers);
        if (!connected) {
            return failure{connected.error()};
        }
        partitions = *connected;
    }

    int64_t start_ns = monotonic_ns();
    if (auto refused = run_all(arguments, producers, start_ns)) {
        return failure{*refused};
    }

    run_report report;
    report.mode = "produce";
    report.latency.emplace();
    int64_t end_ns = start_ns;
    for (const auto& each : producers) {
        report.records += each->counters().records.load();
        report.bytes += each->counters().bytes.load();
        report.errors += each->counters().errors.load();
        report.latency->merge(each->latency());
        end_ns = std::max(end_ns, each->last_delivery_ns());
        if (!each->first_failure().empty()) {
            std::fprintf(stderr, "produce: a producer's first failed delivery: %s\n",
                         each->first_failure().c_str());
        }
    }
    report.seconds = static_cast<double>(end_ns - start_ns) / ns_per_second;
    report.config = config_of(arguments);
    report.config.emplace_back("partitions", int64_t{partitions});
    report.config.emplace_back("batch_num_messages", batch_messages_for(arguments));
    report.config.emplace_back("delivery_timeout_ms", int64_t{delivery_timeout_ms});
    return report;
}

}  // namespace samsa::load
