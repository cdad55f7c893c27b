#pragma once

// What every client command of the `samsa` binary shares: the options given before or after
// the command (--brokers, --format, -X, --timeout), and the exit code the command leaves.
//
// Exit codes scripts can trust (also in `samsa --help`):
//   0  done
//   1  the broker refused (the topic exists, an invalid config, an unknown group, ...)
//   2  the command line is wrong (an unknown option, a missing argument, a value that does
//      not parse); CLI11's own parse errors are mapped to 2 as well
//   3  no broker answered in time (not running, wrong address, --timeout too short)

#include <CLI/CLI.hpp>

#include <string>
#include <utility>
#include <vector>

#include "client/client_config.h"
#include "client/client_error.h"

namespace samsa::cli {

enum class exit_code : int {
    ok = 0,
    refused = 1,
    usage = 2,
    unreachable = 3,
};

enum class output_format : uint8_t { table, json };

// The environment variable --brokers defaults to (then 127.0.0.1:9092).
inline constexpr const char* brokers_environment_variable = "SAMSA_BROKERS";

struct cli_context {
    client::connection_settings connection;
    output_format format = output_format::table;
    // Set by the command that ran.
    exit_code result = exit_code::ok;

    // Prints "samsa: <message>" to stderr and sets the exit code matching the failure.
    void fail(const client::client_error& error);
    // The same for a problem with the command line itself (exit code 2).
    void fail_usage(const std::string& message);
};

inline exit_code exit_code_for(client::failure_kind kind) {
    switch (kind) {
        case client::failure_kind::refused:
            return exit_code::refused;
        case client::failure_kind::unreachable:
            return exit_code::unreachable;
        case client::failure_kind::invalid:
            return exit_code::usage;
    }
    return exit_code::refused;
}

}  // namespace samsa::cli
