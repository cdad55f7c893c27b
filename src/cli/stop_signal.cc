#include "cli/stop_signal.h"

#include <csignal>

namespace samsa::cli {

namespace {

volatile std::sig_atomic_t stop_requested_flag = 0;

struct sigaction previous_interrupt {};
struct sigaction previous_terminate {};

void request_stop(int) {
    stop_requested_flag = 1;
}

}  // namespace

stop_signal_scope::stop_signal_scope() {
    stop_requested_flag = 0;
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_interrupt);
    sigaction(SIGTERM, &action, &previous_terminate);
}

stop_signal_scope::~stop_signal_scope() {
    sigaction(SIGINT, &previous_interrupt, nullptr);
    sigaction(SIGTERM, &previous_terminate, nullptr);
}

bool stop_signal_scope::stop_requested() const {
    return stop_requested_flag != 0;
}

}  // namespace samsa::cli
