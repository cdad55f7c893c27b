#pragma once

// Serves a producer client's delivery reports on a thread of its own while another thread
// sends. A sending thread that served them itself between records would see an
// acknowledgement only when it next polled: up to a record's interval late when paced
// (rd_kafka_poll waits in whole milliseconds), and a batch late when flat out, and that
// delay would be added to every latency it measures.
//
// While the poller runs, the delivery callback runs on its thread only: the sender must not
// call rd_kafka_poll or rd_kafka_flush until stop() has returned, after which whatever the
// callback wrote is visible to the caller.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <thread>

namespace samsa::load {

class delivery_poller {
public:
    // `client` must outlive the poller.
    explicit delivery_poller(rd_kafka_t* client);
    ~delivery_poller() { stop(); }
    delivery_poller(const delivery_poller&) = delete;
    delivery_poller& operator=(const delivery_poller&) = delete;

    // Ends the thread and waits for it; idempotent.
    void stop();

private:
    rd_kafka_t* client_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace samsa::load
