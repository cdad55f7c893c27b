#include "server/connection_quota.h"

#include "base/assert.h"

namespace samsa::server {

connection_quota::connection_quota(asio::any_io_executor executor, int32_t max_connections,
                                   int32_t max_connections_per_ip)
    : max_connections_(max_connections),
      max_connections_per_ip_(max_connections_per_ip),
      released_(std::move(executor)) {}

asio::awaitable<void> connection_quota::wait_for_slot() {
    while (total_ >= max_connections_ && !stopped_) {
        co_await released_.wait();
    }
}

void connection_quota::stop() {
    stopped_ = true;
    released_.notify_all();
}

bool connection_quota::try_acquire(const std::string& address) {
    int32_t& count = per_address_[address];
    if (count >= max_connections_per_ip_) {
        if (count == 0) {
            per_address_.erase(address);
        }
        return false;
    }
    ++count;
    ++total_;
    return true;
}

void connection_quota::release(const std::string& address) {
    auto found = per_address_.find(address);
    SAMSA_ASSERT(found != per_address_.end() && total_ > 0, "release of an uncounted connection");
    if (--found->second == 0) {
        per_address_.erase(found);
    }
    --total_;
    released_.notify_all();
}

}  // namespace samsa::server
