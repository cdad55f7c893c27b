// samsa config: being written (issue 8).

#include "cli/commands.h"

namespace samsa::cli {

void add_config_command(CLI::App& app, cli_context& context) {
    CLI::App* command = app.add_subcommand("config", "(not yet available)");
    command->callback([&context] { context.fail_usage("samsa config is not available yet"); });
}

}  // namespace samsa::cli
