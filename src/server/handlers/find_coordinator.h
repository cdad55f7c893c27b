#pragma once

// FindCoordinator (key 10), versions 0-4 (batched keys from v4).
//
// Key type 0 (a group) is coordinated by the leader of its __consumer_offsets partition,
// key type 1 (a transactional id) by the leader of its __transaction_state partition; the
// answer is that node's endpoint on the listener the request came in on
// (COORDINATOR_NOT_AVAILABLE when it has none there). The first request of each kind creates
// its topic and is answered COORDINATOR_NOT_AVAILABLE (clients retry), as Kafka does. An
// empty transactional id or an unknown key type is INVALID_REQUEST.
//
// Served now, ahead of the group APIs, because librdkafka enables LZ4 only for brokers that
// list FindCoordinator (its feature map, rdkafka_feature.c): without it, a librdkafka
// producer configured for lz4 silently sends uncompressed batches.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_find_coordinator_handler();

}  // namespace samsa::server::handlers
