#include "delivery_poller.h"

namespace samsa::load {
namespace {

// rd_kafka_poll returns as soon as it has served a report; this only bounds how long stop()
// waits for the thread.
constexpr int poll_timeout_ms = 10;

}  // namespace

delivery_poller::delivery_poller(rd_kafka_t* client) : client_(client) {
    thread_ = std::thread([this] {
        while (!stopping_.load(std::memory_order_relaxed)) {
            rd_kafka_poll(client_, poll_timeout_ms);
        }
    });
}

void delivery_poller::stop() {
    stopping_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) {
        thread_.join();
    }
}

}  // namespace samsa::load
