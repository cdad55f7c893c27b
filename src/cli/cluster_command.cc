// samsa cluster: being written (issue 8).

#include "cli/commands.h"

namespace samsa::cli {

void add_cluster_command(CLI::App& app, cli_context& context) {
    CLI::App* command = app.add_subcommand("cluster", "(not yet available)");
    command->callback([&context] { context.fail_usage("samsa cluster is not available yet"); });
}

}  // namespace samsa::cli
