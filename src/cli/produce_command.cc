// samsa produce TOPIC: one record per input line, acknowledged by the brokers before the
// command exits 0. librdkafka's producer does the batching, partitioning (its default
// partitioner hashes the key and spreads keyless records) and compression; the command
// reads the lines, waits for every delivery report and reports the first failure.

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/produce_input.h"
#include "cli/topic_lookup.h"
#include "client/client_config.h"

namespace samsa::cli {

namespace {

struct produce_options {
    std::string topic;
    std::string input_file;  // empty or "-": stdin
    std::optional<std::string> key_separator;
    std::vector<std::string> headers;
    std::optional<int32_t> partition;
    std::string compression = "none";
    std::string acks = "all";
    bool verbose = false;
};

// What the delivery reports said; written by librdkafka's callback on this thread (inside
// rd_kafka_poll / rd_kafka_flush).
struct delivery_tally {
    int64_t acknowledged = 0;
    std::map<int32_t, int64_t> per_partition;
    rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* tally = static_cast<delivery_tally*>(opaque);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (tally->first_error == RD_KAFKA_RESP_ERR_NO_ERROR) {
            tally->first_error = message->err;
        }
        return;
    }
    ++tally->acknowledged;
    ++tally->per_partition[message->partition];
}

// Queues one record, waiting (bounded by message.timeout.ms, which expires queued records)
// while librdkafka's queue is full.
rd_kafka_resp_err_t queue_record(rd_kafka_t* producer, const produce_options& options,
                                 const line_record& record,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
    std::vector<rd_kafka_vu_t> fields;
    fields.push_back({.vtype = RD_KAFKA_VTYPE_TOPIC, .u = {.cstr = options.topic.c_str()}});
    rd_kafka_vu_t partition{.vtype = RD_KAFKA_VTYPE_PARTITION, .u = {}};
    partition.u.i32 = options.partition.value_or(RD_KAFKA_PARTITION_UA);
    fields.push_back(partition);
    rd_kafka_vu_t flags{.vtype = RD_KAFKA_VTYPE_MSGFLAGS, .u = {}};
    flags.u.i = RD_KAFKA_MSG_F_COPY;
    fields.push_back(flags);
    rd_kafka_vu_t value{.vtype = RD_KAFKA_VTYPE_VALUE, .u = {}};
    value.u.mem = {.ptr = const_cast<char*>(record.value.data()), .size = record.value.size()};
    fields.push_back(value);
    if (record.key) {
        rd_kafka_vu_t key{.vtype = RD_KAFKA_VTYPE_KEY, .u = {}};
        key.u.mem = {.ptr = const_cast<char*>(record.key->data()), .size = record.key->size()};
        fields.push_back(key);
    }
    for (const auto& [name, header_value] : headers) {
        rd_kafka_vu_t header{.vtype = RD_KAFKA_VTYPE_HEADER, .u = {}};
        header.u.header = {.name = name.c_str(),
                           .val = header_value.data(),
                           .size = static_cast<ssize_t>(header_value.size())};
        fields.push_back(header);
    }
    while (true) {
        rd_kafka_error_t* error = rd_kafka_produceva(producer, fields.data(), fields.size());
        if (error == nullptr) {
            return RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        rd_kafka_resp_err_t code = rd_kafka_error_code(error);
        rd_kafka_error_destroy(error);
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            return code;
        }
        rd_kafka_poll(producer, 100);
    }
}

void print_summary(const cli_context& context, const produce_options& options,
                   const delivery_tally& tally) {
    if (options.verbose) {
        std::fprintf(stderr, "samsa: produced %lld record%s to topic \"%s\"\n",
                     static_cast<long long>(tally.acknowledged), tally.acknowledged == 1 ? "" : "s",
                     options.topic.c_str());
    }
    if (context.format != output_format::json) {
        return;
    }
    protocol::json_writer json;
    json.begin_object();
    json.key("records");
    json.value(tally.acknowledged);
    json.key("partitions");
    json.begin_object();
    for (const auto& [partition, count] : tally.per_partition) {
        json.key(std::to_string(partition));
        json.value(count);
    }
    json.end_object();
    json.end_object();
    output::print_json(json);
}

// Reads the input and queues its lines; stops at the first failed record. Returns the
// failure of queueing, if any (delivery failures are in the tally).
rd_kafka_resp_err_t queue_input(rd_kafka_t* producer, std::FILE* input,
                                const produce_options& options,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                const delivery_tally& tally) {
    char* buffer = nullptr;
    std::size_t capacity = 0;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
    while (tally.first_error == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ssize_t length = getline(&buffer, &capacity, input);
        if (length < 0) {
            break;
        }
        std::string_view line(buffer, static_cast<std::size_t>(length));
        if (!line.empty() && line.back() == '\n') {
            line.remove_suffix(1);
        }
        line_record record = split_line(line, options.key_separator.value_or(""));
        error = queue_record(producer, options, record, headers);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            break;
        }
        rd_kafka_poll(producer, 0);
    }
    std::free(buffer);
    return error;
}

void run_produce(cli_context& context, const produce_options& options) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& text : options.headers) {
        auto header = parse_header(text);
        if (!header) {
            context.fail_usage(header.error());
            return;
        }
        headers.push_back(std::move(header).value());
    }
    if (options.key_separator && options.key_separator->empty()) {
        context.fail_usage("the key separator (-k) must not be empty");
        return;
    }
    std::FILE* input = stdin;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> opened(nullptr, std::fclose);
    if (!options.input_file.empty() && options.input_file != "-") {
        opened.reset(std::fopen(options.input_file.c_str(), "rb"));
        if (!opened) {
            context.fail_usage("cannot read \"" + options.input_file + "\"");
            return;
        }
        input = opened.get();
    }

    delivery_tally tally;
    client::client_config config(context.connection, "samsa-produce");
    config.set("acks", options.acks)
        .set("compression.codec", options.compression)
        .set("message.timeout.ms", std::to_string(context.connection.timeout_ms))
        .opaque(&tally);
    rd_kafka_conf_set_dr_msg_cb(config.raw(), on_delivery);
    auto producer = config.create(RD_KAFKA_PRODUCER);
    if (!producer) {
        context.fail(producer.error());
        return;
    }
    auto partitions = topic_partition_count(producer->get(), options.topic, context.connection);
    if (!partitions) {
        context.fail(partitions.error());
        return;
    }
    if (options.partition && *options.partition >= *partitions) {
        context.fail(client::refused("topic \"" + options.topic + "\" has no partition " +
                                     std::to_string(*options.partition) + " (it has " +
                                     std::to_string(*partitions) + ")"));
        return;
    }

    rd_kafka_resp_err_t error = queue_input(producer->get(), input, options, headers, tally);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR || tally.first_error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Records still queued would only fail the same way; report the first failure now.
        rd_kafka_purge(producer->get(), RD_KAFKA_PURGE_F_QUEUE);
    }
    // message.timeout.ms bounds every record's wait for its delivery report; the margin lets
    // the reports of the last ones arrive.
    rd_kafka_flush(producer->get(), context.connection.timeout_ms + 5'000);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = tally.first_error;
    }
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR && rd_kafka_outq_len(producer->get()) > 0) {
        error = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
    }
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        context.fail(rdkafka_failure(error,
                                     "producing to topic \"" + options.topic + "\" (" +
                                         std::to_string(tally.acknowledged) +
                                         " acknowledged before the failure)",
                                     context.connection));
        return;
    }
    print_summary(context, options, tally);
}

}  // namespace

void add_produce_command(CLI::App& app, cli_context& context) {
    auto options = std::make_shared<produce_options>();
    CLI::App* command = app.add_subcommand(
        "produce", "Write records to a topic: one per line of stdin (or of a file).");
    command->footer(
        "Exits 0 once the brokers acknowledged every record; --format json prints "
        "{\"records\":N,\"partitions\":{\"0\":N,...}}.\n\n"
        "Examples:\n"
        "  echo hello | samsa produce orders\n"
        "  printf 'user1:clicked\\nuser2:paid\\n' | samsa produce orders -k : -H source=web\n"
        "  samsa produce orders -f events.txt -p 0 -z zstd --acks 1\n"
        "  seq 100 | samsa produce orders --format json");
    command->add_option("topic", options->topic, "the topic to write to")->required();
    command->add_option("-f,--file", options->input_file, "read the lines from FILE (- is stdin)")
        ->type_name("FILE");
    command
        ->add_option("-k,--key-separator", options->key_separator,
                     "split each line at the first SEP into key and value (a line without "
                     "SEP has no key)")
        ->type_name("SEP");
    command
        ->add_option("-H,--header", options->headers,
                     "a header on every record, NAME=VALUE; repeatable")
        ->type_name("NAME=VALUE")
        ->allow_extra_args(false);
    command
        ->add_option("-p,--partition", options->partition,
                     "write every record to this partition (default: hash of the key; "
                     "records without a key are spread)")
        ->check(CLI::NonNegativeNumber);
    command
        ->add_option("-z,--compression", options->compression,
                     "none (default), gzip, snappy, lz4 or zstd")
        ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
    command
        ->add_option("--acks", options->acks,
                     "acknowledgements to wait for: 0, 1 or all (default all)")
        ->check(CLI::IsMember({"0", "1", "all", "-1"}));
    command->add_flag("-v,--verbose", options->verbose,
                      "print the number of records written on stderr");
    command->callback([&context, options] { run_produce(context, *options); });
}

}  // namespace samsa::cli
