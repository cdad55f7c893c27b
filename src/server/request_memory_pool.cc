#include "server/request_memory_pool.h"

#include "base/assert.h"

namespace samsa::server {

request_memory_pool::request_memory_pool(int64_t budget_bytes) : budget_bytes_(budget_bytes) {}

bool request_memory_pool::try_reserve(std::size_t bytes) {
    auto wanted = static_cast<int64_t>(bytes);
    int64_t used = used_bytes_.load(std::memory_order_relaxed);
    while (true) {
        if (bounded() && used > 0 && used + wanted > budget_bytes_) {
            return false;
        }
        if (used_bytes_.compare_exchange_weak(used, used + wanted, std::memory_order_relaxed)) {
            note_use(used + wanted);
            return true;
        }
    }
}

void request_memory_pool::release(std::size_t bytes) {
    auto released = static_cast<int64_t>(bytes);
    int64_t before = used_bytes_.fetch_sub(released, std::memory_order_relaxed);
    SAMSA_ASSERT(before >= released, "released %lld bytes of %lld in use",
                 static_cast<long long>(released), static_cast<long long>(before));
}

void request_memory_pool::note_use(int64_t used) {
    int64_t peak = peak_bytes_.load(std::memory_order_relaxed);
    while (used > peak &&
           !peak_bytes_.compare_exchange_weak(peak, used, std::memory_order_relaxed)) {
    }
}

}  // namespace samsa::server
