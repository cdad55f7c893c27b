// samsa produce: being written (issue 8).

#include "cli/commands.h"

namespace samsa::cli {

void add_produce_command(CLI::App& app, cli_context& context) {
    CLI::App* command = app.add_subcommand("produce", "(not yet available)");
    command->callback([&context] { context.fail_usage("samsa produce is not available yet"); });
}

}  // namespace samsa::cli
