#pragma once

// One function per client command; each adds its subcommand (with --help text and
// examples) to the app and runs it from the subcommand's callback, leaving the exit code
// in the context. Each is defined in <name>_command.cc.

#include <CLI/CLI.hpp>

#include "cli/cli_context.h"

namespace samsa::cli {

void add_topic_command(CLI::App& app, cli_context& context);
void add_produce_command(CLI::App& app, cli_context& context);
void add_consume_command(CLI::App& app, cli_context& context);
void add_group_command(CLI::App& app, cli_context& context);
void add_cluster_command(CLI::App& app, cli_context& context);
void add_config_command(CLI::App& app, cli_context& context);

}  // namespace samsa::cli
