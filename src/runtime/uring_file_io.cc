#include "runtime/uring_file_io.h"

#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/assert.h"

namespace samsa::runtime {
namespace {

// How long to wait before submitting again when io_uring_enter reports a transient
// shortage (EAGAIN, EBUSY, ENOMEM). The entries stay queued in the ring meanwhile.
constexpr std::chrono::milliseconds submit_retry_delay{1};

std::error_code errno_code(int value) {
    return {value, std::system_category()};
}

struct ring_deleter {
    void operator()(io_uring* ring) const {
        io_uring_queue_exit(ring);
        delete ring;
    }
};
using ring_ptr = std::unique_ptr<io_uring, ring_deleter>;

// A ring that can read, write and fsync: IORING_OP_READ and IORING_OP_WRITE (5.6) take
// a plain buffer and offset, like pread and pwrite.
result<ring_ptr, std::error_code> open_ring(uint32_t entries) {
    auto ring = std::make_unique<io_uring>();
    int status = io_uring_queue_init(entries, ring.get(), 0);
    if (status < 0) {
        return failure{errno_code(-status)};
    }
    ring_ptr opened(ring.release());
    io_uring_probe* probe = io_uring_get_probe_ring(opened.get());
    if (probe == nullptr) {
        return failure{errno_code(EOPNOTSUPP)};
    }
    bool supported = io_uring_opcode_supported(probe, IORING_OP_READ) &&
                     io_uring_opcode_supported(probe, IORING_OP_WRITE) &&
                     io_uring_opcode_supported(probe, IORING_OP_FSYNC);
    io_uring_free_probe(probe);
    if (!supported) {
        return failure{errno_code(EOPNOTSUPP)};
    }
    return opened;
}

class uring_file_io final : public file_io {
public:
    // Precondition: completion_event is an eventfd registered with ring.
    uring_file_io(asio::io_context& io_context, const file_io_options& options, ring_ptr ring,
                  asio::posix::stream_descriptor completion_event)
        : file_io(io_context, options),
          ring_(std::move(ring)),
          completion_event_(std::move(completion_event)),
          submit_retry_timer_(io_context) {}

    ~uring_file_io() override;

    std::string_view backend_name() const override { return "io_uring"; }

private:
    void start(pending_operation& pending) override;
    void submit_queued();
    void watch_completions();
    void reap_completions();

    ring_ptr ring_;
    // The eventfd the ring signals on each completion.
    asio::posix::stream_descriptor completion_event_;
    asio::steady_timer submit_retry_timer_;
    // Operations in the ring, submitted or not, whose completion is not reaped yet.
    uint32_t in_kernel_ = 0;
    bool watching_ = false;
    bool submit_retry_scheduled_ = false;
};

uring_file_io::~uring_file_io() {
    while (in_kernel_ > 0) {
        int status = io_uring_submit_and_wait(ring_.get(), 1);
        SAMSA_ASSERT(status >= 0 || status == -EINTR || status == -EAGAIN || status == -EBUSY,
                     "io_uring_submit_and_wait: %s", std::strerror(-status));
        unsigned head = 0;
        unsigned reaped = 0;
        io_uring_cqe* completion = nullptr;
        io_uring_for_each_cqe(ring_.get(), head, completion) {
            abandon(*static_cast<pending_operation*>(io_uring_cqe_get_data(completion)));
            ++reaped;
        }
        io_uring_cq_advance(ring_.get(), reaped);
        in_kernel_ -= reaped;
    }
}

void uring_file_io::start(pending_operation& pending) {
    io_uring_sqe* entry = io_uring_get_sqe(ring_.get());
    // file_io has at most max_in_flight operations out, and the ring has that many entries.
    SAMSA_ASSERT(entry != nullptr, "io_uring submission queue full with %u in the kernel",
                 in_kernel_);
    const operation& op = pending.op();
    switch (op.kind) {
        case operation_kind::read:
            io_uring_prep_read(entry, op.fd, op.data, op.size_bytes, op.offset);
            break;
        case operation_kind::write:
            io_uring_prep_write(entry, op.fd, op.data, op.size_bytes, op.offset);
            break;
        case operation_kind::sync_data:
            io_uring_prep_fsync(entry, op.fd, IORING_FSYNC_DATASYNC);
            break;
        case operation_kind::sync:
            io_uring_prep_fsync(entry, op.fd, 0);
            break;
    }
    io_uring_sqe_set_data(entry, &pending);
    ++in_kernel_;
    submit_queued();
    watch_completions();
}

void uring_file_io::submit_queued() {
    // Each round either submits at least one entry or gives up until the retry.
    while (io_uring_sq_ready(ring_.get()) > 0) {
        int submitted = io_uring_submit(ring_.get());
        if (submitted > 0) {
            continue;
        }
        SAMSA_ASSERT(submitted == 0 || submitted == -EINTR || submitted == -EAGAIN ||
                         submitted == -EBUSY || submitted == -ENOMEM,
                     "io_uring_submit: %s", std::strerror(-submitted));
        if (!submit_retry_scheduled_) {
            submit_retry_scheduled_ = true;
            submit_retry_timer_.expires_after(submit_retry_delay);
            submit_retry_timer_.async_wait([this, alive = lifetime()](const std::error_code&) {
                if (alive.expired()) {
                    return;
                }
                submit_retry_scheduled_ = false;
                submit_queued();
            });
        }
        return;
    }
}

void uring_file_io::watch_completions() {
    if (watching_ || in_kernel_ == 0) {
        return;
    }
    watching_ = true;
    completion_event_.async_wait(asio::posix::descriptor_base::wait_read,
                                 [this, alive = lifetime()](const std::error_code& error) {
                                     if (alive.expired()) {
                                         return;  // destroyed: the wait was cancelled
                                     }
                                     SAMSA_ASSERT(!error, "waiting for io_uring completions: %s",
                                                  error.message().c_str());
                                     watching_ = false;
                                     reap_completions();
                                     watch_completions();
                                 });
}

void uring_file_io::reap_completions() {
    // Reset the eventfd before reading the queue: a completion posted after the reset
    // signals it again, so none is missed.
    uint64_t signals = 0;
    ssize_t read_bytes = ::read(completion_event_.native_handle(), &signals, sizeof signals);
    SAMSA_ASSERT(read_bytes == sizeof signals || (read_bytes < 0 && errno == EAGAIN),
                 "reading the io_uring eventfd: %s", std::strerror(errno));
    unsigned head = 0;
    unsigned reaped = 0;
    io_uring_cqe* completion = nullptr;
    io_uring_for_each_cqe(ring_.get(), head, completion) {
        // complete() only posts the resumption, so no caller runs inside this loop.
        complete(*static_cast<pending_operation*>(io_uring_cqe_get_data(completion)),
                 completion->res);
        ++reaped;
    }
    io_uring_cq_advance(ring_.get(), reaped);
    in_kernel_ -= reaped;
}

}  // namespace

result<std::unique_ptr<file_io>, std::error_code> make_uring_file_io(
    asio::io_context& io_context, const file_io_options& options) {
    auto ring = open_ring(options.max_in_flight);
    if (!ring.has_value()) {
        return failure{ring.error()};
    }
    int event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd < 0) {
        return failure{errno_code(errno)};
    }
    asio::posix::stream_descriptor completion_event(io_context);
    std::error_code error;
    completion_event.assign(event_fd, error);
    if (error) {
        ::close(event_fd);
        return failure{error};
    }
    int status = io_uring_register_eventfd(ring->get(), event_fd);
    if (status < 0) {
        return failure{errno_code(-status)};
    }
    return std::unique_ptr<file_io>(
        new uring_file_io(io_context, options, std::move(*ring), std::move(completion_event)));
}

}  // namespace samsa::runtime
