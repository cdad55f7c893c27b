#pragma once

// The broker process: wires the layers together for `samsa serve`.
//
// Start-up, in order: meta.properties (node and cluster identity) in every log dir; the
// shards; per shard its file I/O and its shard_services; the listeners, bound before
// anything is advertised so that port 0 can be resolved; the metadata image with this
// node's registration, published to every shard; signal handling; accepting. Then every
// shard runs its loop until shutdown.
//
// Shutdown on SIGTERM or SIGINT: stop accepting, drain connections (requests already read
// are answered), close the logs, end the loops. A second signal exits at once.

#include <chrono>

#include "broker/broker_config.h"

namespace samsa::broker {

struct serve_options {
    broker_config config;
    uint32_t shard_count = 0;  // 0: one per core
    // When the process started, for the start-to-ready time in the log.
    std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
};

// Runs the broker until it is shut down; returns the process exit code.
int serve(serve_options options);

}  // namespace samsa::broker
