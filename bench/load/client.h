#pragma once

// librdkafka handles owned by unique_ptr, and the settings every samsa-load client shares.
//
// Shared settings, and why:
//   client.id=samsa-load        so the broker's logs name the tool
//   socket.nagle.disable=true   the Java client always sets TCP_NODELAY; with Nagle a small
//                               request may wait for the previous segment's ACK (40 ms with
//                               delayed ACKs), which is not the broker's latency
//   allow.auto.create.topics=false
//                               a mistyped topic is an error, not a new topic with the
//                               broker's default settings (one partition) measured silently
//   message.timeout.ms=30000    (producers) a record not acknowledged in 30 s is a failed delivery
//                               (librdkafka's default is 300 s): with the broker gone, a run
//                               ends in errors after a bounded time instead of hanging

#include <librdkafka/rdkafka.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/rdkafka_handles.h"
#include "load_error.h"

namespace samsa::load {

constexpr int delivery_timeout_ms = 30'000;

// The project's librdkafka handles (src/client/rdkafka_handles.h).
using client::client_handle;
using client::configuration_handle;
using client::message_handle;
using client::metadata_handle;
using client::queue_handle;
using client::topic_handle;

// Settings for one client; the first setting librdkafka refuses is the error of create().
class client_config {
public:
    // The shared settings above, with bootstrap.servers.
    explicit client_config(const std::string& bootstrap_servers);

    client_config& set(const std::string& name, const std::string& value);
    client_config& on_delivery(void (*callback)(rd_kafka_t*, const rd_kafka_message_t*, void*));
    // Passed to every callback of the client.
    client_config& opaque(void* opaque);

    load_result<client_handle> create(rd_kafka_type_t type);

private:
    configuration_handle configuration_;
    std::optional<load_error> error_;
};

// Waits for the delivery report of every record the producer sent, serving them on the
// calling thread; what is still unanswered after the delivery timeout (and a margin) is
// purged, and so reported as failed.
void drain_producer(rd_kafka_t* producer);

// A topic handle for `client`, which must outlive it.
load_result<topic_handle> open_topic(rd_kafka_t* client, const std::string& topic);

}  // namespace samsa::load
