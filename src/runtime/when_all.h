#pragma once

// Awaits several coroutines at once: when_all runs each task concurrently on the calling
// shard's loop and resumes once every one has finished. A produce request waits this way
// for the fsyncs of all its partitions, and for the shards owning them, instead of one
// after another.
//
//   std::vector<asio::awaitable<void>> waits;
//   for (auto& item : items) waits.push_back(make_durable(item));
//   co_await when_all(std::move(waits));
//
// Whatever the tasks reference must outlive the call (the caller is suspended until all
// have finished). If tasks throw, the first exception is rethrown after all have ended.
// Pass a named vector with std::move, never a temporary (g++ 12: cross_shard.h).

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/this_coro.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "runtime/async_event.h"

namespace samsa::runtime {

inline asio::awaitable<void> when_all(std::vector<asio::awaitable<void>> tasks) {
    if (tasks.size() == 1) {
        co_await std::move(tasks.front());
        co_return;
    }
    struct progress {
        explicit progress(const asio::any_io_executor& executor, std::size_t count)
            : remaining(count), finished(executor) {}
        std::size_t remaining;
        std::exception_ptr failure;
        async_event finished;
    };
    asio::any_io_executor executor = co_await asio::this_coro::executor;
    auto state = std::make_shared<progress>(executor, tasks.size());
    for (auto& task : tasks) {
        asio::co_spawn(executor, std::move(task), [state](std::exception_ptr failure) {
            if (failure && !state->failure) {
                state->failure = failure;
            }
            if (--state->remaining == 0) {
                state->finished.notify_all();
            }
        });
    }
    while (state->remaining > 0) {
        co_await state->finished.wait();
    }
    if (state->failure) {
        std::rethrow_exception(state->failure);
    }
}

}  // namespace samsa::runtime
