#pragma once

// The io_uring backend of file_io (file_io.h): one ring per shard, driven through liburing
// from the shard's thread only, so it takes no locks.
//
//   submit   start() fills a submission queue entry whose user_data is the caller's
//            pending_operation and submits it at once (io_uring_enter). The ring has
//            options.max_in_flight entries, and file_io never has more operations out,
//            so an entry is always free and the completion queue (twice as large) never
//            overflows.
//   wake     the ring signals an eventfd (io_uring_register_eventfd) on every completion;
//            an asio::posix::stream_descriptor watches it on the shard's io_context, but
//            only while operations are in the kernel, so an idle ring keeps no work alive.
//   complete the watcher resets the eventfd, then reaps every completion and posts each
//            caller's resumption to its io_context.
//
// Destroying it waits for the kernel to finish every submitted operation (the kernel
// writes into the callers' buffers until then) and abandons their callers.

#include <asio/io_context.hpp>

#include <memory>
#include <system_error>

#include "base/result.h"
#include "runtime/file_io.h"

namespace samsa::runtime {

// A ring of options.max_in_flight entries with the eventfd registered, or why the kernel
// refuses: ENOSYS (no io_uring), EPERM (seccomp, kernel.io_uring_disabled), ENOMEM
// (RLIMIT_MEMLOCK before 5.12), EOPNOTSUPP (no opcode probe or no IORING_OP_READ, _WRITE,
// _FSYNC: before 5.6).
result<std::unique_ptr<file_io>, std::error_code> make_uring_file_io(
    asio::io_context& io_context, const file_io_options& options);

}  // namespace samsa::runtime
