#include "cli/consumer_shutdown.h"

#include <chrono>

#include "cli/topic_lookup.h"

namespace samsa::cli {

std::optional<client::client_error> commit_stored_offsets(
    rd_kafka_t* consumer, const client::connection_settings& connection) {
    const std::string what = "committing the group's offsets";
    client::queue_handle results(rd_kafka_queue_new(consumer));
    rd_kafka_resp_err_t error =
        rd_kafka_commit_queue(consumer, nullptr, results.get(), nullptr, nullptr);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
        client::event_handle event(rd_kafka_queue_poll(results.get(), connection.timeout_ms));
        error = event ? rd_kafka_event_error(event.get()) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    }
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR__NO_OFFSET) {
        return std::nullopt;
    }
    return rdkafka_failure(error, what, connection);
}

void close_consumer(client::client_handle consumer, int timeout_ms) {
    rd_kafka_t* raw = consumer.get();
    {
        client::queue_handle events(rd_kafka_queue_new(raw));
        rd_kafka_error_t* error = rd_kafka_consumer_close_queue(raw, events.get());
        if (error != nullptr) {
            rd_kafka_error_destroy(error);
        } else {
            const auto deadline =
                std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
            while (!rd_kafka_consumer_closed(raw) && std::chrono::steady_clock::now() < deadline) {
                client::event_handle event(rd_kafka_queue_poll(events.get(), 100));
                // Closing revokes the group's partitions: the rebalance arrives here as an
                // event instead of through the rebalance callback.
                if (event && rd_kafka_event_type(event.get()) == RD_KAFKA_EVENT_REBALANCE) {
                    rd_kafka_assign(raw, nullptr);
                }
            }
        }
    }
    if (rd_kafka_consumer_closed(raw) == 0) {
        // The group's coordinator is not answering. librdkafka's destroy would still wait
        // for it up to session.timeout.ms (45 s by default), even with
        // RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE; the command is about to exit, so the
        // client is left to the process's exit instead.
        static_cast<void>(consumer.release());
    }
}

}  // namespace samsa::cli
