// samsa topic: create, list, describe, delete, add-partitions, alter-config and
// delete-records, on librdkafka's admin API (IncrementalAlterConfigs on the project's own
// protocol layer, which librdkafka 2.0 lacks).

#include <cstdio>
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

struct topic_arguments {
    std::string name;
    std::vector<std::string> names;
    int partitions = -1;
    int replication_factor = -1;
    std::vector<std::string> configs;
    bool all = false;
    int total = 0;
    std::vector<std::string> set;
    std::vector<std::string> remove;
    std::vector<int32_t> delete_partitions;
    int64_t before = -1;
    bool all_partitions = false;
};

std::string join_ids(const std::vector<int32_t>& ids) {
    std::string out;
    for (auto id : ids) {
        out += (out.empty() ? "" : ",") + std::to_string(id);
    }
    return out;
}

void write_ids(protocol::json_writer& json, const std::vector<int32_t>& ids) {
    json.begin_array();
    for (auto id : ids) {
        json.value(static_cast<int64_t>(id));
    }
    json.end_array();
}

// Kafka's internal topics (__consumer_offsets, __transaction_state) start with "__".
bool is_internal(const std::string& topic) {
    return topic.rfind("__", 0) == 0;
}

void run_create(cli_context& context, const topic_arguments& arguments) {
    auto configs = parse_key_values(arguments.configs);
    if (!configs) {
        context.fail_usage("--config: " + configs.error().message);
        return;
    }
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto created = admin->create_topic({.name = arguments.name,
                                        .partitions = arguments.partitions,
                                        .replication_factor = arguments.replication_factor,
                                        .configs = std::move(configs).value()});
    if (!created) {
        context.fail(created.error());
        return;
    }
    if (wants_json(context)) {
        protocol::json_writer json;
        json.begin_object();
        json.key("created");
        json.value(arguments.name);
        json.end_object();
        output::print_json(json);
    } else {
        output::print("created topic " + arguments.name + "\n");
    }
}

void run_list(cli_context& context, const topic_arguments& arguments) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto metadata = admin->metadata();
    if (!metadata) {
        context.fail(metadata.error());
        return;
    }
    output::table table({"TOPIC", "PARTITIONS", "REPLICATION"});
    protocol::json_writer json;
    json.begin_array();
    for (const auto& topic : metadata->topics) {
        if (is_internal(topic.name) && !arguments.all) {
            continue;
        }
        std::size_t replication =
            topic.partitions.empty() ? 0 : topic.partitions.front().replicas.size();
        table.add_row(
            {topic.name, std::to_string(topic.partitions.size()), std::to_string(replication)});
        json.begin_object();
        json.key("name");
        json.value(topic.name);
        json.key("partitions");
        json.value(static_cast<int64_t>(topic.partitions.size()));
        json.key("replication_factor");
        json.value(static_cast<int64_t>(replication));
        json.key("internal");
        json.value(is_internal(topic.name));
        json.end_object();
    }
    json.end_array();
    if (wants_json(context)) {
        output::print_json(json);
    } else {
        output::print(table.render());
    }
}

void run_describe(cli_context& context, const topic_arguments& arguments) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto metadata = admin->metadata(arguments.name);
    if (!metadata) {
        context.fail(metadata.error());
        return;
    }
    if (metadata->topics.empty()) {
        context.fail(client::refused("topic \"" + arguments.name + "\" does not exist"));
        return;
    }
    const auto& topic = metadata->topics.front();
    std::vector<client::watermarks> offsets;
    for (const auto& partition : topic.partitions) {
        auto marks = admin->query_watermarks(topic.name, partition.partition);
        if (!marks) {
            context.fail(marks.error());
            return;
        }
        offsets.push_back(*marks);
    }
    auto configs = admin->describe_configs(client::config_resource::topic, topic.name);
    if (!configs) {
        context.fail(configs.error());
        return;
    }
    std::size_t replication =
        topic.partitions.empty() ? 0 : topic.partitions.front().replicas.size();
    if (wants_json(context)) {
        protocol::json_writer json;
        json.begin_object();
        json.key("name");
        json.value(topic.name);
        json.key("internal");
        json.value(is_internal(topic.name));
        json.key("replication_factor");
        json.value(static_cast<int64_t>(replication));
        json.key("partitions");
        json.begin_array();
        for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
            const auto& partition = topic.partitions[i];
            json.begin_object();
            json.key("partition");
            json.value(static_cast<int64_t>(partition.partition));
            json.key("leader");
            json.value(static_cast<int64_t>(partition.leader));
            json.key("replicas");
            write_ids(json, partition.replicas);
            json.key("isr");
            write_ids(json, partition.in_sync_replicas);
            json.key("earliest_offset");
            json.value(offsets[i].low);
            json.key("latest_offset");
            json.value(offsets[i].high);
            json.end_object();
        }
        json.end_array();
        json.key("configs");
        write_config_json(json, *configs);
        json.end_object();
        output::print_json(json);
        return;
    }
    output::table partitions({"PARTITION", "LEADER", "REPLICAS", "ISR", "EARLIEST", "LATEST"});
    for (std::size_t i = 0; i < topic.partitions.size(); ++i) {
        const auto& partition = topic.partitions[i];
        partitions.add_row({std::to_string(partition.partition), std::to_string(partition.leader),
                            join_ids(partition.replicas), join_ids(partition.in_sync_replicas),
                            std::to_string(offsets[i].low), std::to_string(offsets[i].high)});
    }
    output::print("Topic: " + topic.name +
                  "  Partitions: " + std::to_string(topic.partitions.size()) +
                  "  Replication: " + std::to_string(replication) + "\n\n" + partitions.render() +
                  "\nConfigs:\n" + render_config_table(*configs));
}

void run_delete(cli_context& context, const topic_arguments& arguments) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    std::optional<client::client_error> request_error;
    auto outcomes = admin->delete_topics(arguments.names, request_error);
    if (request_error) {
        context.fail(*request_error);
        return;
    }
    report_deletions(context, outcomes, "name", "topic");
}

void run_add_partitions(cli_context& context, const topic_arguments& arguments) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto done = admin->create_partitions(arguments.name, arguments.total);
    if (!done) {
        context.fail(done.error());
        return;
    }
    if (wants_json(context)) {
        protocol::json_writer json;
        json.begin_object();
        json.key("name");
        json.value(arguments.name);
        json.key("partitions");
        json.value(static_cast<int64_t>(arguments.total));
        json.end_object();
        output::print_json(json);
    } else {
        output::print("topic " + arguments.name + " now has " + std::to_string(arguments.total) +
                      " partitions\n");
    }
}

void run_alter_config(cli_context& context, const topic_arguments& arguments) {
    auto set = parse_key_values(arguments.set);
    if (!set) {
        context.fail_usage("--set: " + set.error().message);
        return;
    }
    if (set->empty() && arguments.remove.empty()) {
        context.fail_usage("nothing to change: give --set key=value or --delete key");
        return;
    }
    client::config_alteration alteration{.type = client::alteration_target::topic,
                                         .name = arguments.name,
                                         .set = std::move(set).value(),
                                         .remove = arguments.remove,
                                         .address = std::nullopt};
    auto done = client::alter_configs_incrementally(context.connection, alteration);
    if (!done) {
        context.fail(done.error());
        return;
    }
    if (wants_json(context)) {
        protocol::json_writer json;
        json.begin_object();
        json.key("name");
        json.value(arguments.name);
        write_config_changes(json, alteration);
        json.end_object();
        output::print_json(json);
    } else {
        output::print("altered the configs of topic " + arguments.name + "\n");
    }
}

void run_delete_records(cli_context& context, const topic_arguments& arguments) {
    if (arguments.all_partitions == !arguments.delete_partitions.empty()) {
        context.fail_usage("give either --partition P (repeatable) or --all-partitions");
        return;
    }
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto partitions = arguments.all_partitions ? partition_ids(context, *admin, arguments.name)
                                               : arguments.delete_partitions;
    if (!partitions) {
        return;
    }
    std::vector<client::partition_offset> before;
    for (auto partition : *partitions) {
        before.push_back({.topic = arguments.name,
                          .partition = partition,
                          .offset = arguments.before,
                          .error = std::nullopt});
    }
    auto result = admin->delete_records(before);
    if (!result) {
        context.fail(result.error());
        return;
    }
    output::table table({"TOPIC", "PARTITION", "EARLIEST"});
    protocol::json_writer json;
    json.begin_array();
    std::optional<client::client_error> first_error;
    for (const auto& partition : *result) {
        json.begin_object();
        json.key("topic");
        json.value(partition.topic);
        json.key("partition");
        json.value(static_cast<int64_t>(partition.partition));
        json.key("earliest_offset");
        if (partition.error) {
            json.null_value();
            json.key("error");
            json.value(partition.error->message);
            if (first_error) {
                std::fprintf(stderr, "samsa: %s\n", partition.error->message.c_str());
            } else {
                first_error = partition.error;
            }
        } else {
            json.value(partition.offset);
            table.add_row({partition.topic, std::to_string(partition.partition),
                           std::to_string(partition.offset)});
        }
        json.end_object();
    }
    json.end_array();
    if (wants_json(context)) {
        output::print_json(json);
    } else {
        output::print(table.render());
    }
    if (first_error) {
        context.fail(*first_error);
    }
}

}  // namespace

void add_topic_command(CLI::App& app, cli_context& context) {
    auto arguments = std::make_shared<topic_arguments>();
    CLI::App* topic =
        app.add_subcommand("topic", "Create, list, describe, alter and delete topics.");
    topic->require_subcommand(1);
    topic->footer(
        "Examples:\n"
        "  samsa topic create orders -p 6 -c retention.ms=86400000\n"
        "  samsa topic list\n"
        "  samsa topic describe orders --format json\n"
        "  samsa topic delete orders");

    CLI::App* create = topic->add_subcommand("create", "Create a topic.");
    create->add_option("NAME", arguments->name, "the topic's name")->required();
    create
        ->add_option("-p,--partitions", arguments->partitions,
                     "number of partitions (default: the broker's num.partitions)")
        ->check(CLI::Range(1, 1'000'000));
    create
        ->add_option("-r,--replication-factor", arguments->replication_factor,
                     "replicas per partition (default: the broker's default.replication.factor)")
        ->check(CLI::Range(1, 32'767));
    create
        ->add_option("-c,--config", arguments->configs,
                     "a topic config, key=value (Kafka's names); repeatable")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    create->footer(
        "Examples:\n"
        "  samsa topic create orders\n"
        "  samsa topic create orders -p 6 -r 1\n"
        "  samsa topic create audit -c retention.ms=604800000 -c cleanup.policy=compact");
    create->callback([&context, arguments] { run_create(context, *arguments); });

    CLI::App* list = topic->add_subcommand("list", "List topics with partitions and replication.");
    list->add_flag("-a,--all", arguments->all, "include internal topics (__consumer_offsets, ...)");
    list->footer(
        "Examples:\n"
        "  samsa topic list\n"
        "  samsa topic list --all\n"
        "  samsa topic list --format json");
    list->callback([&context, arguments] { run_list(context, *arguments); });

    CLI::App* describe = topic->add_subcommand(
        "describe", "Show a topic's partitions (leader, replicas, ISR, offsets) and configs.");
    describe->add_option("NAME", arguments->name, "the topic")->required();
    describe->footer(
        "Examples:\n"
        "  samsa topic describe orders\n"
        "  samsa topic describe orders --format json");
    describe->callback([&context, arguments] { run_describe(context, *arguments); });

    CLI::App* remove = topic->add_subcommand("delete", "Delete topics and all their records.");
    remove->add_option("NAME", arguments->names, "the topics")->required();
    remove->footer(
        "Examples:\n"
        "  samsa topic delete orders\n"
        "  samsa topic delete orders payments");
    remove->callback([&context, arguments] { run_delete(context, *arguments); });

    CLI::App* add_partitions =
        topic->add_subcommand("add-partitions", "Grow a topic to a new total partition count.");
    add_partitions->add_option("NAME", arguments->name, "the topic")->required();
    add_partitions
        ->add_option("-n,--total", arguments->total,
                     "the new total number of partitions (more than it has now)")
        ->required()
        ->check(CLI::Range(1, 1'000'000));
    add_partitions->footer(
        "Examples:\n"
        "  samsa topic add-partitions orders -n 12\n"
        "  samsa topic add-partitions orders --total 8 --format json");
    add_partitions->callback([&context, arguments] { run_add_partitions(context, *arguments); });

    CLI::App* alter = topic->add_subcommand(
        "alter-config", "Set or delete a topic's configs (IncrementalAlterConfigs).");
    alter->add_option("NAME", arguments->name, "the topic")->required();
    alter->add_option("--set", arguments->set, "a config to set, key=value; repeatable")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    alter
        ->add_option("--delete", arguments->remove,
                     "a config to remove (back to the broker's default); repeatable")
        ->type_name("KEY")
        ->allow_extra_args(false);
    alter->footer(
        "Examples:\n"
        "  samsa topic alter-config orders --set retention.ms=3600000\n"
        "  samsa topic alter-config orders --set cleanup.policy=compact --delete retention.ms");
    alter->callback([&context, arguments] { run_alter_config(context, *arguments); });

    CLI::App* delete_records = topic->add_subcommand(
        "delete-records", "Delete a topic's records before an offset (moves the earliest offset).");
    delete_records->add_option("NAME", arguments->name, "the topic")->required();
    delete_records
        ->add_option("--partition", arguments->delete_partitions, "a partition; repeatable")
        ->check(CLI::NonNegativeNumber)
        ->allow_extra_args(false);
    delete_records->add_flag("--all-partitions", arguments->all_partitions,
                             "every partition of the topic");
    delete_records
        ->add_option("--before", arguments->before,
                     "delete records before this offset; -1: every record (up to the latest)")
        ->required()
        ->check(CLI::Range(int64_t{-1}, INT64_MAX));
    delete_records->footer(
        "Examples:\n"
        "  samsa topic delete-records orders --partition 0 --before 1000\n"
        "  samsa topic delete-records orders --all-partitions --before -1");
    delete_records->callback([&context, arguments] { run_delete_records(context, *arguments); });
}

}  // namespace samsa::cli
