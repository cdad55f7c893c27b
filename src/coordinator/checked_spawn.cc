#include "coordinator/checked_spawn.h"

#include <asio/co_spawn.hpp>

#include <exception>

#include "base/assert.h"

namespace samsa::coordinator {

void spawn_checked(const asio::any_io_executor& executor, asio::awaitable<void> work,
                   std::string_view owner, std::string_view what) {
    asio::co_spawn(executor, std::move(work), [owner, what](std::exception_ptr failure) {
        if (!failure) {
            return;
        }
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& error) {
            SAMSA_ASSERT(false, "%.*s: %.*s failed: %s\n", static_cast<int>(owner.size()),
                         owner.data(), static_cast<int>(what.size()), what.data(), error.what());
        }
        SAMSA_ASSERT(false, "%.*s: %.*s failed\n", static_cast<int>(owner.size()), owner.data(),
                     static_cast<int>(what.size()), what.data());
    });
}

}  // namespace samsa::coordinator
