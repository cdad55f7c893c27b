#pragma once

// The fallback backend of file_io (file_io.h), for kernels or containers without io_uring:
// options.thread_pool_workers threads per file_io run blocking pread, pwrite, fdatasync
// and fsync, and post each result back to the caller's io_context.
//
// The queue between the shard and its workers is a ring of options.max_in_flight slots
// allocated up front; file_io never has more operations out, so it never grows. It is
// the only state shared with the workers and is guarded by a mutex.
//
// Destroying it lets each worker finish the operation it is running, joins the workers,
// and abandons the callers of operations no worker had taken.

#include <asio/io_context.hpp>

#include <memory>

#include "runtime/file_io.h"

namespace samsa::runtime {

std::unique_ptr<file_io> make_thread_pool_file_io(asio::io_context& io_context,
                                                  const file_io_options& options);

}  // namespace samsa::runtime
