#pragma once

// Positional file I/O for a shard's event loop: read_at, write_at, sync_data and sync are
// coroutines that never block the loop. Two backends sit behind this one interface:
//
//   io_uring     (uring_file_io.h)       the kernel does the I/O; completions wake the loop
//                                        through an eventfd. No extra threads of ours.
//   thread-pool  (thread_pool_file_io.h) blocking pread/pwrite/fdatasync/fsync on a few
//                                        worker threads; results are posted back.
//
// make_file_io() picks one at start-up (docs/runtime-file-io.md: why, and what is probed).
//
// Ownership: one file_io per shard. It is created, used and destroyed on that shard's
// thread only, and must be destroyed before the shard's io_context. Callers' coroutines
// run on that io_context and are resumed there, never inline in the call that completes
// the operation.
//
// Bound: at most options.max_in_flight operations are with the backend at once (ring
// entries, worker queue slots). Further callers wait in FIFO order for a slot; a waiter
// is a node in its own suspended coroutine frame, so waiting never allocates and the
// memory it holds is bounded by whatever bounds the callers (e.g. in-flight requests per
// connection).
//
// Shutdown: destroying a file_io first lets the kernel or the workers finish the
// operations they have already started (they write into the callers' buffers), then
// abandons every caller still waiting: its coroutine is never resumed and its frame is
// destroyed by the io_context. Operations cannot be cancelled one by one.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>
#include <variant>

#include "base/result.h"

namespace samsa::runtime {

enum class file_io_backend {
    // io_uring when the kernel offers it (and SAMSA_DISABLE_IO_URING is not 1), else the
    // thread pool.
    prefer_io_uring,
    thread_pool,
};

struct file_io_options {
    file_io_backend backend = file_io_backend::prefer_io_uring;
    // Operations with the backend at once: io_uring submission queue entries, or slots in
    // the worker queue.
    uint32_t max_in_flight = 256;
    // Worker threads of the thread-pool backend (per file_io, so per shard).
    uint32_t thread_pool_workers = 2;
    // The largest single read or write handed to the kernel; longer ones are split. The
    // default is Linux's MAX_RW_COUNT (INT_MAX rounded down to a page), the most one
    // pread or pwrite transfers anyway.
    std::size_t max_bytes_per_operation = 0x7ffff000;
};

// Errors are errno values in std::system_category(), so they compare equal to std::errc.
using io_size_result = result<std::size_t, std::error_code>;
using io_status = result<std::monostate, std::error_code>;

class file_io {
public:
    virtual ~file_io();
    file_io(const file_io&) = delete;
    file_io& operator=(const file_io&) = delete;

    // Reads into buffer from offset until the buffer is full or the file ends, and returns
    // the number of bytes read: fewer than buffer.size() only at the end of the file, 0
    // at or past it. The buffer must stay valid until the coroutine resumes.
    asio::awaitable<io_size_result> read_at(int fd, uint64_t offset, std::span<uint8_t> buffer);
    // Writes all of data at offset, continuing after short writes. On an error some prefix
    // of data may have been written.
    asio::awaitable<io_status> write_at(int fd, uint64_t offset, std::span<const uint8_t> data);
    // fdatasync(2): data and the metadata needed to read it back (the file size).
    asio::awaitable<io_status> sync_data(int fd);
    // fsync(2): data and all metadata.
    asio::awaitable<io_status> sync(int fd);

    // "io_uring" or "thread-pool", for the start-up log.
    virtual std::string_view backend_name() const = 0;

    // Operations with the backend now; never more than options.max_in_flight.
    uint32_t in_flight() const { return in_flight_; }

protected:
    // The backend interface. A backend gets one system-call-sized operation at a time in
    // start() and reports its outcome with complete(): the system call's return value, or
    // -errno. Retries (EINTR, EAGAIN), splitting and short transfers are handled here.
    enum class operation_kind { read, write, sync_data, sync };

    struct operation {
        operation_kind kind;
        int fd;
        uint64_t offset;      // read and write only; at most INT64_MAX - size_bytes
        uint8_t* data;        // read and write only; written to by reads only
        uint32_t size_bytes;  // at most max_bytes_per_operation
    };

    // An operation handed to a backend: it owns the suspended caller until complete() or
    // abandon(). Lives in the caller's coroutine frame.
    class pending_operation {
    public:
        explicit pending_operation(const operation& op) : op_(op) {}
        ~pending_operation();
        pending_operation(const pending_operation&) = delete;
        pending_operation& operator=(const pending_operation&) = delete;

        const operation& op() const { return op_; }

    private:
        friend class file_io;
        // The caller's completion handler (an asio awaitable handler, the size of a pointer)
        // is kept inline so that parking a caller never allocates.
        static constexpr std::size_t handler_capacity_bytes = 32;

        template <typename Handler>
        void park(Handler&& handler);
        bool parked() const { return resume_ != nullptr; }

        operation op_;
        pending_operation* next_waiter_ = nullptr;
        alignas(std::max_align_t) std::byte handler_[handler_capacity_bytes];
        // Posts the handler with the result to its executor; empties the node.
        void (*resume_)(pending_operation&, int result, std::weak_ptr<void> owner) = nullptr;
        // Destroys the handler without calling it; empties the node.
        void (*drop_)(pending_operation&) = nullptr;
    };

    // Preconditions: io_context outlives this object, and operations are started only on
    // the thread running io_context (asserted).
    file_io(asio::io_context& io_context, const file_io_options& options);

    // Hands the operation to the backend; it must eventually call complete() or, only
    // while being destroyed, abandon(). Never resumes the caller inline.
    virtual void start(pending_operation& pending) = 0;

    // Resumes the caller with the result on its io_context. Callable from any thread.
    // If this file_io is destroyed before the resumption runs, the caller is abandoned.
    void complete(pending_operation& pending, int result);
    // Destroys the caller's suspended coroutine instead of resuming it; for destructors.
    static void abandon(pending_operation& pending);

    // A token that expires when this file_io is destroyed, for handlers that may run later.
    std::weak_ptr<void> lifetime() const { return alive_; }

private:
    // Runs one operation: waits for a slot, retries EINTR and EAGAIN a bounded number of
    // times, and returns the system call's result or -errno.
    asio::awaitable<int> execute(operation op);
    void release_slot();

    asio::io_context& io_context_;
    const uint32_t max_in_flight_;
    const std::size_t max_bytes_per_operation_;
    uint32_t in_flight_ = 0;
    // Callers waiting for a slot, oldest first. Intrusive through next_waiter_.
    pending_operation* first_waiter_ = nullptr;
    pending_operation* last_waiter_ = nullptr;
    std::shared_ptr<void> alive_;
};

// The backend options.backend asks for, falling back to the thread pool (with a warning
// in the log) when io_uring is refused. Preconditions as for file_io's constructor.
std::unique_ptr<file_io> make_file_io(asio::io_context& io_context, const file_io_options& options);

// The calling thread's file_io: each shard registers its own once it has made it, so that
// code shared by every shard (a file_system) reaches the right one. nullptr on threads
// without one (start-up loaders, tests).
void set_thread_file_io(file_io* io);
file_io* thread_file_io();

}  // namespace samsa::runtime
