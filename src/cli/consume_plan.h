#pragma once

// Where `samsa consume` reads each partition from and to: the start offset (from -o,
// --timestamp or the group's committed offset) and the stop offset (the high watermark when
// the command started: without --follow a partition is done once it is read up to there,
// like kcat -e). Asks the brokers for watermarks, offsets_for_times and committed offsets.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/start_position.h"
#include "client/client_config.h"
#include "client/client_error.h"

namespace samsa::cli {

struct partition_plan {
    int64_t start_offset = 0;
    int64_t stop_offset = 0;  // the high watermark as of the start
};

// Plans `partitions` of `topic`. With `use_committed` (a group's consumer), a partition's
// committed offset wins and `position` applies only to partitions without one.
client::client_result<std::map<int32_t, partition_plan>> plan_partitions(
    rd_kafka_t* consumer, const std::string& topic, const std::vector<int32_t>& partitions,
    const start_position& position, bool use_committed,
    const client::connection_settings& connection);

}  // namespace samsa::cli
