#pragma once

// What the admin commands (topic, group, cluster, config) share: opening the admin client
// from the global options, parsing `key=value` arguments, reporting a request's per-item
// outcomes (delete topics, delete groups) and the changes of an IncrementalAlterConfigs.
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
#include "client/config_alteration.h"
#include "protocol/json_writer.h"

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

// The ids of the topic's partitions (ascending), or nullopt after reporting the failure.
std::optional<std::vector<int32_t>> partition_ids(cli_context& context, client::admin_client& admin,
                                                  const std::string& topic);

// Prints one outcome per item: a JSON array of {<id_key>, deleted, error} or a line
// "deleted <noun> NAME" per success. Every failure goes to stderr; the first one's kind
// decides the exit code.
void report_deletions(cli_context& context, const std::vector<client::item_outcome>& outcomes,
                      const std::string& id_key, const std::string& noun);

// The keys "set" (an object name -> value) and "deleted" (an array of names) of a change.
void write_config_changes(protocol::json_writer& json, const client::config_alteration& change);

}  // namespace samsa::cli
