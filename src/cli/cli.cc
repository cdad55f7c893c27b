#include "cli/cli.h"

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"

namespace samsa::cli {

void cli_context::fail(const client::client_error& error) {
    std::fprintf(stderr, "samsa: %s\n", error.message.c_str());
    result = exit_code_for(error.kind);
}

void cli_context::fail_usage(const std::string& message) {
    std::fprintf(stderr, "samsa: %s\n", message.c_str());
    result = exit_code::usage;
}

namespace {

void add_global_options(CLI::App& app, cli_context& context) {
    if (const char* brokers = std::getenv(brokers_environment_variable);
        brokers != nullptr && *brokers != '\0') {
        context.connection.bootstrap_servers = brokers;
    }
    // Global options may come before or after the command (`samsa -b host:9092 topic list`,
    // `samsa topic list -b host:9092`): subcommands fall through to them.
    app.fallthrough();
    auto* group =
        app.add_option_group("Client options", "for every command but serve; before or after it");
    group
        ->add_option("-b,--brokers", context.connection.bootstrap_servers,
                     std::string("bootstrap brokers, host:port[,host:port...]; default: $") +
                         brokers_environment_variable + ", else 127.0.0.1:9092")
        ->type_name("HOST:PORT");
    group
        ->add_option_function<std::string>(
            "--format",
            [&context](const std::string& name) {
                context.format = name == "json" ? output_format::json : output_format::table;
            },
            "output: table (for people, the default) or json (one document, for scripts)")
        ->check(CLI::IsMember({"table", "json"}, CLI::ignore_case))
        ->type_name("table|json");
    group
        ->add_option("--timeout", context.connection.timeout_ms,
                     "milliseconds to wait for the brokers before giving up (exit code 3); "
                     "default 10000")
        ->type_name("MS")
        ->check(CLI::Range(1, 3'600'000));
    group
        ->add_option(
            "-X,--property",
            [&context](const CLI::results_t& values) {
                for (const auto& value : values) {
                    auto equals = value.find('=');
                    if (equals == std::string::npos || equals == 0) {
                        return false;
                    }
                    context.connection.properties.emplace_back(value.substr(0, equals),
                                                               value.substr(equals + 1));
                }
                return true;
            },
            "a librdkafka property for the client, NAME=VALUE; repeatable "
            "(e.g. -X security.protocol=ssl)")
        ->type_name("NAME=VALUE")
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace

void add_client_commands(CLI::App& app, cli_context& context) {
    add_global_options(app, context);
    add_topic_command(app, context);
    add_produce_command(app, context);
    add_consume_command(app, context);
    add_group_command(app, context);
    add_cluster_command(app, context);
    add_config_command(app, context);
}

}  // namespace samsa::cli
