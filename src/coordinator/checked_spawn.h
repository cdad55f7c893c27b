#pragma once

// Starts a coordinator's background coroutine (a load, a write, a timer) on its shard. An
// exception escaping one is a broken invariant: requests waiting on it would never be
// answered, so it is reported and the process aborts rather than hang.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <string_view>

namespace samsa::coordinator {

// owner and what name the coroutine in the report ("group coordinator", "loading
// __consumer_offsets"); both must outlive it (string literals).
void spawn_checked(const asio::any_io_executor& executor, asio::awaitable<void> work,
                   std::string_view owner, std::string_view what);

}  // namespace samsa::coordinator
