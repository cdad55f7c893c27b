#pragma once

// Ending `samsa consume` within --timeout even when the brokers stopped answering: the
// group's final commit and the consumer's close (leaving the group) both wait on a queue
// with a deadline, where librdkafka's own rd_kafka_commit / rd_kafka_consumer_close would
// wait as long as the broker takes.

#include <librdkafka/rdkafka.h>

#include <optional>

#include "client/client_config.h"
#include "client/client_error.h"
#include "client/rdkafka_handles.h"

namespace samsa::cli {

// Commits the offsets stored so far; nothing stored is not a failure.
std::optional<client::client_error> commit_stored_offsets(
    rd_kafka_t* consumer, const client::connection_settings& connection);

// Closes the consumer (revoking its partitions, leaving its group) and destroys it. If the
// close does not finish within the timeout the client is not destroyed (that too would wait
// for the brokers): only call this when the process is about to exit.
void close_consumer(client::client_handle consumer, int timeout_ms);

}  // namespace samsa::cli
