#pragma once

// How the CLI shows configs read with DescribeConfigs (`samsa topic describe`,
// `samsa config get`): a table NAME VALUE SOURCE READ-ONLY SENSITIVE for people, and a JSON
// array of {name, value, source, read_only, sensitive, default} for scripts. Sensitive
// values are never printed (Kafka does not send them either).

#include <string>
#include <vector>

#include "client/admin_client.h"
#include "protocol/json_writer.h"

namespace samsa::cli {

std::string render_config_table(const std::vector<client::config_entry>& configs);
void write_config_json(protocol::json_writer& json,
                       const std::vector<client::config_entry>& configs);

}  // namespace samsa::cli
