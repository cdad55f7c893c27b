// samsa group: list, describe (members, assignments, committed offsets and lag), delete and
// reset-offsets, on librdkafka's admin API.

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/admin_support.h"
#include "cli/commands.h"
#include "cli/iso8601_time.h"
#include "cli/offset_reset.h"
#include "cli/output.h"

namespace samsa::cli {

namespace {

struct group_arguments {
    std::string group;
    std::vector<std::string> groups;
    std::vector<std::string> topics;
    bool to_earliest = false;
    bool to_latest = false;
    std::optional<int64_t> to_offset;
    std::optional<int64_t> to_timestamp;
    std::optional<std::string> to_datetime;
    std::optional<int64_t> shift_by;
    bool dry_run = false;
};

std::string or_dash(const std::optional<int64_t>& value) {
    return value ? std::to_string(*value) : "-";
}

// A group that does not exist is described by Kafka as "Dead" with nobody in it.
bool is_unknown(const client::group_description& group,
                const std::vector<client::partition_offset>& committed) {
    return group.state == "Dead" && group.members.empty() && committed.empty();
}

void run_list(cli_context& context) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto groups = admin->list_groups();
    if (!groups) {
        context.fail(groups.error());
        return;
    }
    output::table table({"GROUP", "STATE", "TYPE"});
    protocol::json_writer json;
    json.begin_array();
    for (const auto& group : *groups) {
        table.add_row({group.group_id, group.state, group.is_simple ? "simple" : "consumer"});
        json.begin_object();
        json.key("group_id");
        json.value(group.group_id);
        json.key("state");
        json.value(group.state);
        json.key("simple");
        json.value(group.is_simple);
        json.end_object();
    }
    json.end_array();
    if (wants_json(context)) {
        output::print_json(json);
    } else {
        output::print(table.render());
    }
}

struct partition_lag {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> committed;
    int64_t log_end = -1;
    std::optional<std::string> member_id;
};

void run_describe(cli_context& context, const group_arguments& arguments) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto group = admin->describe_group(arguments.group);
    if (!group) {
        context.fail(group.error());
        return;
    }
    auto committed = admin->list_group_offsets(arguments.group);
    if (!committed) {
        context.fail(committed.error());
        return;
    }
    if (is_unknown(*group, *committed)) {
        context.fail(client::refused("group \"" + arguments.group + "\" does not exist"));
        return;
    }
    // Every partition the group has committed or is assigned, with who owns it.
    std::map<std::pair<std::string, int32_t>, partition_lag> partitions;
    for (const auto& offset : *committed) {
        auto& entry = partitions[{offset.topic, offset.partition}];
        entry.topic = offset.topic;
        entry.partition = offset.partition;
        if (!offset.error && offset.offset >= 0) {
            entry.committed = offset.offset;
        }
    }
    for (const auto& member : group->members) {
        for (const auto& [topic, partition] : member.assignment) {
            auto& entry = partitions[{topic, partition}];
            entry.topic = topic;
            entry.partition = partition;
            entry.member_id = member.member_id;
        }
    }
    for (auto& [key, entry] : partitions) {
        auto marks = admin->query_watermarks(entry.topic, entry.partition);
        if (!marks) {
            context.fail(marks.error());
            return;
        }
        entry.log_end = marks->high;
    }
    auto lag_of = [](const partition_lag& entry) -> std::optional<int64_t> {
        if (!entry.committed) {
            return std::nullopt;
        }
        return std::max<int64_t>(entry.log_end - *entry.committed, 0);
    };
    if (wants_json(context)) {
        protocol::json_writer json;
        json.begin_object();
        json.key("group_id");
        json.value(group->group_id);
        json.key("state");
        json.value(group->state);
        json.key("protocol");
        json.value(group->protocol);
        json.key("coordinator");
        json.value(static_cast<int64_t>(group->coordinator));
        json.key("members");
        json.begin_array();
        for (const auto& member : group->members) {
            json.begin_object();
            json.key("member_id");
            json.value(member.member_id);
            json.key("client_id");
            json.value(member.client_id);
            json.key("host");
            json.value(member.host);
            json.key("group_instance_id");
            output::write_optional(json, member.group_instance_id);
            json.key("assignment");
            json.begin_array();
            for (const auto& [topic, partition] : member.assignment) {
                json.begin_object();
                json.key("topic");
                json.value(topic);
                json.key("partition");
                json.value(static_cast<int64_t>(partition));
                json.end_object();
            }
            json.end_array();
            json.end_object();
        }
        json.end_array();
        json.key("offsets");
        json.begin_array();
        for (const auto& [key, entry] : partitions) {
            json.begin_object();
            json.key("topic");
            json.value(entry.topic);
            json.key("partition");
            json.value(static_cast<int64_t>(entry.partition));
            json.key("committed_offset");
            output::write_optional(json, entry.committed);
            json.key("log_end_offset");
            json.value(entry.log_end);
            json.key("lag");
            output::write_optional(json, lag_of(entry));
            json.key("member_id");
            output::write_optional(json, entry.member_id);
            json.end_object();
        }
        json.end_array();
        json.end_object();
        output::print_json(json);
        return;
    }
    output::table members({"MEMBER-ID", "CLIENT-ID", "HOST", "ASSIGNMENT"});
    std::map<std::string, std::string> client_of;
    for (const auto& member : group->members) {
        std::string assignment;
        for (const auto& [topic, partition] : member.assignment) {
            assignment += (assignment.empty() ? "" : ",") + topic + ":" + std::to_string(partition);
        }
        members.add_row({member.member_id, member.client_id, member.host, assignment});
        client_of[member.member_id] = member.client_id;
    }
    output::table offsets({"TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "CLIENT-ID"});
    for (const auto& [key, entry] : partitions) {
        offsets.add_row({entry.topic, std::to_string(entry.partition), or_dash(entry.committed),
                         std::to_string(entry.log_end), or_dash(lag_of(entry)),
                         entry.member_id ? client_of[*entry.member_id] : "-"});
    }
    output::print("Group: " + group->group_id + "  State: " + group->state +
                  "  Protocol: " + (group->protocol.empty() ? "-" : group->protocol) +
                  "  Coordinator: " + std::to_string(group->coordinator) +
                  "  Members: " + std::to_string(group->members.size()) + "\n\n" +
                  (members.empty() ? std::string() : members.render() + "\n") + offsets.render());
}

void run_delete(cli_context& context, const group_arguments& arguments) {
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    std::optional<client::client_error> request_error;
    auto outcomes = admin->delete_groups(arguments.groups, request_error);
    if (request_error) {
        context.fail(*request_error);
        return;
    }
    report_deletions(context, outcomes, "group_id", "group");
}

// The strategy the options chose, or the usage error.
client::client_result<reset_plan> plan_from(const group_arguments& arguments,
                                            std::optional<int64_t>& timestamp) {
    int chosen = (arguments.to_earliest ? 1 : 0) + (arguments.to_latest ? 1 : 0) +
                 (arguments.to_offset ? 1 : 0) + (arguments.to_timestamp ? 1 : 0) +
                 (arguments.to_datetime ? 1 : 0) + (arguments.shift_by ? 1 : 0);
    if (chosen != 1) {
        return failure{client::invalid(
            "give exactly one of --to-earliest, --to-latest, --to-offset, --to-timestamp, "
            "--to-datetime, --shift-by")};
    }
    if (arguments.to_earliest) {
        return reset_plan{.kind = reset_kind::earliest, .value = 0};
    }
    if (arguments.to_latest) {
        return reset_plan{.kind = reset_kind::latest, .value = 0};
    }
    if (arguments.to_offset) {
        return reset_plan{.kind = reset_kind::to_offset, .value = *arguments.to_offset};
    }
    if (arguments.shift_by) {
        return reset_plan{.kind = reset_kind::shift_by, .value = *arguments.shift_by};
    }
    if (arguments.to_timestamp) {
        timestamp = *arguments.to_timestamp;
    } else {
        auto parsed = parse_iso8601_ms(*arguments.to_datetime);
        if (!parsed) {
            return failure{client::invalid("--to-datetime " + parsed.error())};
        }
        timestamp = *parsed;
    }
    return reset_plan{.kind = reset_kind::to_timestamp, .value = 0};
}

// The partitions to reset with their offsets, or nullopt after reporting the failure.
std::optional<std::vector<partition_state>> partition_states(
    cli_context& context, client::admin_client& admin, const std::vector<topic_selection>& topics,
    const std::vector<client::partition_offset>& committed, std::optional<int64_t> timestamp) {
    std::vector<partition_state> states;
    for (const auto& selection : topics) {
        auto existing = partition_ids(context, admin, selection.topic);
        if (!existing) {
            return std::nullopt;
        }
        std::vector<int32_t> chosen =
            selection.partitions.empty() ? *existing : selection.partitions;
        for (auto partition : chosen) {
            if (std::find(existing->begin(), existing->end(), partition) == existing->end()) {
                context.fail(client::refused("topic \"" + selection.topic + "\" has no partition " +
                                             std::to_string(partition)));
                return std::nullopt;
            }
            auto marks = admin.query_watermarks(selection.topic, partition);
            if (!marks) {
                context.fail(marks.error());
                return std::nullopt;
            }
            partition_state state{.topic = selection.topic,
                                  .partition = partition,
                                  .earliest = marks->low,
                                  .latest = marks->high,
                                  .committed = std::nullopt,
                                  .offset_for_time = std::nullopt};
            for (const auto& offset : committed) {
                if (offset.topic == selection.topic && offset.partition == partition &&
                    !offset.error && offset.offset >= 0) {
                    state.committed = offset.offset;
                }
            }
            states.push_back(std::move(state));
        }
    }
    if (timestamp) {
        std::vector<client::partition_offset> query;
        for (const auto& state : states) {
            query.push_back({.topic = state.topic,
                             .partition = state.partition,
                             .offset = *timestamp,
                             .error = std::nullopt});
        }
        auto found = admin.offsets_for_times(query);
        if (!found) {
            context.fail(found.error());
            return std::nullopt;
        }
        for (std::size_t i = 0; i < states.size() && i < found->size(); ++i) {
            if (!(*found)[i].error && (*found)[i].offset >= 0) {
                states[i].offset_for_time = (*found)[i].offset;
            }
        }
    }
    return states;
}

void run_reset_offsets(cli_context& context, const group_arguments& arguments) {
    std::optional<int64_t> timestamp;
    auto plan = plan_from(arguments, timestamp);
    if (!plan) {
        context.fail_usage(plan.error().message);
        return;
    }
    std::vector<topic_selection> topics;
    for (const auto& text : arguments.topics) {
        auto selection = parse_topic_selection(text);
        if (!selection) {
            context.fail_usage(selection.error().message);
            return;
        }
        topics.push_back(std::move(selection).value());
    }
    auto admin = open_admin(context);
    if (!admin) {
        return;
    }
    auto group = admin->describe_group(arguments.group);
    if (!group) {
        context.fail(group.error());
        return;
    }
    // Kafka's rule: offsets of a group with live consumers would be overwritten by their
    // next commit, so only an inactive group may be reset.
    if (!group->members.empty() || (group->state != "Empty" && group->state != "Dead")) {
        context.fail(client::refused("group \"" + arguments.group + "\" is active (state " +
                                     group->state +
                                     "); stop its consumers before resetting its offsets"));
        return;
    }
    auto committed = admin->list_group_offsets(arguments.group);
    if (!committed) {
        context.fail(committed.error());
        return;
    }
    auto states = partition_states(context, *admin, topics, *committed, timestamp);
    if (!states) {
        return;
    }
    std::vector<client::partition_offset> offsets;
    for (const auto& state : *states) {
        auto offset = new_offset(*plan, state);
        if (!offset) {
            context.fail(offset.error());
            return;
        }
        offsets.push_back({.topic = state.topic,
                           .partition = state.partition,
                           .offset = *offset,
                           .error = std::nullopt});
    }
    if (!arguments.dry_run) {
        auto altered = admin->alter_group_offsets(arguments.group, offsets);
        if (!altered) {
            context.fail(altered.error());
            return;
        }
        for (const auto& partition : *altered) {
            if (partition.error) {
                context.fail(*partition.error);
                return;
            }
        }
    }
    if (wants_json(context)) {
        protocol::json_writer json;
        json.begin_object();
        json.key("group_id");
        json.value(arguments.group);
        json.key("dry_run");
        json.value(arguments.dry_run);
        json.key("offsets");
        json.begin_array();
        for (std::size_t i = 0; i < offsets.size(); ++i) {
            json.begin_object();
            json.key("topic");
            json.value(offsets[i].topic);
            json.key("partition");
            json.value(static_cast<int64_t>(offsets[i].partition));
            json.key("previous_offset");
            output::write_optional(json, (*states)[i].committed);
            json.key("new_offset");
            json.value(offsets[i].offset);
            json.end_object();
        }
        json.end_array();
        json.end_object();
        output::print_json(json);
        return;
    }
    output::table table({"GROUP", "TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET"});
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        table.add_row({arguments.group, offsets[i].topic, std::to_string(offsets[i].partition),
                       or_dash((*states)[i].committed), std::to_string(offsets[i].offset)});
    }
    output::print(table.render() +
                  (arguments.dry_run ? "(dry run: nothing was changed)\n" : std::string()));
}

}  // namespace

void add_group_command(CLI::App& app, cli_context& context) {
    auto arguments = std::make_shared<group_arguments>();
    CLI::App* group = app.add_subcommand(
        "group", "List, describe, delete consumer groups and reset their offsets.");
    group->require_subcommand(1);
    group->footer(
        "Examples:\n"
        "  samsa group list\n"
        "  samsa group describe billing\n"
        "  samsa group reset-offsets billing --topic orders --to-earliest");

    CLI::App* list = group->add_subcommand("list", "List the consumer groups and their states.");
    list->footer(
        "Examples:\n"
        "  samsa group list\n"
        "  samsa group list --format json");
    list->callback([&context] { run_list(context); });

    CLI::App* describe = group->add_subcommand(
        "describe", "Show a group's state, members, assignments, committed offsets and lag.");
    describe->add_option("GROUP", arguments->group, "the group id")->required();
    describe->footer(
        "Examples:\n"
        "  samsa group describe billing\n"
        "  samsa group describe billing --format json");
    describe->callback([&context, arguments] { run_describe(context, *arguments); });

    CLI::App* remove = group->add_subcommand(
        "delete", "Delete groups (with their committed offsets); they must have no members.");
    remove->add_option("GROUP", arguments->groups, "the group ids")->required();
    remove->footer(
        "Examples:\n"
        "  samsa group delete billing\n"
        "  samsa group delete billing audit --format json");
    remove->callback([&context, arguments] { run_delete(context, *arguments); });

    CLI::App* reset = group->add_subcommand(
        "reset-offsets",
        "Set an inactive group's committed offsets (earliest, latest, offset, time, shift).");
    reset->add_option("GROUP", arguments->group, "the group id")->required();
    reset
        ->add_option("--topic", arguments->topics,
                     "a topic, or TOPIC:P,P,... for some partitions; repeatable")
        ->required()
        ->type_name("TOPIC[:P,...]")
        ->allow_extra_args(false);
    reset->add_flag("--to-earliest", arguments->to_earliest, "the earliest offset");
    reset->add_flag("--to-latest", arguments->to_latest, "the latest offset (skip everything)");
    reset
        ->add_option("--to-offset", arguments->to_offset,
                     "this offset (kept within earliest..latest)")
        ->check(CLI::NonNegativeNumber);
    reset
        ->add_option("--to-timestamp", arguments->to_timestamp,
                     "the first record at or after this time, ms since the epoch")
        ->type_name("MS")
        ->check(CLI::NonNegativeNumber);
    reset
        ->add_option("--to-datetime", arguments->to_datetime,
                     "the same with an ISO-8601 time, e.g. 2024-05-01T12:00:00Z (UTC if no zone)")
        ->type_name("ISO8601");
    reset
        ->add_option("--shift-by", arguments->shift_by,
                     "move the committed offset by N (negative: back)")
        ->type_name("N");
    reset->add_flag("--dry-run", arguments->dry_run, "print the new offsets, change nothing");
    reset->footer(
        "Examples:\n"
        "  samsa group reset-offsets billing --topic orders --to-earliest\n"
        "  samsa group reset-offsets billing --topic orders:0,1 --shift-by -100 --dry-run\n"
        "  samsa group reset-offsets billing --topic orders --to-datetime 2024-05-01T00:00:00Z");
    reset->callback([&context, arguments] { run_reset_offsets(context, *arguments); });
}

}  // namespace samsa::cli
