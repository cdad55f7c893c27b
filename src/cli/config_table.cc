#include "cli/config_table.h"

#include "cli/output.h"

namespace samsa::cli {

namespace {

std::string shown_value(const client::config_entry& config) {
    if (config.sensitive) {
        return "(sensitive)";
    }
    return config.value ? *config.value : "(null)";
}

}  // namespace

std::string render_config_table(const std::vector<client::config_entry>& configs) {
    output::table table({"NAME", "VALUE", "SOURCE", "READ-ONLY", "SENSITIVE"});
    for (const auto& config : configs) {
        table.add_row({config.name, shown_value(config), config.source,
                       config.read_only ? "yes" : "no", config.sensitive ? "yes" : "no"});
    }
    return table.render();
}

void write_config_json(protocol::json_writer& json,
                       const std::vector<client::config_entry>& configs) {
    json.begin_array();
    for (const auto& config : configs) {
        json.begin_object();
        json.key("name");
        json.value(config.name);
        json.key("value");
        if (config.value && !config.sensitive) {
            json.value(*config.value);
        } else {
            json.null_value();
        }
        json.key("source");
        json.value(config.source);
        json.key("read_only");
        json.value(config.read_only);
        json.key("sensitive");
        json.value(config.sensitive);
        json.key("default");
        json.value(config.is_default);
        json.end_object();
    }
    json.end_array();
}

}  // namespace samsa::cli
