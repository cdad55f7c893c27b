#pragma once

// What a client operation reports when it fails: one sentence for a person, and which kind
// of failure it was, so the CLI can pick an exit code a script can trust.

#include <string>

#include "base/result.h"

namespace samsa::client {

enum class failure_kind : uint8_t {
    refused,      // the broker answered with an error (topic exists, invalid config, ...)
    unreachable,  // no broker answered in time (not running, wrong address, timeout)
    invalid,      // the request could not be made (a bad setting, a value that does not parse)
};

struct client_error {
    failure_kind kind = failure_kind::refused;
    std::string message;
};

template <typename T>
using client_result = result<T, client_error>;

inline client_error refused(std::string message) {
    return {.kind = failure_kind::refused, .message = std::move(message)};
}
inline client_error unreachable(std::string message) {
    return {.kind = failure_kind::unreachable, .message = std::move(message)};
}
inline client_error invalid(std::string message) {
    return {.kind = failure_kind::invalid, .message = std::move(message)};
}

}  // namespace samsa::client
