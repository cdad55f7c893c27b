#include "base/log.h"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <memory>

namespace samsa::log {
namespace {

thread_local std::string thread_name = "main";

// The %* flag of the pattern: the calling thread's name.
class thread_name_flag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg&, const std::tm&,
                spdlog::memory_buf_t& destination) override {
        destination.append(thread_name.data(), thread_name.data() + thread_name.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<thread_name_flag>();
    }
};

spdlog::level::level_enum to_spdlog(level value) {
    switch (value) {
        case level::trace:
            return spdlog::level::trace;
        case level::debug:
            return spdlog::level::debug;
        case level::info:
            return spdlog::level::info;
        case level::warn:
            return spdlog::level::warn;
        case level::error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

}  // namespace

void initialize(level minimum_level) {
    // stderr, flushed per line: the broker's log is what operators and tests read live.
    auto logger = std::make_shared<spdlog::logger>(
        "samsa", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<thread_name_flag>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] [%*] %v");
    logger->set_formatter(std::move(formatter));
    logger->set_level(to_spdlog(minimum_level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
}

bool parse_level(std::string_view text, level& out) {
    static constexpr std::pair<std::string_view, level> names[] = {
        {"trace", level::trace}, {"debug", level::debug}, {"info", level::info},
        {"warn", level::warn},   {"error", level::error},
    };
    for (const auto& [name, value] : names) {
        if (text == name) {
            out = value;
            return true;
        }
    }
    return false;
}

void set_thread_name(std::string name) {
    thread_name = std::move(name);
}

std::string printable(std::string_view untrusted, std::size_t max_length) {
    std::string out;
    for (unsigned char byte : untrusted) {
        if (out.size() >= max_length) {
            out += "...";
            break;
        }
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            out += static_cast<char>(byte);
        } else {
            out += fmt::format("\\x{:02x}", byte);
        }
    }
    return out;
}

}  // namespace samsa::log
