#pragma once

// DescribeConfigs (key 32), versions 0-4: the configs of topics, of this broker (by its id,
// or "" for the cluster-wide dynamic defaults) and of its loggers, each with its value,
// source, synonyms (v1+, when asked) and type (v3+), as Kafka's ConfigHelper answers them.
// The work is the broker's (shard_services' config_admin, src/broker/config_description.h);
// this handler checks the resource types and answers in request order.
//
//   - a resource type other than TOPIC (2), BROKER (4) and BROKER_LOGGER (8) is answered
//     INVALID_REQUEST "Unsupported resource type: N" (Samsa has no group or client-metrics
//     configs yet);
//   - v0 has no config source: its is_default is the source being DEFAULT_CONFIG, as
//     Kafka's down-conversion sets it;
//   - no config_admin (tests): UNKNOWN_SERVER_ERROR per resource.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_describe_configs_handler();

}  // namespace samsa::server::handlers
