#include "server/request_decoding.h"

namespace samsa::server {

decoded_entries_charge::~decoded_entries_charge() {
    finish_decoding();
    if (charged_bytes_ > 0) {
        pool_.release(charged_bytes_);
    }
}

uint64_t decoded_entries_charge::entries_free_now() const {
    return static_cast<uint64_t>(std::max<int64_t>(0, pool_.free_bytes())) / decoded_entry_bytes;
}

uint64_t decoded_entries_charge::entries_at_most() const {
    int64_t waiting = pool_.waiting_bytes() + (waiting_ ? 0 : static_cast<int64_t>(frame_bytes_));
    int64_t rest = pool_.budget_bytes() - waiting;
    return static_cast<uint64_t>(std::max<int64_t>(0, rest)) / decoded_entry_bytes;
}

bool decoded_entries_charge::try_charge(uint64_t entries) {
    std::size_t bytes = entries * decoded_entry_bytes;
    if (bytes == 0 || pool_.try_reserve(bytes)) {
        charged_bytes_ += bytes;
        return true;
    }
    return false;
}

void decoded_entries_charge::start_waiting() {
    if (!waiting_) {
        pool_.add_waiting(frame_bytes_);
        waiting_ = true;
    }
}

void decoded_entries_charge::stop_waiting() {
    if (waiting_) {
        pool_.remove_waiting(frame_bytes_);
        waiting_ = false;
    }
}

void decoded_entries_charge::finish_decoding() {
    stop_waiting();
    if (on_decoded_) {
        std::function<void()> on_decoded = std::move(on_decoded_);
        on_decoded_ = nullptr;
        on_decoded();
    }
}

}  // namespace samsa::server
