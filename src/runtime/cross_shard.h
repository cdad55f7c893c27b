#pragma once

// Cross-shard calls: run a function on another shard and await its result on this one.
//
//   offset end = co_await invoke_on(shards.at(owner), [&log] { return log.end_offset(); });
//
// The function runs on the target shard's thread (it may itself be a coroutine returning
// asio::awaitable<T>); the awaiting coroutine resumes on its own shard's thread, so
// neither side ever touches the other's state. A call to the calling shard itself runs
// the function in place, without a trip through the event loop. Whatever the function captures by
// reference must outlive the call: the caller is suspended until it returns, so its locals
// are safe; state owned by the target shard must only be reached from inside fn.
//
// g++ 12 destroys a temporary with a non-trivial destructor twice when it is passed by
// value to a coroutine inside a co_await expression. Every lambda here is therefore a named
// local moved into the call, and callers whose lambdas capture something non-trivial (a
// shared_ptr, a vector) must do the same:
//
//   auto hand_over = [hosted = std::move(hosted)]() mutable { ... };
//   co_await invoke_on(owner, std::move(hand_over));

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/shard.h"

namespace samsa::runtime {

namespace detail {

template <typename T>
struct awaitable_value {
    using type = void;
    static constexpr bool is_awaitable = false;
};
template <typename T, typename Executor>
struct awaitable_value<asio::awaitable<T, Executor>> {
    using type = T;
    static constexpr bool is_awaitable = true;
};

template <typename F>
using call_result = std::invoke_result_t<F&>;

template <typename F>
using invoke_on_value =
    std::conditional_t<awaitable_value<call_result<F>>::is_awaitable,
                       typename awaitable_value<call_result<F>>::type, call_result<F>>;

}  // namespace detail

template <typename F>
asio::awaitable<detail::invoke_on_value<F>> invoke_on(shard& target, F fn) {
    using value = detail::invoke_on_value<F>;
    if (target.is_current()) {
        // Already there: run it in place. Posting to one's own loop would cost two trips
        // through the queue for nothing (a request for a partition of the connection's
        // own shard, the common case with one shard per core).
        if constexpr (detail::awaitable_value<detail::call_result<F>>::is_awaitable) {
            co_return co_await fn();
        } else {
            co_return fn();
        }
    }
    if constexpr (detail::awaitable_value<detail::call_result<F>>::is_awaitable) {
        co_return co_await asio::co_spawn(target.executor(), std::move(fn), asio::use_awaitable);
    } else if constexpr (std::is_void_v<value>) {
        auto run = [fn = std::move(fn)]() mutable -> asio::awaitable<void> {
            fn();
            co_return;
        };
        co_await asio::co_spawn(target.executor(), std::move(run), asio::use_awaitable);
    } else {
        auto run = [fn = std::move(fn)]() mutable -> asio::awaitable<value> { co_return fn(); };
        co_return co_await asio::co_spawn(target.executor(), std::move(run), asio::use_awaitable);
    }
}

namespace detail {

template <typename F>
using per_shard_result = std::invoke_result_t<F&, shard&>;
template <typename F>
using per_shard_value =
    std::conditional_t<awaitable_value<per_shard_result<F>>::is_awaitable,
                       typename awaitable_value<per_shard_result<F>>::type, per_shard_result<F>>;
template <typename F>
using all_shards_value =
    std::conditional_t<std::is_void_v<per_shard_value<F>>, void, std::vector<per_shard_value<F>>>;

}  // namespace detail

// Runs fn(shard&) on every shard, one shard after another (broadcasts are rare: a new
// metadata image, shutdown), and returns the results in shard order; nothing when fn
// returns nothing. fn is copied to each shard.
template <typename F>
asio::awaitable<detail::all_shards_value<F>> invoke_on_all(shard_set& shards, F fn) {
    if constexpr (std::is_void_v<detail::per_shard_value<F>>) {
        for (uint32_t index = 0; index < shards.size(); ++index) {
            shard& target = shards.at(index);
            auto on_target = [fn, &target]() mutable { return fn(target); };
            co_await invoke_on(target, std::move(on_target));
        }
    } else {
        std::vector<detail::per_shard_value<F>> results;
        results.reserve(shards.size());
        for (uint32_t index = 0; index < shards.size(); ++index) {
            shard& target = shards.at(index);
            auto on_target = [fn, &target]() mutable { return fn(target); };
            results.push_back(co_await invoke_on(target, std::move(on_target)));
        }
        co_return results;
    }
}

}  // namespace samsa::runtime
