#include "client/admin_client.h"

#include "client/kafka_connection.h"
#include "protocol/generated/api_registry.h"

#include <algorithm>
#include <tuple>

namespace samsa::client {

namespace {

// Kafka's API keys of the requests librdkafka sends for each admin call.
constexpr int16_t create_topics_key = 19;
constexpr int16_t delete_topics_key = 20;
constexpr int16_t create_partitions_key = 37;
constexpr int16_t describe_configs_key = 32;
constexpr int16_t delete_records_key = 21;
constexpr int16_t list_groups_key = 16;
constexpr int16_t describe_groups_key = 15;
constexpr int16_t delete_groups_key = 42;
constexpr int16_t offset_fetch_key = 9;
constexpr int16_t offset_commit_key = 8;

bool is_unreachable(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__TIMED_OUT || code == RD_KAFKA_RESP_ERR__TRANSPORT ||
           code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__RESOLVE ||
           code == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE;
}

// The operation's own time plus a margin for librdkafka to report its own timeout first.
constexpr int wait_margin_ms = 2000;

std::vector<partition_offset> from_list(const rd_kafka_topic_partition_list_t* list,
                                        const admin_client& admin, const std::string& what) {
    std::vector<partition_offset> out;
    if (list == nullptr) {
        return out;
    }
    for (int i = 0; i < list->cnt; ++i) {
        const auto& element = list->elems[i];
        partition_offset entry{.topic = element.topic,
                               .partition = element.partition,
                               .offset = element.offset,
                               .error = std::nullopt};
        if (element.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            entry.error = admin.error_for(element.err, what + " " + element.topic + "[" +
                                                           std::to_string(element.partition) + "]");
        }
        out.push_back(std::move(entry));
    }
    return out;
}

topic_partition_list_handle to_list(const std::vector<partition_offset>& offsets) {
    topic_partition_list_handle list(
        rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& entry : offsets) {
        rd_kafka_topic_partition_list_add(list.get(), entry.topic.c_str(), entry.partition)
            ->offset = entry.offset;
    }
    return list;
}

}  // namespace

std::string config_source_name(rd_kafka_ConfigSource_t source) {
    return rd_kafka_ConfigSource_name(source);
}

admin_client::admin_client(client_handle client, connection_settings settings)
    : client_(std::move(client)),
      queue_(rd_kafka_queue_new(client_.get())),
      settings_(std::move(settings)) {}

client_result<admin_client> admin_client::create(const connection_settings& settings) {
    auto client = client_config(settings, "samsa-cli").create(RD_KAFKA_PRODUCER);
    if (!client) {
        return failure{client.error()};
    }
    return admin_client(std::move(client).value(), settings);
}

client_error admin_client::error_for(rd_kafka_resp_err_t code, const std::string& what,
                                     const char* detail) const {
    if (is_unreachable(code)) {
        return unreachable("no broker answered at " + settings_.bootstrap_servers + " within " +
                           std::to_string(settings_.timeout_ms) + " ms (" + what + ")");
    }
    std::string reason = detail != nullptr && *detail != '\0' ? detail : rd_kafka_err2str(code);
    std::string name = rd_kafka_err2name(code);
    std::string message = "cannot " + what + ": " + reason;
    if (reason.find(name) == std::string::npos && !name.empty() && name[0] != '_') {
        message += " (" + name + ")";
    }
    if (code == RD_KAFKA_RESP_ERR__INVALID_ARG) {
        return invalid(std::move(message));
    }
    return refused(std::move(message));
}

admin_options_handle admin_client::options(rd_kafka_admin_op_t op) {
    admin_options_handle options(rd_kafka_AdminOptions_new(client_.get(), op));
    char reason[256];
    rd_kafka_AdminOptions_set_request_timeout(options.get(), settings_.timeout_ms, reason,
                                              sizeof reason);
    // Not every op takes an operation timeout; those that do wait for the change to apply.
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), settings_.timeout_ms, reason,
                                                sizeof reason);
    return options;
}

client_result<event_handle> admin_client::wait(const std::string& what, int16_t api_key) {
    event_handle event(rd_kafka_queue_poll(queue_.get(), settings_.timeout_ms + wait_margin_ms));
    rd_kafka_resp_err_t code =
        event ? rd_kafka_event_error(event.get()) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return event;
    }
    if (is_unreachable(code)) {
        // librdkafka waits for a broker offering the API and then times out, which would
        // blame the network for a broker that simply lacks the API: ask the broker.
        if (auto lacking = missing_api(api_key)) {
            return failure{refused("cannot " + what + ": " + *lacking)};
        }
        return failure{error_for(code, what)};
    }
    return failure{error_for(code, what, rd_kafka_event_error_string(event.get()))};
}

std::optional<std::string> admin_client::missing_api(int16_t api_key) const {
    constexpr int probe_timeout_ms = 2000;
    auto connection = kafka_connection::open_any(
        {.bootstrap_servers = settings_.bootstrap_servers,
         .properties = {},
         .timeout_ms = std::min(settings_.timeout_ms, probe_timeout_ms)});
    if (!connection || connection->negotiated_version(api_key)) {
        return std::nullopt;
    }
    const protocol::api_descriptor* api = protocol::find_api(api_key);
    return "the broker at " + connection->address() + " does not support " +
           (api != nullptr ? std::string(api->name) : std::to_string(api_key));
}

client_result<cluster_metadata> admin_client::metadata(const std::optional<std::string>& topic) {
    const rd_kafka_metadata_t* raw = nullptr;
    topic_handle only;
    if (topic) {
        only.reset(rd_kafka_topic_new(client_.get(), topic->c_str(), nullptr));
    }
    rd_kafka_resp_err_t code =
        rd_kafka_metadata(client_.get(), topic ? 0 : 1, only.get(), &raw, settings_.timeout_ms);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{error_for(code, "read the cluster's metadata")};
    }
    metadata_handle owned(raw);
    cluster_metadata out;
    out.answering_broker = raw->orig_broker_id;
    for (int i = 0; i < raw->broker_cnt; ++i) {
        out.brokers.push_back({.id = raw->brokers[i].id,
                               .host = raw->brokers[i].host,
                               .port = raw->brokers[i].port,
                               .rack = std::nullopt});
    }
    std::sort(out.brokers.begin(), out.brokers.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (int i = 0; i < raw->topic_cnt; ++i) {
        const auto& source = raw->topics[i];
        topic_info info{.name = source.topic, .partitions = {}, .error = {}};
        if (source.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (topic && source.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                return failure{refused("topic \"" + *topic + "\" does not exist")};
            }
            info.error = rd_kafka_err2name(source.err);
        }
        for (int p = 0; p < source.partition_cnt; ++p) {
            const auto& partition = source.partitions[p];
            partition_info entry{
                .partition = partition.id,
                .leader = partition.leader,
                .replicas = {partition.replicas, partition.replicas + partition.replica_cnt},
                .in_sync_replicas = {partition.isrs, partition.isrs + partition.isr_cnt},
                .error = {}};
            if (partition.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                entry.error = rd_kafka_err2name(partition.err);
            }
            info.partitions.push_back(std::move(entry));
        }
        std::sort(info.partitions.begin(), info.partitions.end(),
                  [](const auto& a, const auto& b) { return a.partition < b.partition; });
        out.topics.push_back(std::move(info));
    }
    std::sort(out.topics.begin(), out.topics.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

client_result<bool> admin_client::create_topic(const new_topic& topic) {
    char reason[512];
    rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(
        topic.name.c_str(), topic.partitions, topic.replication_factor, reason, sizeof reason);
    if (request == nullptr) {
        return failure{invalid("cannot create topic \"" + topic.name + "\": " + reason)};
    }
    for (const auto& [name, value] : topic.configs) {
        rd_kafka_NewTopic_set_config(request, name.c_str(), value.c_str());
    }
    auto options = this->options(RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(client_.get(), &request, 1, options.get(), queue_.get());
    rd_kafka_NewTopic_destroy(request);
    std::string what = "create topic \"" + topic.name + "\"";
    auto event = wait(what, create_topics_key);
    if (!event) {
        return failure{event.error()};
    }
    std::size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(event->get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        rd_kafka_resp_err_t code = rd_kafka_topic_result_error(results[i]);
        if (code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            return failure{refused("topic \"" + topic.name + "\" already exists")};
        }
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return failure{error_for(code, what, rd_kafka_topic_result_error_string(results[i]))};
        }
    }
    return true;
}

std::vector<item_outcome> admin_client::delete_topics(const std::vector<std::string>& names,
                                                      std::optional<client_error>& request_error) {
    std::vector<rd_kafka_DeleteTopic_t*> requests;
    for (const auto& name : names) {
        requests.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
    }
    auto options = this->options(RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(client_.get(), requests.data(), requests.size(), options.get(),
                          queue_.get());
    rd_kafka_DeleteTopic_destroy_array(requests.data(), requests.size());
    std::vector<item_outcome> out;
    auto event = wait("delete topics", delete_topics_key);
    if (!event) {
        request_error = event.error();
        return out;
    }
    std::size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(
        rd_kafka_event_DeleteTopics_result(event->get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        std::string name = rd_kafka_topic_result_name(results[i]);
        item_outcome outcome{.name = name, .error = std::nullopt};
        rd_kafka_resp_err_t code = rd_kafka_topic_result_error(results[i]);
        if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            outcome.error = refused("topic \"" + name + "\" does not exist");
        } else if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            outcome.error = error_for(code, "delete topic \"" + name + "\"",
                                      rd_kafka_topic_result_error_string(results[i]));
        }
        out.push_back(std::move(outcome));
    }
    return out;
}

client_result<bool> admin_client::create_partitions(const std::string& topic, int total) {
    char reason[512];
    rd_kafka_NewPartitions_t* request = rd_kafka_NewPartitions_new(
        topic.c_str(), static_cast<std::size_t>(total), reason, sizeof reason);
    if (request == nullptr) {
        return failure{invalid("cannot add partitions to \"" + topic + "\": " + reason)};
    }
    auto options = this->options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
    rd_kafka_CreatePartitions(client_.get(), &request, 1, options.get(), queue_.get());
    rd_kafka_NewPartitions_destroy(request);
    std::string what = "add partitions to topic \"" + topic + "\"";
    auto event = wait(what, create_partitions_key);
    if (!event) {
        return failure{event.error()};
    }
    std::size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(event->get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        rd_kafka_resp_err_t code = rd_kafka_topic_result_error(results[i]);
        if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            return failure{refused("topic \"" + topic + "\" does not exist")};
        }
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return failure{error_for(code, what, rd_kafka_topic_result_error_string(results[i]))};
        }
    }
    return true;
}

client_result<std::vector<config_entry>> admin_client::describe_configs(config_resource type,
                                                                        const std::string& name) {
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(
        type == config_resource::topic ? RD_KAFKA_RESOURCE_TOPIC : RD_KAFKA_RESOURCE_BROKER,
        name.c_str());
    auto options = this->options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(client_.get(), &resource, 1, options.get(), queue_.get());
    rd_kafka_ConfigResource_destroy(resource);
    std::string what = type == config_resource::topic
                           ? "describe the configs of topic \"" + name + "\""
                           : "describe the configs of broker " + name;
    auto event = wait(what, describe_configs_key);
    if (!event) {
        return failure{event.error()};
    }
    std::size_t count = 0;
    const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(event->get()), &count);
    std::vector<config_entry> out;
    for (std::size_t i = 0; i < count; ++i) {
        rd_kafka_resp_err_t code = rd_kafka_ConfigResource_error(resources[i]);
        if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            return failure{refused("topic \"" + name + "\" does not exist")};
        }
        if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return failure{
                error_for(code, what, rd_kafka_ConfigResource_error_string(resources[i]))};
        }
        std::size_t entries = 0;
        const rd_kafka_ConfigEntry_t** configs =
            rd_kafka_ConfigResource_configs(resources[i], &entries);
        for (std::size_t e = 0; e < entries; ++e) {
            const char* value = rd_kafka_ConfigEntry_value(configs[e]);
            out.push_back(
                {.name = rd_kafka_ConfigEntry_name(configs[e]),
                 .value = value != nullptr ? std::optional<std::string>(value) : std::nullopt,
                 .source = config_source_name(rd_kafka_ConfigEntry_source(configs[e])),
                 .read_only = rd_kafka_ConfigEntry_is_read_only(configs[e]) != 0,
                 .sensitive = rd_kafka_ConfigEntry_is_sensitive(configs[e]) != 0,
                 .is_default = rd_kafka_ConfigEntry_is_default(configs[e]) != 0});
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

client_result<std::vector<partition_offset>> admin_client::delete_records(
    const std::vector<partition_offset>& before) {
    auto list = to_list(before);
    rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(list.get());
    auto options = this->options(RD_KAFKA_ADMIN_OP_DELETERECORDS);
    rd_kafka_DeleteRecords(client_.get(), &request, 1, options.get(), queue_.get());
    rd_kafka_DeleteRecords_destroy(request);
    auto event = wait("delete records", delete_records_key);
    if (!event) {
        return failure{event.error()};
    }
    return from_list(
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event->get())),
        *this, "delete records of");
}

client_result<watermarks> admin_client::query_watermarks(const std::string& topic,
                                                         int32_t partition) {
    watermarks out;
    rd_kafka_resp_err_t code = rd_kafka_query_watermark_offsets(
        client_.get(), topic.c_str(), partition, &out.low, &out.high, settings_.timeout_ms);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{error_for(
            code, "read the offsets of " + topic + "[" + std::to_string(partition) + "]")};
    }
    return out;
}

client_result<std::vector<partition_offset>> admin_client::offsets_for_times(
    const std::vector<partition_offset>& timestamps) {
    auto list = to_list(timestamps);
    rd_kafka_resp_err_t code =
        rd_kafka_offsets_for_times(client_.get(), list.get(), settings_.timeout_ms);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{error_for(code, "look up offsets by timestamp")};
    }
    return from_list(list.get(), *this, "look up the offset by timestamp of");
}

client_result<std::vector<group_listing>> admin_client::list_groups() {
    auto options = this->options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_ListConsumerGroups(client_.get(), options.get(), queue_.get());
    auto event = wait("list groups", list_groups_key);
    if (!event) {
        return failure{event.error()};
    }
    const auto* result = rd_kafka_event_ListConsumerGroups_result(event->get());
    std::size_t error_count = 0;
    const rd_kafka_error_t** errors =
        rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
    std::size_t count = 0;
    const rd_kafka_ConsumerGroupListing_t** groups =
        rd_kafka_ListConsumerGroups_result_valid(result, &count);
    if (error_count > 0 && count == 0) {
        return failure{error_for(rd_kafka_error_code(errors[0]), "list groups",
                                 rd_kafka_error_string(errors[0]))};
    }
    std::vector<group_listing> out;
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(
            {.group_id = rd_kafka_ConsumerGroupListing_group_id(groups[i]),
             .state =
                 rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i])),
             .is_simple = rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]) != 0});
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
    return out;
}

client_result<group_description> admin_client::describe_group(const std::string& group) {
    const char* groups[] = {group.c_str()};
    auto options = this->options(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    rd_kafka_DescribeConsumerGroups(client_.get(), groups, 1, options.get(), queue_.get());
    std::string what = "describe group \"" + group + "\"";
    auto event = wait(what, describe_groups_key);
    if (!event) {
        return failure{event.error()};
    }
    std::size_t count = 0;
    const rd_kafka_ConsumerGroupDescription_t** descriptions =
        rd_kafka_DescribeConsumerGroups_result_groups(
            rd_kafka_event_DescribeConsumerGroups_result(event->get()), &count);
    if (count == 0) {
        return failure{refused("cannot " + what + ": the broker sent no description")};
    }
    const auto* description = descriptions[0];
    if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(description)) {
        return failure{error_for(rd_kafka_error_code(error), what, rd_kafka_error_string(error))};
    }
    group_description out;
    out.group_id = rd_kafka_ConsumerGroupDescription_group_id(description);
    out.state =
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(description));
    const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(description);
    out.protocol = assignor != nullptr ? assignor : "";
    out.is_simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(description) != 0;
    if (const rd_kafka_Node_t* coordinator =
            rd_kafka_ConsumerGroupDescription_coordinator(description)) {
        out.coordinator = rd_kafka_Node_id(coordinator);
    }
    std::size_t members = rd_kafka_ConsumerGroupDescription_member_count(description);
    for (std::size_t i = 0; i < members; ++i) {
        const auto* member = rd_kafka_ConsumerGroupDescription_member(description, i);
        group_member entry;
        entry.member_id = rd_kafka_MemberDescription_consumer_id(member);
        entry.client_id = rd_kafka_MemberDescription_client_id(member);
        entry.host = rd_kafka_MemberDescription_host(member);
        if (const char* instance = rd_kafka_MemberDescription_group_instance_id(member)) {
            entry.group_instance_id = instance;
        }
        if (const auto* assignment = rd_kafka_MemberDescription_assignment(member)) {
            if (const auto* partitions = rd_kafka_MemberAssignment_partitions(assignment)) {
                for (int p = 0; p < partitions->cnt; ++p) {
                    entry.assignment.emplace_back(partitions->elems[p].topic,
                                                  partitions->elems[p].partition);
                }
            }
        }
        std::sort(entry.assignment.begin(), entry.assignment.end());
        out.members.push_back(std::move(entry));
    }
    return out;
}

std::vector<item_outcome> admin_client::delete_groups(const std::vector<std::string>& groups,
                                                      std::optional<client_error>& request_error) {
    std::vector<rd_kafka_DeleteGroup_t*> requests;
    for (const auto& group : groups) {
        requests.push_back(rd_kafka_DeleteGroup_new(group.c_str()));
    }
    auto options = this->options(RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroups(client_.get(), requests.data(), requests.size(), options.get(),
                          queue_.get());
    rd_kafka_DeleteGroup_destroy_array(requests.data(), requests.size());
    std::vector<item_outcome> out;
    auto event = wait("delete groups", delete_groups_key);
    if (!event) {
        request_error = event.error();
        return out;
    }
    std::size_t count = 0;
    const rd_kafka_group_result_t** results = rd_kafka_DeleteGroups_result_groups(
        rd_kafka_event_DeleteGroups_result(event->get()), &count);
    for (std::size_t i = 0; i < count; ++i) {
        std::string name = rd_kafka_group_result_name(results[i]);
        item_outcome outcome{.name = name, .error = std::nullopt};
        if (const rd_kafka_error_t* error = rd_kafka_group_result_error(results[i])) {
            rd_kafka_resp_err_t code = rd_kafka_error_code(error);
            if (code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
                outcome.error = refused("group \"" + name + "\" does not exist");
            } else if (code == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP) {
                outcome.error =
                    refused("group \"" + name + "\" has active members; stop its consumers first");
            } else {
                outcome.error =
                    error_for(code, "delete group \"" + name + "\"", rd_kafka_error_string(error));
            }
        }
        out.push_back(std::move(outcome));
    }
    return out;
}

client_result<std::vector<partition_offset>> admin_client::list_group_offsets(
    const std::string& group) {
    // No partitions: every partition the group has committed.
    rd_kafka_ListConsumerGroupOffsets_t* request =
        rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
    auto options = this->options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(client_.get(), &request, 1, options.get(), queue_.get());
    rd_kafka_ListConsumerGroupOffsets_destroy(request);
    std::string what = "read the committed offsets of group \"" + group + "\"";
    auto event = wait(what, offset_fetch_key);
    if (!event) {
        return failure{event.error()};
    }
    std::size_t count = 0;
    const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(event->get()), &count);
    std::vector<partition_offset> out;
    for (std::size_t i = 0; i < count; ++i) {
        if (const rd_kafka_error_t* error = rd_kafka_group_result_error(results[i])) {
            return failure{
                error_for(rd_kafka_error_code(error), what, rd_kafka_error_string(error))};
        }
        auto partitions = from_list(rd_kafka_group_result_partitions(results[i]), *this,
                                    "read the committed offset of");
        out.insert(out.end(), partitions.begin(), partitions.end());
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
    });
    return out;
}

client_result<std::vector<partition_offset>> admin_client::alter_group_offsets(
    const std::string& group, const std::vector<partition_offset>& offsets) {
    auto list = to_list(offsets);
    rd_kafka_AlterConsumerGroupOffsets_t* request =
        rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
    auto options = this->options(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    rd_kafka_AlterConsumerGroupOffsets(client_.get(), &request, 1, options.get(), queue_.get());
    rd_kafka_AlterConsumerGroupOffsets_destroy(request);
    std::string what = "commit offsets for group \"" + group + "\"";
    auto event = wait(what, offset_commit_key);
    if (!event) {
        return failure{event.error()};
    }
    std::size_t count = 0;
    const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(event->get()), &count);
    std::vector<partition_offset> out;
    for (std::size_t i = 0; i < count; ++i) {
        if (const rd_kafka_error_t* error = rd_kafka_group_result_error(results[i])) {
            return failure{
                error_for(rd_kafka_error_code(error), what, rd_kafka_error_string(error))};
        }
        auto partitions =
            from_list(rd_kafka_group_result_partitions(results[i]), *this, "commit the offset of");
        out.insert(out.end(), partitions.begin(), partitions.end());
    }
    return out;
}

std::string admin_client::cluster_id() {
    char* id = rd_kafka_clusterid(client_.get(), settings_.timeout_ms);
    if (id == nullptr) {
        return "";
    }
    std::string out = id;
    rd_kafka_mem_free(client_.get(), id);
    return out;
}

int32_t admin_client::controller_id() {
    return rd_kafka_controllerid(client_.get(), settings_.timeout_ms);
}

}  // namespace samsa::client
