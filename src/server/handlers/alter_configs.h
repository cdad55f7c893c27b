#pragma once

// AlterConfigs (key 33, versions 0-2) and IncrementalAlterConfigs (key 44, versions 0-1):
// change the dynamic configs of topics and brokers through the controller (shard_services'
// config_admin), or only check that they could be changed (validate_only).
//
// AlterConfigs replaces a resource's whole set of dynamic configs; IncrementalAlterConfigs
// applies SET, DELETE, APPEND and SUBTRACT to single keys. What the controller decides is
// cluster/config_changes.h; which keys and values the broker accepts is
// src/broker/broker_config_schema.h.
//
// Checked here first, as Kafka's ConfigAdminManager.preprocess does, each answered
// INVALID_REQUEST without asking the controller:
//   - a resource named twice: every mention, "Each resource must appear at most once.";
//   - a key named twice in one resource: "Error due to duplicate config keys";
//   - a null value (any operation but DELETE): "Null value not supported for : a, b";
//   - an operation other than 0-3: "Unknown operations type N";
//   - a resource type other than TOPIC and BROKER: "Unknown resource type N".
// BROKER_LOGGER (IncrementalAlterConfigs only): Samsa's log level is set at start
// (--log-level) and cannot change at runtime yet: INVALID_CONFIG.
// No config_admin (tests): UNKNOWN_SERVER_ERROR per resource.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_alter_configs_handler();
api_handler make_incremental_alter_configs_handler();

}  // namespace samsa::server::handlers
