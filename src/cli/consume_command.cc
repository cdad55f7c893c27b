// samsa consume TOPIC: print a topic's records, kcat-style. Without a group the command
// assigns the partitions itself and never commits; with -g it subscribes as a member of the
// group, starts each partition at the group's committed offset (else where -o says) and
// commits what it printed. Without --follow it stops at the end of every partition as of
// the start (kcat -e); with it, at SIGINT or SIGTERM.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/consume_plan.h"
#include "cli/consumer_shutdown.h"
#include "cli/iso8601_time.h"
#include "cli/output.h"
#include "cli/record_format.h"
#include "cli/start_position.h"
#include "cli/stop_signal.h"
#include "cli/topic_lookup.h"
#include "client/client_config.h"

namespace samsa::cli {

namespace {

struct consume_options {
    std::string topic;
    std::string offset = "beginning";
    bool from_beginning = false;
    std::optional<int64_t> timestamp_ms;
    std::optional<std::string> datetime;
    std::vector<int32_t> partitions;
    std::optional<std::string> group;
    std::optional<int64_t> count;
    bool follow = false;
    std::string format_string = "%s\\n";
};

struct partition_progress {
    partition_plan plan;
    bool done = false;
};

// The state of one run; the rebalance callback (group mode) updates it on this thread,
// inside rd_kafka_consumer_poll.
struct consume_session {
    const consume_options* options = nullptr;
    const client::connection_settings* connection = nullptr;
    start_position position;
    std::map<int32_t, partition_progress> partitions;  // the assigned ones
    bool assigned = false;
    std::optional<client::client_error> failure;

    bool finished() const {
        if (!assigned) {
            return false;
        }
        for (const auto& [partition, progress] : partitions) {
            if (!progress.done) {
                return false;
            }
        }
        return true;
    }

    void assign(rd_kafka_t* consumer, std::map<int32_t, partition_plan> plans) {
        client::topic_partition_list_handle list(
            rd_kafka_topic_partition_list_new(static_cast<int>(plans.size())));
        partitions.clear();
        for (const auto& [partition, plan] : plans) {
            rd_kafka_topic_partition_list_add(list.get(), options->topic.c_str(), partition)
                ->offset = plan.start_offset;
            partitions[partition] = {.plan = plan, .done = plan.start_offset >= plan.stop_offset};
        }
        rd_kafka_assign(consumer, list.get());
        assigned = true;
    }
};

void on_rebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t event,
                  rd_kafka_topic_partition_list_t* list, void* opaque) {
    auto* session = static_cast<consume_session*>(opaque);
    if (event != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        session->partitions.clear();
        rd_kafka_assign(consumer, nullptr);
        return;
    }
    std::vector<int32_t> partitions;
    for (int i = 0; i < list->cnt; ++i) {
        partitions.push_back(list->elems[i].partition);
    }
    auto plans = plan_partitions(consumer, session->options->topic, partitions, session->position,
                                 true, *session->connection);
    if (!plans) {
        session->failure = plans.error();
        rd_kafka_assign(consumer, nullptr);
        return;
    }
    session->assign(consumer, std::move(plans).value());
}

record_view view_of(const rd_kafka_message_t* message, const std::string& topic) {
    record_view record;
    record.topic = topic;
    record.partition = message->partition;
    record.offset = message->offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    record.timestamp_ms = rd_kafka_message_timestamp(message, &type);
    if (message->key != nullptr) {
        record.key = std::string_view(static_cast<const char*>(message->key), message->key_len);
    }
    if (message->payload != nullptr) {
        record.value = std::string_view(static_cast<const char*>(message->payload), message->len);
    }
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            record_header header{.name = name, .value = std::nullopt};
            if (value != nullptr) {
                header.value = std::string_view(static_cast<const char*>(value), size);
            }
            record.headers.push_back(header);
        }
    }
    return record;
}

// Marks the record printed, for the group's next commit (enable.auto.offset.store is off so
// that a record fetched but not printed is not committed).
void store_next_offset(rd_kafka_t* consumer, const std::string& topic, int32_t partition,
                       int64_t next_offset) {
    client::topic_partition_list_handle list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = next_offset;
    rd_kafka_offsets_store(consumer, list.get());
}

bool is_fatal(rd_kafka_resp_err_t error) {
    return error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
           error == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
           error == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
           error == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
           error == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
}

// Reads until the end (or --count, or a signal); returns the failure that stopped it.
std::optional<client::client_error> consume_loop(rd_kafka_t* consumer, consume_session& session,
                                                 cli_context& context,
                                                 const record_format& format) {
    const consume_options& options = *session.options;
    const auto idle_limit = std::chrono::milliseconds(context.connection.timeout_ms);
    auto last_progress = std::chrono::steady_clock::now();
    const bool flush_each = options.follow;
    stop_signal_scope signals;
    int64_t printed = 0;
    while (!signals.stop_requested() && !session.failure &&
           !(options.count && printed >= *options.count) &&
           !(!options.follow && session.finished())) {
        client::message_handle message(rd_kafka_consumer_poll(consumer, 200));
        if (!message) {
            if (!options.follow && std::chrono::steady_clock::now() - last_progress > idle_limit) {
                return client::unreachable(
                    std::string(session.assigned ? "no records" : "no partitions assigned") +
                    " from " + context.connection.bootstrap_servers + " within " +
                    std::to_string(context.connection.timeout_ms) + " ms");
            }
            continue;
        }
        auto progress = session.partitions.find(message->partition);
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            last_progress = std::chrono::steady_clock::now();
            if (progress != session.partitions.end() &&
                message->offset >= progress->second.plan.stop_offset) {
                progress->second.done = true;
            }
            continue;
        }
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (is_fatal(message->err)) {
                return rdkafka_failure(message->err, "reading topic \"" + options.topic + "\"",
                                       context.connection);
            }
            // Transient (a broker restarting): librdkafka retries; not progress, so a
            // broker gone for good still ends a run without -f after --timeout.
            continue;
        }
        last_progress = std::chrono::steady_clock::now();
        if (progress == session.partitions.end()) {
            continue;  // from a partition revoked meanwhile
        }
        partition_progress& partition = progress->second;
        if (!options.follow && partition.done) {
            continue;  // past the end as of the start: left for the next run
        }
        record_view record = view_of(message.get(), options.topic);
        if (context.format == output_format::json) {
            output::print(record_to_json(record) + "\n");
        } else {
            output::print(format.render(record));
        }
        if (flush_each) {
            std::fflush(stdout);
        }
        if (options.group) {
            store_next_offset(consumer, options.topic, message->partition, message->offset + 1);
        }
        ++printed;
        if (message->offset + 1 >= partition.plan.stop_offset) {
            partition.done = true;
        }
    }
    return session.failure;
}

// The partitions to read without a group: -p's, else every partition of the topic.
client::client_result<std::vector<int32_t>> chosen_partitions(const consume_options& options,
                                                              int32_t partition_count) {
    std::vector<int32_t> partitions;
    if (options.partitions.empty()) {
        for (int32_t partition = 0; partition < partition_count; ++partition) {
            partitions.push_back(partition);
        }
        return partitions;
    }
    for (int32_t partition : options.partitions) {
        if (partition >= partition_count) {
            return failure{client::refused("topic \"" + options.topic + "\" has no partition " +
                                           std::to_string(partition) + " (it has " +
                                           std::to_string(partition_count) + ")")};
        }
        if (std::find(partitions.begin(), partitions.end(), partition) == partitions.end()) {
            partitions.push_back(partition);
        }
    }
    return partitions;
}

// The start position from -o, --from-beginning, --timestamp or --datetime.
result<start_position, std::string> requested_start(const consume_options& options) {
    if (options.timestamp_ms) {
        return start_position{.kind = start_kind::timestamp, .value = *options.timestamp_ms};
    }
    if (options.datetime) {
        auto ms = parse_iso8601_ms(*options.datetime);
        if (!ms) {
            return failure{ms.error()};
        }
        return start_position{.kind = start_kind::timestamp, .value = *ms};
    }
    if (options.from_beginning) {
        return start_position{.kind = start_kind::beginning};
    }
    return parse_start_position(options.offset);
}

client::client_result<client::client_handle> create_consumer(cli_context& context,
                                                             const consume_options& options,
                                                             consume_session& session) {
    client::client_config config(context.connection, "samsa-consume");
    // librdkafka's consumer needs a group.id even to assign partitions itself; without -g
    // the command never joins the group nor commits.
    config.set("group.id", options.group.value_or("samsa-consume"))
        .set("enable.partition.eof", "true")
        .set("enable.auto.commit", options.group ? "true" : "false")
        .set("enable.auto.offset.store", "false")
        // A planned offset no longer in the log (deleted meanwhile): from the log start.
        .set("auto.offset.reset", "earliest")
        .opaque(&session);
    if (options.group) {
        rd_kafka_conf_set_rebalance_cb(config.raw(), on_rebalance);
    }
    return config.create(RD_KAFKA_CONSUMER);
}

// Subscribes (with a group) or assigns the planned partitions (without).
std::optional<client::client_error> start_reading(rd_kafka_t* consumer, cli_context& context,
                                                  const consume_options& options,
                                                  consume_session& session,
                                                  int32_t partition_count) {
    if (options.group) {
        client::topic_partition_list_handle topics(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(topics.get(), options.topic.c_str(),
                                          RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t error = rd_kafka_subscribe(consumer, topics.get());
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return rdkafka_failure(error, "subscribing to topic \"" + options.topic + "\"",
                                   context.connection);
        }
        return std::nullopt;
    }
    auto partitions = chosen_partitions(options, partition_count);
    if (!partitions) {
        return partitions.error();
    }
    auto plans = plan_partitions(consumer, options.topic, *partitions, session.position, false,
                                 context.connection);
    if (!plans) {
        return plans.error();
    }
    session.assign(consumer, std::move(plans).value());
    return std::nullopt;
}

void run_consume(cli_context& context, const consume_options& options) {
    auto format = record_format::parse(options.format_string);
    if (!format) {
        context.fail_usage(format.error());
        return;
    }
    auto position = requested_start(options);
    if (!position) {
        context.fail_usage(position.error());
        return;
    }
    if (position->kind == start_kind::stored && !options.group) {
        context.fail_usage("-o stored needs a group (-g GROUP): only a group has stored offsets");
        return;
    }
    if (options.group && !options.partitions.empty()) {
        context.fail_usage("-p cannot be used with -g: the group assigns the partitions");
        return;
    }
    consume_session session{
        .options = &options, .connection = &context.connection, .position = *position};
    auto consumer = create_consumer(context, options, session);
    if (!consumer) {
        context.fail(consumer.error());
        return;
    }
    auto partition_count =
        topic_partition_count(consumer->get(), options.topic, context.connection);
    std::optional<client::client_error> failed;
    if (!partition_count) {
        failed = partition_count.error();
    } else {
        failed = start_reading(consumer->get(), context, options, session, *partition_count);
    }
    if (!failed) {
        failed = consume_loop(consumer->get(), session, context, *format);
    }
    std::fflush(stdout);
    if (options.group && partition_count) {
        // Commit what was printed, so a failure is reported and the next run of the group
        // starts after it.
        auto commit_failure = commit_stored_offsets(consumer->get(), context.connection);
        if (!failed) {
            failed = commit_failure;
        }
    }
    close_consumer(std::move(consumer).value(), context.connection.timeout_ms);
    if (failed) {
        context.fail(*failed);
    }
}

}  // namespace

void add_consume_command(CLI::App& app, cli_context& context) {
    auto options = std::make_shared<consume_options>();
    CLI::App* command = app.add_subcommand(
        "consume", "Print a topic's records, from a chosen start, alone or in a group.");
    command->footer(
        "Without -f it stops at the end of every partition as of the start; --format json "
        "prints one JSON object per record per line (docs/cli.md).\n\n"
        "Examples:\n"
        "  samsa consume orders\n"
        "  samsa consume orders -o -10 -F '%p:%o %k=%s\\n'\n"
        "  samsa consume orders -g billing -f\n"
        "  samsa consume orders --datetime 2024-05-01T12:00:00Z -c 100 --format json");
    command->add_option("topic", options->topic, "the topic to read")->required();
    auto* offset = command
                       ->add_option("-o,--offset", options->offset,
                                    "where to start: beginning (default), end, stored (the "
                                    "group's), an offset N, or -N (N before the end)")
                       ->type_name("WHERE")
                       ->allow_extra_args(false);
    auto* from_beginning =
        command->add_flag("--from-beginning", options->from_beginning, "the same as -o beginning");
    auto* timestamp =
        command
            ->add_option("--timestamp", options->timestamp_ms,
                         "start at the first record with a timestamp at or after MS (ms since "
                         "the epoch)")
            ->type_name("MS");
    auto* datetime = command
                         ->add_option("--datetime", options->datetime,
                                      "the same with an ISO 8601 time, e.g. "
                                      "2024-05-01T12:00:00Z (UTC when no zone is given)")
                         ->type_name("ISO8601");
    offset->excludes(from_beginning)->excludes(timestamp)->excludes(datetime);
    from_beginning->excludes(timestamp)->excludes(datetime);
    timestamp->excludes(datetime);
    command
        ->add_option("-p,--partition", options->partitions,
                     "read only this partition; repeatable (default: all)")
        ->check(CLI::NonNegativeNumber)
        ->allow_extra_args(false);
    command
        ->add_option("-g,--group", options->group,
                     "consume as a member of GROUP and commit offsets; -o then applies to "
                     "partitions without a committed offset")
        ->type_name("GROUP");
    command->add_option("-c,--count", options->count, "exit after N records")
        ->check(CLI::PositiveNumber)
        ->type_name("N");
    command->add_flag("-f,--follow", options->follow,
                      "keep waiting for new records until SIGINT or SIGTERM");
    command
        ->add_option("-F,--format-string", options->format_string,
                     "kcat-style: %t topic %p partition %o offset %k key %s value %T timestamp "
                     "%h headers %K/%S key/value length, \\n \\t (default \"%s\\n\")")
        ->type_name("FMT");
    command->callback([&context, options] { run_consume(context, *options); });
}

}  // namespace samsa::cli
