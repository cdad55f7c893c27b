// samsa config get|set: a broker's or a topic's configs with DescribeConfigs (librdkafka),
// changes with IncrementalAlterConfigs (the project's protocol layer; librdkafka 2.0 lacks
// it), including the cluster-wide broker default (resource name "").

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/admin_support.h"
#include "cli/commands.h"
#include "cli/config_table.h"
#include "cli/output.h"
#include "client/config_alteration.h"

namespace samsa::cli {

namespace {

struct config_arguments {
    std::optional<int32_t> broker;
    std::optional<std::string> topic;
    bool cluster = false;
    std::vector<std::string> keys;
    std::vector<std::string> set;
    std::vector<std::string> remove;
};

// A JSON object opened with the resource the command worked on: {"resource", "name", ...
protocol::json_writer resource_json(const config_arguments& arguments, const std::string& name) {
    protocol::json_writer json;
    json.begin_object();
    json.key("resource");
    json.value(arguments.topic ? "topic" : "broker");
    json.key("name");
    json.value(name);
    return json;
}

void run_get(cli_context& context, const config_arguments& arguments) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    client::config_resource type =
        arguments.topic ? client::config_resource::topic : client::config_resource::broker;
    std::string name;
    if (arguments.topic) {
        name = *arguments.topic;
    } else if (arguments.broker) {
        name = std::to_string(*arguments.broker);
    } else {
        // The broker the bootstrap connection reaches.
        auto metadata = admin->metadata();
        if (!metadata) {
            context.fail(metadata.error());
            return;
        }
        name = std::to_string(metadata->answering_broker);
    }
    auto configs = admin->describe_configs(type, name);
    if (!configs) {
        context.fail(configs.error());
        return;
    }
    std::vector<client::config_entry> shown;
    for (const auto& key : arguments.keys) {
        auto found = std::find_if(configs->begin(), configs->end(),
                                  [&key](const auto& config) { return config.name == key; });
        if (found == configs->end()) {
            context.fail(
                client::refused((arguments.topic ? "topic \"" + name + "\"" : "broker " + name) +
                                " has no config \"" + key + "\""));
            return;
        }
        shown.push_back(*found);
    }
    if (arguments.keys.empty()) {
        shown = std::move(configs).value();
    }
    if (wants_json(context)) {
        auto json = resource_json(arguments, name);
        json.key("configs");
        write_config_json(json, shown);
        json.end_object();
        output::print_json(json);
        return;
    }
    output::print(render_config_table(shown));
}

// The broker's own address from metadata: Kafka wants a broker's configs altered through
// that broker.
std::optional<std::pair<std::string, uint16_t>> broker_address(cli_context& context,
                                                               int32_t broker) {
    auto admin = open_admin(context);
    if (!admin) {
        return std::nullopt;
    }
    auto metadata = admin->metadata();
    if (!metadata) {
        context.fail(metadata.error());
        return std::nullopt;
    }
    for (const auto& info : metadata->brokers) {
        if (info.id == broker) {
            return std::make_pair(info.host, static_cast<uint16_t>(info.port));
        }
    }
    context.fail(client::refused("broker " + std::to_string(broker) + " is not in the cluster"));
    return std::nullopt;
}

void run_set(cli_context& context, const config_arguments& arguments) {
    int targets =
        (arguments.broker ? 1 : 0) + (arguments.topic ? 1 : 0) + (arguments.cluster ? 1 : 0);
    if (targets != 1) {
        context.fail_usage("give exactly one of --broker ID, --cluster or --topic NAME");
        return;
    }
    auto set = parse_key_values(arguments.keys);
    if (!set) {
        context.fail_usage(set.error().message);
        return;
    }
    if (set->empty() && arguments.remove.empty()) {
        context.fail_usage("nothing to change: give key=value or --delete key");
        return;
    }
    client::config_alteration alteration;
    alteration.set = std::move(set).value();
    alteration.remove = arguments.remove;
    if (arguments.topic) {
        alteration.type = client::alteration_target::topic;
        alteration.name = *arguments.topic;
    } else {
        alteration.type = client::alteration_target::broker;
        if (arguments.broker) {
            alteration.name = std::to_string(*arguments.broker);
            alteration.address = broker_address(context, *arguments.broker);
            if (!alteration.address) {
                return;
            }
        }
    }
    auto done = client::alter_configs_incrementally(context.connection, alteration);
    if (!done) {
        context.fail(done.error());
        return;
    }
    std::string target = arguments.topic    ? "topic " + alteration.name
                         : arguments.broker ? "broker " + alteration.name
                                            : std::string("the cluster-wide broker default");
    if (wants_json(context)) {
        auto json = resource_json(arguments, alteration.name);
        write_config_changes(json, alteration);
        json.end_object();
        output::print_json(json);
    } else {
        output::print("altered the configs of " + target + "\n");
    }
}

}  // namespace

void add_config_command(CLI::App& app, cli_context& context) {
    auto arguments = std::make_shared<config_arguments>();
    CLI::App* config = app.add_subcommand("config", "Read and change broker and topic configs.");
    config->require_subcommand(1);
    config->footer(
        "Examples:\n"
        "  samsa config get\n"
        "  samsa config get --topic orders retention.ms\n"
        "  samsa config set --broker 1 log.retention.ms=86400000");

    CLI::App* get = config->add_subcommand(
        "get", "Show configs with value, source, read-only and sensitive (DescribeConfigs).");
    auto* get_broker = get->add_option("--broker", arguments->broker,
                                       "a broker's id (default: the broker reached first)");
    get->add_option("--topic", arguments->topic, "a topic instead of a broker")
        ->excludes(get_broker);
    get->add_option("KEY", arguments->keys, "only these configs");
    get->footer(
        "Examples:\n"
        "  samsa config get\n"
        "  samsa config get --broker 1 log.retention.ms num.partitions\n"
        "  samsa config get --topic orders --format json");
    get->callback([&context, arguments] { run_get(context, *arguments); });

    CLI::App* set =
        config->add_subcommand("set",
                               "Set or delete configs of a broker, the cluster default or a topic "
                               "(IncrementalAlterConfigs).");
    set->add_option("--broker", arguments->broker, "a broker's id");
    set->add_flag("--cluster", arguments->cluster, "the cluster-wide default of every broker");
    set->add_option("--topic", arguments->topic, "a topic");
    set->add_option("KEY=VALUE", arguments->keys, "configs to set");
    set->add_option("--delete", arguments->remove,
                    "a config to remove (back to its default); repeatable")
        ->type_name("KEY")
        ->allow_extra_args(false);
    set->footer(
        "Examples:\n"
        "  samsa config set --broker 1 log.retention.ms=86400000\n"
        "  samsa config set --cluster log.cleaner.threads=2\n"
        "  samsa config set --topic orders retention.ms=3600000 --delete cleanup.policy");
    set->callback([&context, arguments] { run_set(context, *arguments); });
}

}  // namespace samsa::cli
