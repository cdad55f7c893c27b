// samsa group: being written (issue 8).

#include "cli/commands.h"

namespace samsa::cli {

void add_group_command(CLI::App& app, cli_context& context) {
    CLI::App* command = app.add_subcommand("group", "(not yet available)");
    command->callback([&context] { context.fail_usage("samsa group is not available yet"); });
}

}  // namespace samsa::cli
