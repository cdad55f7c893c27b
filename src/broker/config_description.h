#pragma once

// DescribeConfigs' answer for one resource, as Kafka's ConfigHelper gives it: every config
// with its effective value, where that value comes from (its source), the synonyms behind
// it in precedence order, read-only and sensitive flags and its type. Pure: the static
// settings, the metadata image and this node's id in, a response result out.
//
// Sources (DescribeConfigsResponse.ConfigSource), in precedence order:
//   TOPIC_CONFIG (1)                   set on the topic (CreateTopics, AlterConfigs)
//   DYNAMIC_BROKER_CONFIG (2)          set at runtime on this broker ("1")
//   DYNAMIC_DEFAULT_BROKER_CONFIG (3)  set at runtime as the cluster default ("")
//   STATIC_BROKER_CONFIG (4)           server.properties or --set
//   DEFAULT_CONFIG (5)                 the key's default
//
// Topics: every topic config Samsa knows (topic_settings.h), in name order. Synonyms: the
// topic's own value, then every broker key the config defaults to, grouped by source and
// in the keys' precedence order within a source (retention.ms: log.retention.ms,
// log.retention.minutes, log.retention.hours). The value and source are the first
// synonym's, converted to the topic config's unit (log.retention.hours 168 is retention.ms
// 604800000). Kafka drops the synonyms that come before the first one named after the
// topic config's primary broker key, so it reports retention.ms as DEFAULT_CONFIG with no
// synonyms even when server.properties sets log.retention.hours; Samsa keeps them, so the
// source says where the value really comes from.
//
// Brokers: by this node's id, every key of config_definitions.h with its effective value,
// in name order; by "" (the cluster-wide defaults), only the keys set there, as Kafka does.
// A key's synonyms are the keys of its group (log.retention.ms/.minutes/.hours, ...) from
// its own name on, as Kafka's configSynonyms does. read_only is true for the keys Samsa does
// not apply at runtime (dynamic_broker_configs.h), PASSWORD values are null.
//
// Broker loggers: by this node's id, Samsa's one logger, "root", at its level.
//
// Errors, per resource: an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; a broker id that is
// not this node's or not a number is INVALID_REQUEST with Kafka's message. Documentation
// is never included (null), which Kafka's clients accept.

#include <span>
#include <string_view>

#include "base/ids.h"
#include "broker/broker_config.h"
#include "cluster/metadata_image.h"
#include "protocol/generated/describe_configs_request.h"
#include "protocol/generated/describe_configs_response.h"

namespace samsa::broker {

enum class config_source_id : int8_t {
    topic_config = 1,
    dynamic_broker_config = 2,
    dynamic_default_broker_config = 3,
    static_broker_config = 4,
    default_config = 5,
    dynamic_broker_logger_config = 6,
};

struct describe_context {
    std::span<const config_entry> statics;  // broker_config::entries
    node_id self;
    std::string_view root_log_level;  // Kafka's level name: "INFO", "DEBUG", ...
};

protocol::describe_configs_response::describe_configs_result describe_config_resource(
    const describe_context& context, const cluster::metadata_image& image,
    const protocol::describe_configs_request::describe_configs_resource& resource,
    bool include_synonyms);

}  // namespace samsa::broker
