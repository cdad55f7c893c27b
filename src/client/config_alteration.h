#pragma once

// IncrementalAlterConfigs (KIP-339) for the CLI, on the project's protocol layer because
// librdkafka 2.0 lacks it: set or delete individual configs of a topic, a broker or the
// cluster-wide broker default without restating the others.
//
//     client::config_alteration change{.type = client::alteration_target::topic,
//                                      .name = "orders",
//                                      .set = {{"retention.ms", "3600000"}}};
//     auto done = client::alter_configs_incrementally(settings, change);

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/client_config.h"
#include "client/client_error.h"

namespace samsa::client {

enum class alteration_target : uint8_t { topic, broker };

struct config_alteration {
    alteration_target type = alteration_target::topic;
    // The topic, the broker id, or "" for the cluster-wide broker default.
    std::string name;
    std::vector<std::pair<std::string, std::string>> set;
    std::vector<std::string> remove;
    // Where to send it: a broker's own configs must go to that broker (Kafka's rule); empty
    // means any bootstrap broker.
    std::optional<std::pair<std::string, uint16_t>> address;
};

// Kafka's resource types and operations on the wire (ConfigResource.Type, OpType).
inline constexpr int8_t resource_type_topic = 2;
inline constexpr int8_t resource_type_broker = 4;
inline constexpr int8_t operation_set = 0;
inline constexpr int8_t operation_delete = 1;

client_result<bool> alter_configs_incrementally(const connection_settings& settings,
                                                const config_alteration& alteration);

}  // namespace samsa::client
