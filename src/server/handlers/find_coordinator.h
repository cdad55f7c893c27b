#pragma once

// FindCoordinator (key 10), versions 0-4 (batched keys from v4).
//
// Until the group coordinator exists (consumer groups), this answers the way a one-node
// Kafka would once __consumer_offsets is up: every group's coordinator is this node, at
// its endpoint on the listener the request came in on (COORDINATOR_NOT_AVAILABLE when
// this node has none there). Transactional ids get COORDINATOR_NOT_AVAILABLE (retriable)
// until the transaction coordinator exists; an unknown key type is INVALID_REQUEST.
//
// Served now, ahead of the group APIs, because librdkafka enables LZ4 only for brokers that
// list FindCoordinator (its feature map, rdkafka_feature.c): without it, a librdkafka
// producer configured for lz4 silently sends uncompressed batches.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_find_coordinator_handler();

}  // namespace samsa::server::handlers
