#include "runtime/file_io.h"

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <new>
#include <type_traits>

#include "base/assert.h"
#include "base/log.h"
#include "runtime/thread_pool_file_io.h"
#include "runtime/uring_file_io.h"

namespace samsa::runtime {
namespace {

// EINTR and EAGAIN are retried at most this many times in a row, then reported: a regular
// file does not return them for long, and nothing may spin the event loop without bound.
constexpr int max_attempts = 8;

// Linux's MAX_RW_COUNT: no single read or write transfers more.
constexpr std::size_t max_rw_count = 0x7ffff000;

std::error_code errno_code(int value) {
    return {value, std::system_category()};
}

// pread takes a signed off_t and io_uring reads offset -1 as "the file position", so the
// whole range must stay below 2^63.
bool valid_range(uint64_t offset, std::size_t size_bytes) {
    constexpr uint64_t max_offset = std::numeric_limits<int64_t>::max();
    return offset <= max_offset && size_bytes <= max_offset - offset;
}

bool io_uring_disabled_by_environment() {
    const char* value = std::getenv("SAMSA_DISABLE_IO_URING");
    return value != nullptr && std::string_view(value) == "1";
}

}  // namespace

template <typename Handler>
void file_io::pending_operation::park(Handler&& handler) {
    using handler_type = std::decay_t<Handler>;
    static_assert(sizeof(handler_type) <= handler_capacity_bytes);
    static_assert(alignof(handler_type) <= alignof(std::max_align_t));
    SAMSA_ASSERT(!parked(), "a pending file operation parked twice");
    new (handler_) handler_type(std::forward<Handler>(handler));
    resume_ = [](pending_operation& self, int result, std::weak_ptr<void> owner) {
        auto* stored = std::launder(reinterpret_cast<handler_type*>(self.handler_));
        handler_type handler = std::move(*stored);
        stored->~handler_type();
        self.resume_ = nullptr;
        self.drop_ = nullptr;
        auto executor = asio::get_associated_executor(handler);
        asio::post(executor,
                   [handler = std::move(handler), result, owner = std::move(owner)]() mutable {
                       // The resumed caller goes on inside file_io::execute, which touches the
                       // file_io: once it is gone, dropping the handler abandons the caller
                       // instead.
                       if (!owner.expired()) {
                           std::move(handler)(result);
                       }
                   });
    };
    drop_ = [](pending_operation& self) {
        std::launder(reinterpret_cast<handler_type*>(self.handler_))->~handler_type();
        self.resume_ = nullptr;
        self.drop_ = nullptr;
    };
}

file_io::pending_operation::~pending_operation() {
    // The node lives in the frame its handler owns: the frame can only be destroyed after
    // the handler was called or dropped.
    SAMSA_ASSERT(!parked(), "a pending file operation destroyed while parked");
}

file_io::file_io(asio::io_context& io_context, const file_io_options& options)
    : io_context_(io_context),
      max_in_flight_(options.max_in_flight),
      max_bytes_per_operation_(options.max_bytes_per_operation),
      alive_(std::make_shared<int>(0)) {
    SAMSA_ASSERT(max_in_flight_ > 0, "file_io needs max_in_flight > 0");
    SAMSA_ASSERT(max_bytes_per_operation_ > 0 && max_bytes_per_operation_ <= max_rw_count,
                 "max_bytes_per_operation %zu outside 1..%zu", max_bytes_per_operation_,
                 max_rw_count);
}

file_io::~file_io() {
    // The backend's destructor has already finished or abandoned what it had started.
    while (first_waiter_ != nullptr) {
        pending_operation* waiter = first_waiter_;
        first_waiter_ = waiter->next_waiter_;
        abandon(*waiter);
    }
}

void file_io::complete(pending_operation& pending, int result) {
    SAMSA_ASSERT(pending.parked(), "completing a file operation that is not pending");
    pending.resume_(pending, result, alive_);
}

void file_io::abandon(pending_operation& pending) {
    SAMSA_ASSERT(pending.parked(), "abandoning a file operation that is not pending");
    pending.drop_(pending);
}

asio::awaitable<int> file_io::execute(operation op) {
    SAMSA_ASSERT(io_context_.get_executor().running_in_this_thread(),
                 "file_io used off the thread of its io_context");
    pending_operation pending(op);
    if (in_flight_ < max_in_flight_ && first_waiter_ == nullptr) {
        ++in_flight_;
    } else {
        // release_slot() hands its slot over: in_flight_ already counts it when we resume.
        co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(int)>(
            [this, &pending](auto handler) {
                pending.park(std::move(handler));
                if (last_waiter_ == nullptr) {
                    first_waiter_ = &pending;
                } else {
                    last_waiter_->next_waiter_ = &pending;
                }
                last_waiter_ = &pending;
            },
            asio::use_awaitable);
    }
    int result = 0;
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
        result = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(int)>(
            [this, &pending](auto handler) {
                pending.park(std::move(handler));
                start(pending);
            },
            asio::use_awaitable);
        if (result != -EINTR && result != -EAGAIN) {
            break;
        }
    }
    release_slot();
    co_return result;
}

void file_io::release_slot() {
    if (first_waiter_ == nullptr) {
        --in_flight_;
        return;
    }
    pending_operation* next = first_waiter_;
    first_waiter_ = next->next_waiter_;
    if (first_waiter_ == nullptr) {
        last_waiter_ = nullptr;
    }
    next->next_waiter_ = nullptr;
    complete(*next, 0);
}

asio::awaitable<io_size_result> file_io::read_at(int fd, uint64_t offset,
                                                 std::span<uint8_t> buffer) {
    if (!valid_range(offset, buffer.size())) {
        co_return failure{errno_code(EINVAL)};
    }
    std::size_t read_bytes = 0;
    while (read_bytes < buffer.size()) {
        auto size =
            static_cast<uint32_t>(std::min(buffer.size() - read_bytes, max_bytes_per_operation_));
        int result = co_await execute(
            {operation_kind::read, fd, offset + read_bytes, buffer.data() + read_bytes, size});
        if (result < 0) {
            co_return failure{errno_code(-result)};
        }
        SAMSA_ASSERT(static_cast<uint32_t>(result) <= size, "read %d bytes of %u", result, size);
        read_bytes += static_cast<std::size_t>(result);
        if (static_cast<uint32_t>(result) < size) {
            break;  // for a regular file, a short read means the end of the file
        }
    }
    co_return read_bytes;
}

asio::awaitable<io_status> file_io::write_at(int fd, uint64_t offset,
                                             std::span<const uint8_t> data) {
    if (!valid_range(offset, data.size())) {
        co_return failure{errno_code(EINVAL)};
    }
    std::size_t written_bytes = 0;
    // Every round writes at least one byte or returns, so this ends.
    while (written_bytes < data.size()) {
        auto size =
            static_cast<uint32_t>(std::min(data.size() - written_bytes, max_bytes_per_operation_));
        // The kernel only reads from a write's buffer.
        auto* source = const_cast<uint8_t*>(data.data() + written_bytes);
        int result =
            co_await execute({operation_kind::write, fd, offset + written_bytes, source, size});
        if (result < 0) {
            co_return failure{errno_code(-result)};
        }
        if (result == 0) {
            co_return failure{errno_code(EIO)};  // no progress: never loop on it
        }
        SAMSA_ASSERT(static_cast<uint32_t>(result) <= size, "wrote %d bytes of %u", result, size);
        written_bytes += static_cast<std::size_t>(result);
    }
    co_return std::monostate{};
}

asio::awaitable<io_status> file_io::sync_data(int fd) {
    int result = co_await execute({operation_kind::sync_data, fd, 0, nullptr, 0});
    if (result < 0) {
        co_return failure{errno_code(-result)};
    }
    co_return std::monostate{};
}

asio::awaitable<io_status> file_io::sync(int fd) {
    int result = co_await execute({operation_kind::sync, fd, 0, nullptr, 0});
    if (result < 0) {
        co_return failure{errno_code(-result)};
    }
    co_return std::monostate{};
}

std::unique_ptr<file_io> make_file_io(asio::io_context& io_context,
                                      const file_io_options& options) {
    if (options.backend == file_io_backend::prefer_io_uring) {
        if (io_uring_disabled_by_environment()) {
            log::info("SAMSA_DISABLE_IO_URING=1: file I/O runs on {} worker threads",
                      options.thread_pool_workers);
        } else {
            auto uring = make_uring_file_io(io_context, options);
            if (uring.has_value()) {
                return std::move(uring).value();
            }
            log::warn("io_uring unavailable ({}): file I/O runs on {} worker threads",
                      uring.error().message(), options.thread_pool_workers);
        }
    }
    return make_thread_pool_file_io(io_context, options);
}

namespace {
thread_local file_io* this_thread_file_io = nullptr;
}  // namespace

void set_thread_file_io(file_io* io) {
    this_thread_file_io = io;
}
file_io* thread_file_io() {
    return this_thread_file_io;
}

}  // namespace samsa::runtime
