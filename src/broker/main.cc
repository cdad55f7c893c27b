// samsa: one binary. `samsa serve` is the broker; the other commands (topic, produce,
// consume, group, cluster, config) are a Kafka client (src/cli).

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "broker/broker.h"
#include "broker/broker_config.h"
#include "cli/cli.h"

namespace {

// The exit code of a bad command line or configuration, as for the client commands.
constexpr int exit_bad_configuration = static_cast<int>(samsa::cli::exit_code::usage);

struct serve_arguments {
    std::optional<std::string> config_file;
    std::vector<std::string> overrides;
    uint32_t shard_count = 0;
    std::string log_level = "info";
};

void add_serve_command(CLI::App& app, serve_arguments& arguments) {
    CLI::App* serve = app.add_subcommand(
        "serve", "Run the broker: a Kafka-compatible node serving the Kafka protocol.");
    serve->footer(
        "Configuration uses Kafka's server property names (docs/configuration.md).\n"
        "With no file, defaults apply: one node on PLAINTEXT://127.0.0.1:9092, data under "
        "./data.\n\n"
        "Examples:\n"
        "  samsa serve\n"
        "  samsa serve --config server.properties\n"
        "  samsa serve --set listeners=PLAINTEXT://:9093 --set log.dirs=/var/lib/samsa");
    serve->add_option("-c,--config", arguments.config_file,
                      "a Kafka .properties file (server.properties)");
    serve
        ->add_option("-s,--set", arguments.overrides,
                     "override one setting, KEY=VALUE with Kafka's name; repeatable, wins "
                     "over the file")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    serve
        ->add_option("--smp", arguments.shard_count,
                     "shards (event-loop threads); default: one per available core")
        ->check(CLI::Range(1u, 1024u));
    serve->add_option("--log-level", arguments.log_level, "trace, debug, info, warn or error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
}

int run_serve(const serve_arguments& arguments, std::chrono::steady_clock::time_point started_at) {
    samsa::log::level level = samsa::log::level::info;
    samsa::log::parse_level(arguments.log_level, level);
    samsa::log::initialize(level);

    std::optional<std::filesystem::path> file;
    if (arguments.config_file) {
        file = *arguments.config_file;
    }
    auto config = samsa::broker::load_broker_config(file, arguments.overrides);
    if (!config) {
        for (const auto& problem : config.error()) {
            std::fprintf(stderr, "samsa serve: %s\n", problem.message.c_str());
        }
        std::fprintf(stderr, "samsa serve: %zu configuration problem%s; not starting\n",
                     config.error().size(), config.error().size() == 1 ? "" : "s");
        return exit_bad_configuration;
    }
    return samsa::broker::serve({.config = std::move(config).value(),
                                 .shard_count = arguments.shard_count,
                                 .started_at = started_at});
}

}  // namespace

int main(int argc, char** argv) {
    auto started_at = std::chrono::steady_clock::now();
    CLI::App app{"Samsa: a Kafka-compatible streaming platform in one binary."};
    app.require_subcommand(1);
    app.footer(
        "Run `samsa COMMAND --help` for a command's options and examples.\n\n"
        "Exit codes: 0 done; 1 the broker refused (an error from Kafka's protocol); 2 the "
        "command line or configuration is wrong; 3 no broker answered in time.");
    serve_arguments serve;
    add_serve_command(app, serve);
    samsa::cli::cli_context client_context;
    samsa::cli::add_client_commands(app, client_context);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // --help and --version are "errors" with exit code 0; every other parse error is a
        // wrong command line, exit code 2 whatever CLI11's own number for it.
        return app.exit(error) == 0 ? 0 : exit_bad_configuration;
    }
    if (app.got_subcommand("serve")) {
        return run_serve(serve, started_at);
    }
    return static_cast<int>(client_context.result);
}
