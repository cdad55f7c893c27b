#pragma once

// What `samsa produce` and `samsa consume` ask before they start: does the topic exist and
// how many partitions has it, and how a librdkafka error becomes the CLI's failure (and so
// its exit code: a broker's error code is refused (1); a timeout, a transport failure, all
// brokers down, an unresolvable name are unreachable (3)).

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>

#include "client/client_config.h"
#include "client/client_error.h"

namespace samsa::cli {

// `what` says what failed ("reading topic orders"); the message names the brokers tried
// when the failure is theirs.
client::client_error rdkafka_failure(rd_kafka_resp_err_t error, const std::string& what,
                                     const client::connection_settings& connection);

// The topic's partition count, from a metadata request for all topics (asking for one topic
// by name would let a broker with auto.create.topics.enable create it). An unknown topic is
// refused, no answer within the timeout unreachable.
client::client_result<int32_t> topic_partition_count(rd_kafka_t* client, const std::string& topic,
                                                     const client::connection_settings& connection);

}  // namespace samsa::cli
