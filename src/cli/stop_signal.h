#pragma once

// SIGINT and SIGTERM for a command that runs until stopped (`samsa consume -f`): while a
// stop_signal_scope lives, the signals set a flag instead of killing the process, so the
// command can finish cleanly (commit its group's offsets, leave the group) and exit 0.

namespace samsa::cli {

class stop_signal_scope {
public:
    stop_signal_scope();
    ~stop_signal_scope();
    stop_signal_scope(const stop_signal_scope&) = delete;
    stop_signal_scope& operator=(const stop_signal_scope&) = delete;

    // Whether SIGINT or SIGTERM arrived since the scope began.
    bool stop_requested() const;
};

}  // namespace samsa::cli
