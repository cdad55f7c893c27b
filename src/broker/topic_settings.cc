#include "broker/topic_settings.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "base/assert.h"
#include "base/log.h"
#include "broker/config_value.h"

namespace samsa::broker {
namespace {

constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

// Where Kafka's LogConfig checks a topic config more strictly than the broker key that is
// its default: log.roll.ms takes any LONG, segment.ms must be at least 1.
struct stricter_range {
    std::string_view topic_config;
    integer_range range;
};
constexpr stricter_range stricter_ranges[] = {
    {"segment.ms", {1, int64_max}},
    {"segment.jitter.ms", {0, int64_max}},
    {"retention.ms", {-1, int64_max}},
    {"flush.ms", {0, int64_max}},
};

int64_t integer(const config_value& value) {
    if (const auto* v16 = std::get_if<int16_t>(&value)) {
        return *v16;
    }
    if (const auto* v32 = std::get_if<int32_t>(&value)) {
        return *v32;
    }
    return std::get<int64_t>(value);
}

int32_t integer32(const config_value& value) {
    return std::get<int32_t>(value);
}

double real(const config_value& value) {
    return std::get<double>(value);
}

const std::string& text(const config_value& value) {
    return std::get<std::string>(value);
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

storage::topic_compression_type to_topic_compression(broker_compression_type type) {
    switch (type) {
        case broker_compression_type::uncompressed:
            return storage::topic_compression_type::uncompressed;
        case broker_compression_type::zstd:
            return storage::topic_compression_type::zstd;
        case broker_compression_type::lz4:
            return storage::topic_compression_type::lz4;
        case broker_compression_type::snappy:
            return storage::topic_compression_type::snappy;
        case broker_compression_type::gzip:
            return storage::topic_compression_type::gzip;
        case broker_compression_type::producer:
            return storage::topic_compression_type::producer;
    }
    return storage::topic_compression_type::producer;
}

// compression.type's text, already checked against its choices.
storage::topic_compression_type parse_topic_compression(std::string_view name) {
    using enum storage::topic_compression_type;
    for (auto [known, type] : {std::pair{"uncompressed", uncompressed},
                               {"zstd", zstd},
                               {"lz4", lz4},
                               {"snappy", snappy},
                               {"gzip", gzip}}) {
        if (name == known) {
            return type;
        }
    }
    return producer;
}

void set_timestamp_type(storage::topic_settings& settings, message_timestamp_type type) {
    bool append_time = type == message_timestamp_type::log_append_time;
    settings.log.log_append_time = append_time;
    settings.produce.timestamp_type = append_time ? protocol::timestamp_type::log_append_time
                                                  : protocol::timestamp_type::create_time;
}

// The settings while overrides are applied; cleanup.policy is applied last, since it
// decides whether the retention limits count at all.
struct resolving {
    storage::topic_settings settings;
    cleanup_policy cleanup;
};

using apply_value = void (*)(resolving&, const config_value&);

struct topic_field {
    std::string_view name;
    apply_value apply;  // nullptr: validated, nothing in Samsa acts on it yet
};

// What each topic config sets. Units are Kafka's, so values are copied as they are.
const topic_field topic_fields[] = {
    {"segment.bytes",
     [](resolving& r, const config_value& v) {
         r.settings.log.segment_bytes = integer32(v);
         r.settings.produce.segment_bytes = integer32(v);
     }},
    {"segment.ms",
     [](resolving& r, const config_value& v) { r.settings.log.segment_ms = integer(v); }},
    {"segment.jitter.ms",
     [](resolving& r, const config_value& v) { r.settings.log.segment_jitter_ms = integer(v); }},
    {"segment.index.bytes",
     [](resolving& r, const config_value& v) {
         r.settings.log.segment_index_bytes = integer32(v);
     }},
    {"index.interval.bytes",
     [](resolving& r, const config_value& v) {
         r.settings.log.index_interval_bytes = integer32(v);
     }},
    {"retention.ms",
     [](resolving& r, const config_value& v) { r.settings.log.retention_ms = integer(v); }},
    {"retention.bytes",
     [](resolving& r, const config_value& v) { r.settings.log.retention_bytes = integer(v); }},
    {"flush.messages",
     [](resolving& r, const config_value& v) { r.settings.log.flush_messages = integer(v); }},
    {"flush.ms", [](resolving& r, const config_value& v) { r.settings.log.flush_ms = integer(v); }},
    {"file.delete.delay.ms",
     [](resolving& r, const config_value& v) { r.settings.log.file_delete_delay_ms = integer(v); }},
    {"max.message.bytes",
     [](resolving& r, const config_value& v) {
         r.settings.produce.max_message_bytes = integer32(v);
     }},
    {"compression.type",
     [](resolving& r, const config_value& v) {
         r.settings.produce.compression_type = parse_topic_compression(text(v));
     }},
    {"message.timestamp.type",
     [](resolving& r, const config_value& v) {
         set_timestamp_type(r.settings, text(v) == "LogAppendTime"
                                            ? message_timestamp_type::log_append_time
                                            : message_timestamp_type::create_time);
     }},
    {"message.timestamp.before.max.ms",
     [](resolving& r, const config_value& v) {
         r.settings.produce.timestamp_before_max_ms = integer(v);
     }},
    {"message.timestamp.after.max.ms",
     [](resolving& r, const config_value& v) {
         r.settings.produce.timestamp_after_max_ms = integer(v);
     }},
    {"cleanup.policy",
     [](resolving& r, const config_value& v) {
         const auto& policies = std::get<std::vector<std::string>>(v);
         r.cleanup = {.deletes = contains(policies, "delete"),
                      .compacts = contains(policies, "compact")};
     }},
    {"min.insync.replicas",
     [](resolving& r, const config_value& v) { r.settings.min_insync_replicas = integer32(v); }},
    {"unclean.leader.election.enable", nullptr},
    {"preallocate", nullptr},
    {"min.cleanable.dirty.ratio",
     [](resolving& r, const config_value& v) {
         r.settings.log.min_cleanable_dirty_ratio = real(v);
     }},
    {"delete.retention.ms",
     [](resolving& r, const config_value& v) { r.settings.log.delete_retention_ms = integer(v); }},
    {"min.compaction.lag.ms",
     [](resolving& r, const config_value& v) {
         r.settings.log.min_compaction_lag_ms = integer(v);
     }},
    {"max.compaction.lag.ms",
     [](resolving& r, const config_value& v) {
         r.settings.log.max_compaction_lag_ms = integer(v);
     }},
};

const topic_field* find_field(std::string_view name) {
    for (const auto& field : topic_fields) {
        if (field.name == name) {
            return &field;
        }
    }
    return nullptr;
}

config_definition topic_definition(const config_definition& broker_key) {
    config_definition topic = broker_key;
    topic.name = broker_key.topic_synonym;
    topic.default_value = std::nullopt;
    topic.kafka_default = {};
    topic.topic_synonym = {};
    for (const auto& stricter : stricter_ranges) {
        if (stricter.topic_config == topic.name) {
            topic.validator = stricter.range;
        }
    }
    return topic;
}

// One definition per topic config. Several broker keys may default one topic config
// (log.roll.ms and log.roll.hours): the dynamic one (not read-only) has the topic config's
// type, so it is taken first.
std::vector<config_definition> make_topic_definitions() {
    std::vector<config_definition> topics;
    auto known = [&](std::string_view name) {
        return std::any_of(topics.begin(), topics.end(),
                           [&](const config_definition& each) { return each.name == name; });
    };
    for (bool dynamic_keys : {true, false}) {
        for (const config_definition& broker_key : config_definitions()) {
            bool dynamic = broker_key.mode != update_mode::read_only;
            if (!broker_key.topic_synonym.empty() && dynamic == dynamic_keys &&
                !known(broker_key.topic_synonym)) {
                topics.push_back(topic_definition(broker_key));
                // Every topic config is either applied or deliberately not acted on yet.
                SAMSA_ASSERT(find_field(broker_key.topic_synonym) != nullptr,
                             "topic config %.*s has no entry in topic_fields",
                             static_cast<int>(broker_key.topic_synonym.size()),
                             broker_key.topic_synonym.data());
            }
        }
    }
    return topics;
}

const std::vector<config_definition>& topic_definitions() {
    static const std::vector<config_definition> definitions = make_topic_definitions();
    return definitions;
}

storage::topic_settings from_defaults(const topic_config_defaults& defaults, bool internal_topic) {
    storage::topic_settings settings;
    settings.log = {.segment_bytes = defaults.segment_bytes,
                    .segment_ms = defaults.segment_ms,
                    .segment_jitter_ms = defaults.segment_jitter_ms,
                    .segment_index_bytes = defaults.segment_index_bytes,
                    .index_interval_bytes = defaults.index_interval_bytes,
                    .retention_ms = defaults.retention_ms,
                    .retention_bytes = defaults.retention_bytes,
                    .flush_messages = defaults.flush_messages,
                    .flush_ms = defaults.flush_ms,
                    .file_delete_delay_ms = defaults.file_delete_delay_ms,
                    .min_cleanable_dirty_ratio = defaults.min_cleanable_dirty_ratio,
                    .min_compaction_lag_ms = defaults.min_compaction_lag_ms,
                    .max_compaction_lag_ms = defaults.max_compaction_lag_ms,
                    .delete_retention_ms = defaults.delete_retention_ms};
    settings.produce.max_message_bytes = defaults.max_message_bytes;
    settings.produce.segment_bytes = defaults.segment_bytes;
    settings.produce.compression_type = to_topic_compression(defaults.compression_type);
    settings.produce.timestamp_before_max_ms = defaults.message_timestamp_before_max_ms;
    settings.produce.timestamp_after_max_ms = defaults.message_timestamp_after_max_ms;
    settings.produce.visibility =
        internal_topic ? storage::topic_visibility::internal : storage::topic_visibility::regular;
    set_timestamp_type(settings, defaults.timestamp_type);
    settings.min_insync_replicas = defaults.min_insync_replicas;
    return settings;
}

// Kafka's ConfigDef messages for a value the validator refuses.
std::string validator_reason(const config_definition& definition, std::string_view value_text,
                             std::string& shown_value) {
    config_definition unchecked = definition;
    unchecked.validator = any_value{};
    auto parsed = parse_config_value(unchecked, value_text);
    if (!parsed) {
        return parsed.error().message;
    }
    const config_value& value = parsed.value();
    if (const auto* range = std::get_if<integer_range>(&definition.validator)) {
        return integer(value) < range->min
                   ? fmt::format("Value must be at least {}", range->min)
                   : fmt::format("Value must be no more than {}", range->max);
    }
    if (const auto* range = std::get_if<double_range>(&definition.validator)) {
        return std::get<double>(value) < range->min
                   ? fmt::format("Value must be at least {}", range->min)
                   : fmt::format("Value must be no more than {}", range->max);
    }
    if (const auto* choice = std::get_if<string_choice>(&definition.validator)) {
        return fmt::format("String must be one of: {}", fmt::join(choice->choices, ", "));
    }
    if (const auto* choice = std::get_if<list_choice>(&definition.validator)) {
        // Kafka checks item by item and names the first item refused.
        for (const auto& item : std::get<std::vector<std::string>>(value)) {
            if (std::find(choice->choices.begin(), choice->choices.end(), item) ==
                choice->choices.end()) {
                shown_value = item;
                break;
            }
        }
        return fmt::format("String must be one of: {}", fmt::join(choice->choices, ", "));
    }
    return "Invalid value";
}

// Kafka's ConfigException: "Invalid value <value> for configuration <name>: <reason>".
std::optional<std::string> value_problem(const config_definition& definition,
                                         std::string_view value_text) {
    auto parsed = parse_config_value(definition, value_text);
    if (parsed) {
        return std::nullopt;
    }
    std::string shown_value(value_text);
    std::string reason;
    if (parsed.error().kind == value_error_kind::invalid) {
        reason = validator_reason(definition, value_text, shown_value);
    } else if (definition.type == config_type::boolean) {
        reason = "Expected value to be either true or false";
    } else {
        // Java's parseInt/parseLong throw the same NumberFormatException for text that is
        // not a number and for a number out of the type's range.
        reason = fmt::format("Not a number of type {}", to_string(definition.type));
    }
    return fmt::format("Invalid value {} for configuration {}: {}", shown_value, definition.name,
                       reason);
}

}  // namespace

std::span<const config_definition> topic_config_definitions() {
    return topic_definitions();
}

std::optional<std::string> check_config_value(const config_definition& definition,
                                              std::string_view value) {
    return value_problem(definition, value);
}

cluster::config_map topic_overrides(const cluster::config_map& dynamic_defaults,
                                    const cluster::config_map* topic_configs) {
    cluster::config_map overrides = dynamic_defaults;
    if (topic_configs != nullptr) {
        for (const auto& [key, value] : *topic_configs) {
            overrides.insert_or_assign(key, value);
        }
    }
    return overrides;
}

const config_definition* find_topic_config_definition(std::string_view key) {
    for (const auto& definition : topic_definitions()) {
        if (definition.name == key) {
            return &definition;
        }
    }
    return nullptr;
}

std::optional<std::string> check_topic_config(std::string_view key,
                                              const std::optional<std::string>& value) {
    const config_definition* definition = find_topic_config_definition(key);
    if (definition == nullptr) {
        return fmt::format("Unknown topic config name: {}", key);
    }
    if (!value) {
        return std::nullopt;
    }
    return value_problem(*definition, *value);
}

storage::topic_settings resolve_topic_settings(const topic_config_defaults& defaults,
                                               const cluster::config_map* overrides,
                                               bool internal_topic) {
    resolving resolved{.settings = from_defaults(defaults, internal_topic),
                       .cleanup = defaults.cleanup};
    if (overrides != nullptr) {
        for (const auto& [key, value_text] : *overrides) {
            const config_definition* definition = find_topic_config_definition(key);
            const topic_field* field = find_field(key);
            if (definition == nullptr || field == nullptr) {
                log::warn("ignoring topic config {}={}: Samsa does not know it", key,
                          log::printable(value_text));
                continue;
            }
            auto parsed = parse_config_value(*definition, value_text);
            if (!parsed) {
                log::warn("ignoring topic config {}={}: {}", key, log::printable(value_text),
                          parsed.error().message);
                continue;
            }
            if (field->apply != nullptr) {
                field->apply(resolved, parsed.value());
            }
        }
    }
    storage::topic_settings& settings = resolved.settings;
    settings.log.deletes = resolved.cleanup.deletes;
    settings.log.compacts = resolved.cleanup.compacts;
    if (!resolved.cleanup.deletes) {
        settings.log.retention_ms = -1;
        settings.log.retention_bytes = -1;
    }
    settings.produce.compaction = resolved.cleanup.compacts ? storage::log_compaction::enabled
                                                            : storage::log_compaction::disabled;
    return settings;
}

}  // namespace samsa::broker
