#pragma once

// Everything a partition needs to know about its topic's configuration: the log's settings
// (segments, retention, flushing) and the Produce checks', in Kafka's units. The broker
// resolves them from its defaults and the topic's dynamic configs
// (broker/topic_settings.h); the storage layer only consumes them.

#include <cstdint>

#include "storage/log_config.h"
#include "storage/produce_validator.h"

namespace samsa::storage {

struct topic_settings {
    log_config log;
    produce_validation_config produce;
    // min.insync.replicas: how many in-sync replicas an acks=all produce needs.
    int32_t min_insync_replicas = 1;
};

}  // namespace samsa::storage
