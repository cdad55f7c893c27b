#include "cli/admin_support.h"

#include <cstdio>

#include "cli/output.h"

namespace samsa::cli {

std::optional<client::admin_client> open_admin(cli_context& context) {
    auto admin = client::admin_client::create(context.connection);
    if (!admin) {
        context.fail(admin.error());
        return std::nullopt;
    }
    return std::move(admin).value();
}

std::optional<std::pair<std::string, std::string>> parse_key_value(const std::string& text) {
    auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
        return std::nullopt;
    }
    return std::make_pair(text.substr(0, equals), text.substr(equals + 1));
}

client::client_result<std::vector<std::pair<std::string, std::string>>> parse_key_values(
    const std::vector<std::string>& texts) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& text : texts) {
        auto pair = parse_key_value(text);
        if (!pair) {
            return failure{client::invalid("expected key=value, got \"" + text + "\"")};
        }
        out.push_back(std::move(*pair));
    }
    return out;
}

std::optional<std::vector<int32_t>> partition_ids(cli_context& context, client::admin_client& admin,
                                                  const std::string& topic) {
    auto metadata = admin.metadata(topic);
    if (!metadata) {
        context.fail(metadata.error());
        return std::nullopt;
    }
    std::vector<int32_t> ids;
    for (const auto& found : metadata->topics) {
        for (const auto& partition : found.partitions) {
            ids.push_back(partition.partition);
        }
    }
    return ids;
}

void report_deletions(cli_context& context, const std::vector<client::item_outcome>& outcomes,
                      const std::string& id_key, const std::string& noun) {
    protocol::json_writer json;
    json.begin_array();
    std::string text;
    std::optional<client::client_error> first_error;
    for (const auto& outcome : outcomes) {
        json.begin_object();
        json.key(id_key);
        json.value(outcome.name);
        json.key("deleted");
        json.value(!outcome.error);
        json.key("error");
        if (outcome.error) {
            json.value(outcome.error->message);
            if (first_error) {
                std::fprintf(stderr, "samsa: %s\n", outcome.error->message.c_str());
            } else {
                first_error = outcome.error;
            }
        } else {
            json.null_value();
            text += "deleted " + noun + " " + outcome.name + "\n";
        }
        json.end_object();
    }
    json.end_array();
    if (wants_json(context)) {
        output::print_json(json);
    } else {
        output::print(text);
    }
    if (first_error) {
        context.fail(*first_error);
    }
}

void write_config_changes(protocol::json_writer& json, const client::config_alteration& change) {
    json.key("set");
    json.begin_object();
    for (const auto& [name, value] : change.set) {
        json.key(name);
        json.value(value);
    }
    json.end_object();
    json.key("deleted");
    json.begin_array();
    for (const auto& name : change.remove) {
        json.value(name);
    }
    json.end_array();
}

}  // namespace samsa::cli
