#pragma once

// The client commands of the `samsa` binary (everything but `samsa serve`): topic, produce,
// consume, group, cluster, config. They are a Kafka client, on librdkafka where it covers
// the operation and on Samsa's own protocol layer where librdkafka 2.0 lacks an API, so they
// work against any Kafka-compatible broker.
//
//     CLI::App app{...};
//     cli::cli_context context;
//     cli::add_client_commands(app, context);   // also adds --brokers, --format, -X, ...
//     CLI11_PARSE(app, argc, argv);             // a command's callback runs it
//     return static_cast<int>(context.result);

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace samsa::cli {

// Adds the global options and every client command. `context` must outlive `app`'s parse.
void add_client_commands(CLI::App& app, cli_context& context);

}  // namespace samsa::cli
