#pragma once

// Dynamic config changes as the controller decides them (Kafka's ConfigurationControlManager):
// what AlterConfigs and IncrementalAlterConfigs ask of a topic or broker, checked against
// the current image, and the ConfigRecords that make the accepted changes true. Pure: no
// I/O; the controller commits the records.
//
// Per resource, all or nothing: one refused key refuses the whole resource and no record
// is written for it. Resources are independent: one refused resource does not stop the
// others (Kafka's ControllerResult.atomicOf writes every accepted resource's records in
// one batch).
//
//   IncrementalAlterConfigs  SET replaces a key's value, DELETE removes it (back to the
//                            default); APPEND and SUBTRACT add or remove items of a LIST
//                            key, starting from the resource's value or else the key's
//                            default; for any other key they are INVALID_CONFIG.
//   AlterConfigs (legacy)    the resource's dynamic configs become exactly the request's:
//                            keys it leaves out are deleted.
//
// Checks, in Kafka's order: the values (the schema: unknown keys, values that do not parse,
// keys that cannot change at runtime), then that a topic exists
// (UNKNOWN_TOPIC_OR_PARTITION). Only keys whose value changes produce records.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/metadata_record.h"
#include "protocol/error_code.h"

namespace samsa::cluster {

// Kafka's ConfigResource.Type ids, as ConfigRecord and the config APIs carry them.
enum class config_resource_type : int8_t {
    topic = 2,
    broker = 4,
    broker_logger = 8,
};

// IncrementalAlterConfigs' operations (Kafka's AlterConfigOp.OpType ids).
enum class config_operation : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

std::string_view to_string(config_operation operation);  // "SET", "DELETE", ...

struct config_change {
    std::string name;
    config_operation operation = config_operation::set;
    std::optional<std::string> value;  // nullopt only for remove
};

struct config_alteration {
    config_resource_type type = config_resource_type::topic;
    std::string resource_name;  // a topic name; a broker id in decimal, "" for the cluster default
    // AlterConfigs: the changes (all SETs) become the resource's whole dynamic set.
    bool replaces_all = false;
    std::vector<config_change> changes;
};

struct config_outcome {
    protocol::error_code error = protocol::error_code::none;
    std::optional<std::string> message;

    bool operator==(const config_outcome&) const = default;
};

// What the controller asks of the broker's config definitions (implemented by the broker
// layer, which owns them).
class config_schema {
public:
    virtual ~config_schema() = default;

    // Whether APPEND and SUBTRACT apply to the key (its type is LIST); false for a key the
    // schema does not know.
    virtual bool is_list(config_resource_type type, std::string_view key) const = 0;
    // The value APPEND and SUBTRACT start from when the resource does not set the key.
    virtual std::optional<std::string> default_value(config_resource_type type,
                                                     std::string_view key) const = 0;
    // Whether the resource may have the `proposed` dynamic configs instead of `current`:
    // the refusal (error code and message), or nullopt.
    virtual std::optional<config_outcome> validate(config_resource_type type,
                                                   std::string_view resource_name,
                                                   const config_map& current,
                                                   const config_map& proposed) const = 0;
};

struct planned_config_changes {
    std::vector<config_outcome> outcomes;  // one per alteration, in order
    std::vector<metadata_record> records;  // for the accepted alterations
};

// Precondition: each resource appears once (the handlers answer duplicates themselves; a
// duplicate here is refused with INVALID_REQUEST rather than applied twice).
planned_config_changes plan_config_changes(const metadata_image& image,
                                           std::span<const config_alteration> alterations,
                                           const config_schema& schema);

}  // namespace samsa::cluster
