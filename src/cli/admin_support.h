#pragma once

// What the admin commands (topic, group, cluster, config) share: opening the admin client
// from the global options, and parsing `key=value` arguments.
//
//     auto admin = open_admin(context);
//     if (!admin) { return; }          // the failure is already reported
//     auto change = parse_key_value("retention.ms=3600000");

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_context.h"
#include "client/admin_client.h"

namespace samsa::cli {

// The admin client, or nullopt after reporting the failure through the context.
std::optional<client::admin_client> open_admin(cli_context& context);

// "name=value" split at the first '='; nullopt when there is no '=' or the name is empty.
// The value may be empty and may contain '='.
std::optional<std::pair<std::string, std::string>> parse_key_value(const std::string& text);

// Every "name=value" of the list, or the usage error naming the first bad one.
client::client_result<std::vector<std::pair<std::string, std::string>>> parse_key_values(
    const std::vector<std::string>& texts);

// Whether the user asked for one JSON document instead of tables.
inline bool wants_json(const cli_context& context) {
    return context.format == output_format::json;
}

}  // namespace samsa::cli
