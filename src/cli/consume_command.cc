// samsa consume: being written (issue 8).

#include "cli/commands.h"

namespace samsa::cli {

void add_consume_command(CLI::App& app, cli_context& context) {
    CLI::App* command = app.add_subcommand("consume", "(not yet available)");
    command->callback([&context] { context.fail_usage("samsa consume is not available yet"); });
}

}  // namespace samsa::cli
