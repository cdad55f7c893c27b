#include "runtime/shard.h"

#include <fmt/format.h>
#include <sched.h>
#include <asio/executor_work_guard.hpp>

#include "base/assert.h"
#include "base/log.h"

namespace samsa::runtime {
namespace {

thread_local std::optional<shard_id> current_shard;

}  // namespace

shard::shard(shard_id id) : id_(id) {}

bool shard::is_current() const {
    return current_shard == id_;
}

void shard::run() {
    current_shard = id_;
    log::set_thread_name(fmt::format("shard {}", id_.value()));
    // The loop must not end when it runs out of work between connections.
    auto keep_running = asio::make_work_guard(io_);
    io_.run();
    current_shard.reset();
}

shard_set::shard_set(uint32_t count) {
    SAMSA_ASSERT(count >= 1, "a shard set needs at least one shard, got %u", count);
    shards_.reserve(count);
    for (uint32_t index = 0; index < count; ++index) {
        shards_.push_back(std::make_unique<shard>(shard_id(index)));
    }
}

shard_set::~shard_set() {
    stop();
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
}

void shard_set::run() {
    SAMSA_ASSERT(threads_.empty(), "shard_set::run called twice");
    for (uint32_t index = 1; index < size(); ++index) {
        threads_.emplace_back([this, index] { shards_[index]->run(); });
    }
    shards_[0]->run();
    for (auto& thread : threads_) {
        thread.join();
    }
    threads_.clear();
}

void shard_set::stop() {
    for (auto& each : shards_) {
        each->io().stop();
    }
}

std::optional<shard_id> shard_set::current() {
    return current_shard;
}

uint32_t default_shard_count() {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
        int count = CPU_COUNT(&allowed);
        if (count > 0) {
            return static_cast<uint32_t>(count);
        }
    }
    unsigned hardware = std::thread::hardware_concurrency();
    return hardware == 0 ? 1 : hardware;
}

}  // namespace samsa::runtime
