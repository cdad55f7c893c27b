#pragma once

// CreateTopics (key 19), versions 0-7: asks the controller (through shard_services'
// topic_admin) to create each topic, or only to validate the request (v1+ validate_only).
//
// Checked here, before the controller sees the request (its own checks, with Kafka's codes
// and messages, are in cluster/controller.h):
//   - a name given more than once is answered once, INVALID_REQUEST "Duplicate topic
//     name." (Kafka's ControllerApis; the response is keyed by name);
//   - "__cluster_metadata", KRaft's metadata log, is refused as ControllerApis refuses it:
//     TOPIC_AUTHORIZATION_FAILED. Other internal topics (__consumer_offsets) may be
//     created explicitly, as in Kafka; only auto creation skips them;
//   - manual replica assignments are not supported yet: INVALID_REPLICA_ASSIGNMENT;
//   - no topic_admin (tests): UNKNOWN_SERVER_ERROR.
// num_partitions and replication_factor of -1 take the broker's defaults at every
// version, as Kafka's controller does (only Kafka's client refuses -1 before v4).
//
// The response carries error_message (v1+), and from v5 the partitions and replication
// factor actually used (-1 on error) and the configs, from v7 the topic id.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_create_topics_handler();

}  // namespace samsa::server::handlers
