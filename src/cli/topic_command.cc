// samsa topic: being written (issue 8).

#include "cli/commands.h"

namespace samsa::cli {

void add_topic_command(CLI::App& app, cli_context& context) {
    CLI::App* command = app.add_subcommand("topic", "(not yet available)");
    command->callback([&context] { context.fail_usage("samsa topic is not available yet"); });
}

}  // namespace samsa::cli
