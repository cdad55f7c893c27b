#pragma once

// A topic's effective settings: the topic-level configs set on it (CreateTopics configs and
// later changes, ConfigRecords in the metadata image) layered over the broker's defaults
// (log.*, message.max.bytes, compression.type, ...), as Kafka's LogConfig does.
//
//     auto settings = resolve_topic_settings(config.topic_defaults,
//                                            image->find_topic_configs(topic.name),
//                                            topic.internal);
//     partition.set_settings(settings);
//
// The topic configs Samsa knows are the topic synonyms of the broker keys
// (config_definitions.h: retention.ms is the topic config of log.retention.ms). A value is
// parsed with the type and validator of its broker key, made as strict as Kafka's LogConfig
// where that is stricter (segment.ms, segment.jitter.ms, retention.ms, flush.ms). Other
// topic configs Kafka has (compression.gzip.level, remote storage, throttled replicas)
// are refused by name until Samsa acts on them.
//
// How values combine:
//   - cleanup.policy without "delete" turns off deletion by retention.ms and retention.bytes
//     (segments below the log start offset still go) and DeleteRecords (POLICY_VIOLATION),
//     as Kafka's UnifiedLog does; "compact" makes Produce require keys and has the log
//     cleaner compact the log by min.cleanable.dirty.ratio, min/max.compaction.lag.ms and
//     delete.retention.ms (docs/compaction.md);
//   - message.timestamp.type=LogAppendTime stamps batches with the broker's clock;
//   - segment.bytes bounds both the segments and, for Produce, the largest batch;
//   - internal topics (__consumer_offsets, ...) accept Produce only from Kafka's admin
//     client id.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "broker/broker_config.h"
#include "broker/config_definitions.h"
#include "cluster/metadata_image.h"
#include "storage/topic_settings.h"

namespace samsa::broker {

// The defaults with `overrides` applied (nullptr: the topic has none). An override with an
// unknown name or a value that does not parse is left out with a warning: the controller
// refused such values on the way in (check_topic_config), so one here means a metadata
// log written by something else.
storage::topic_settings resolve_topic_settings(const topic_config_defaults& defaults,
                                               const cluster::config_map* overrides,
                                               bool internal_topic);

// Why a topic config a request sets cannot be accepted, in Kafka's words (the message of
// an INVALID_CONFIG error): "Unknown topic config name: foo", "Invalid value abc for
// configuration retention.ms: Not a number of type LONG"; nullopt when it is fine. A null
// value is fine (Kafka treats it as not set).
std::optional<std::string> check_topic_config(std::string_view key,
                                              const std::optional<std::string>& value);

// The definition a topic config's value is parsed with: named after the topic config,
// with Kafka's type and validator for it; nullptr for a name Samsa does not know. Its
// default is null: the broker's setting is the default.
const config_definition* find_topic_config_definition(std::string_view key);

// Every topic config Samsa knows, one definition each (as find_topic_config_definition).
std::span<const config_definition> topic_config_definitions();

// Why `value` is refused for `definition`, in Kafka's words ("Invalid value abc for
// configuration retention.ms: Not a number of type LONG"); nullopt when it is fine.
std::optional<std::string> check_config_value(const config_definition& definition,
                                              std::string_view value);

// A topic's overrides as a metadata image gives them: its own configs (nullptr: none) over
// the dynamic broker defaults that apply to every topic (dynamic_topic_defaults() of
// dynamic_broker_configs.h), to be resolved with resolve_topic_settings.
cluster::config_map topic_overrides(const cluster::config_map& dynamic_defaults,
                                    const cluster::config_map* topic_configs);

}  // namespace samsa::broker
