#pragma once

// The broker's config definitions as the controller sees them when it decides a config
// change (cluster/config_changes.h): which keys are lists, the value APPEND starts from,
// and whether a resource may take its proposed dynamic configs.
//
//   topics   every key a known topic config (topic_settings.h), every value accepted by
//            check_topic_config: Kafka's LogConfig.validate and its messages;
//   brokers  dynamic_broker_configs.h: the keys Samsa applies at runtime, on "" or this
//            node's id.

#include <memory>
#include <vector>

#include "base/ids.h"
#include "broker/broker_config.h"
#include "cluster/config_changes.h"

namespace samsa::broker {

class broker_config_schema final : public cluster::config_schema {
public:
    // `statics`: the broker's static settings (broker_config::entries).
    broker_config_schema(std::vector<config_entry> statics, node_id self);

    bool is_list(cluster::config_resource_type type, std::string_view key) const override;
    // A topic config without a value starts from its broker default as configured
    // (cleanup.policy from log.cleanup.policy); a broker key from its static value.
    std::optional<std::string> default_value(cluster::config_resource_type type,
                                             std::string_view key) const override;
    std::optional<cluster::config_outcome> validate(
        cluster::config_resource_type type, std::string_view resource_name,
        const cluster::config_map& current, const cluster::config_map& proposed) const override;

private:
    const config_entry* find_static(std::string_view key) const;

    std::vector<config_entry> statics_;
    node_id self_;
};

std::shared_ptr<const cluster::config_schema> make_broker_config_schema(const broker_config& config,
                                                                        node_id self);

}  // namespace samsa::broker
