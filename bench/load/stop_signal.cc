#include "stop_signal.h"

#include <atomic>
#include <csignal>

namespace samsa::load {
namespace {

// Lock-free, so it may be written from a signal handler.
std::atomic<bool> stop_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int signal_number) {
    stop_flag.store(true, std::memory_order_relaxed);
    std::signal(signal_number, SIG_DFL);
}

}  // namespace

void install_stop_handlers() {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
}

bool stop_requested() {
    return stop_flag.load(std::memory_order_relaxed);
}

}  // namespace samsa::load
