#pragma once

// Logging for every layer: spdlog behind a thin facade, so that each line carries the
// name of the thread that wrote it ("shard 0", "main", "file-io"), set once per thread.
//
//   samsa::log::info("listening on {}", endpoint);
//
// Lines go to stderr: `[2026-11-21 10:00:00.123] [info] [shard 0] listening on ...`.

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace samsa::log {

enum class level { trace, debug, info, warn, error };

// Installs the stderr sink and the line pattern; call once at program start.
void initialize(level minimum_level);
// Parses "trace", "debug", "info", "warn", "error"; false for anything else.
bool parse_level(std::string_view text, level& out);
// The name printed for lines the calling thread writes.
void set_thread_name(std::string name);

template <typename... Args>
void trace(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::trace(format, std::forward<Args>(args)...);
}
template <typename... Args>
void debug(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::debug(format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::info(format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::warn(format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(spdlog::format_string_t<Args...> format, Args&&... args) {
    spdlog::error(format, std::forward<Args>(args)...);
}

// Text from the network (client ids, software names) made safe to print: non-printable
// bytes become \xNN and the result is cut at max_length characters.
std::string printable(std::string_view untrusted, std::size_t max_length = 128);

}  // namespace samsa::log
