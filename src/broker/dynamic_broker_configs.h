#pragma once

// Broker configs changed at runtime (Kafka's KIP-226 dynamic broker configs): which keys
// Samsa accepts, how a change is checked, and how the accepted ones reach every topic.
//
// Samsa applies at runtime exactly the broker keys that are the default of a topic config
// (log.retention.ms, log.segment.bytes, message.max.bytes, log.cleanup.policy, ...: the
// keys Kafka's DynamicLogConfig reconfigures). They are kept as ConfigRecords of the broker
// resource: "" for the cluster-wide default, "<node id>" for one broker. Every metadata
// publication re-resolves each topic's settings from
//
//     topic config  >  dynamic per-broker  >  dynamic cluster default  >  static  >  default
//
// so a topic that does not override the key follows the change at once.
//
// Refused (INVALID_CONFIG), with Kafka's message where Kafka refuses too:
//   - read-only keys: "Cannot update these configs dynamically: Set(log.dirs)";
//   - per-broker keys at the cluster default: "Cannot update these configs at default
//     cluster level, broker id must be specified: Set(listeners)";
//   - keys Kafka updates at runtime but Samsa cannot yet (thread pools, listeners,
//     connection limits, cleaner threads): Samsa's own message, naming them;
//   - unknown keys (Kafka stores them; Samsa has no plugins to read them);
//   - values that do not parse or that the key's validator refuses, as strict as the topic
//     config the key is the default of (log.roll.ms at least 1, as segment.ms), and
//     log.retention.ms 0.
// Kafka answers these with INVALID_REQUEST (KAFKA-13609 calls that a mistake it keeps for
// compatibility); Samsa answers INVALID_CONFIG, the error the check is about.

#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "broker/config_definitions.h"
#include "cluster/config_changes.h"
#include "cluster/metadata_image.h"

namespace samsa::broker {

// Whether Samsa applies a new value of the key at runtime.
bool is_dynamic_in_samsa(const config_definition& definition);

// Why the broker resource `resource_name` ("" or this node's id) may not change from
// `current` to `proposed` dynamic configs, or nullopt. Only keys whose value changes are
// checked; removing a key is always allowed.
std::optional<cluster::config_outcome> check_dynamic_broker_configs(
    std::string_view resource_name, node_id self, const cluster::config_map& current,
    const cluster::config_map& proposed);

// The dynamic broker configs of `image` that apply to this node's topics, named after the
// topic configs they are the default of, with values in the topic config's terms
// (log.retention.ms -5 is retention.ms -1): the cluster default under this node's own.
cluster::config_map dynamic_topic_defaults(const cluster::metadata_image& image, node_id self);

}  // namespace samsa::broker
