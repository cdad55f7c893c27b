#include "runtime/thread_pool_file_io.h"

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "base/assert.h"
#include "base/log.h"

namespace samsa::runtime {
namespace {

class thread_pool_file_io final : public file_io {
public:
    thread_pool_file_io(asio::io_context& io_context, const file_io_options& options);
    ~thread_pool_file_io() override;

    std::string_view backend_name() const override { return "thread-pool"; }

private:
    void start(pending_operation& pending) override;
    void work();
    // The blocking system call: its result, or -errno.
    static int perform(const operation& op);

    std::mutex mutex_;
    std::condition_variable work_available_;
    // Operations no worker has taken yet, oldest at queue_head_: a ring that file_io's bound
    // keeps from overflowing. Guarded by mutex_, like stopping_.
    std::vector<pending_operation*> queue_;
    std::size_t queue_head_ = 0;
    std::size_t queue_size_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

thread_pool_file_io::thread_pool_file_io(asio::io_context& io_context,
                                         const file_io_options& options)
    : file_io(io_context, options), queue_(options.max_in_flight, nullptr) {
    SAMSA_ASSERT(options.thread_pool_workers > 0, "the file I/O thread pool needs a worker");
    workers_.reserve(options.thread_pool_workers);
    for (uint32_t i = 0; i < options.thread_pool_workers; ++i) {
        workers_.emplace_back([this] { work(); });
    }
}

thread_pool_file_io::~thread_pool_file_io() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_available_.notify_all();
    for (std::thread& worker : workers_) {
        worker.join();
    }
    // Each worker finished the operation it had taken; nobody takes the rest.
    for (; queue_size_ > 0; --queue_size_) {
        abandon(*queue_[queue_head_]);
        queue_head_ = (queue_head_ + 1) % queue_.size();
    }
}

void thread_pool_file_io::start(pending_operation& pending) {
    {
        std::lock_guard lock(mutex_);
        SAMSA_ASSERT(queue_size_ < queue_.size(), "file I/O queue full with %zu operations",
                     queue_size_);
        queue_[(queue_head_ + queue_size_) % queue_.size()] = &pending;
        ++queue_size_;
    }
    work_available_.notify_one();
}

void thread_pool_file_io::work() {
    log::set_thread_name("file-io");
    for (;;) {
        pending_operation* pending = nullptr;
        {
            std::unique_lock lock(mutex_);
            work_available_.wait(lock, [this] { return stopping_ || queue_size_ > 0; });
            if (stopping_) {
                return;
            }
            pending = queue_[queue_head_];
            queue_head_ = (queue_head_ + 1) % queue_.size();
            --queue_size_;
        }
        // Posts the resumption to the caller's io_context (thread-safe).
        complete(*pending, perform(pending->op()));
    }
}

int thread_pool_file_io::perform(const operation& op) {
    ssize_t status = -1;
    switch (op.kind) {
        case operation_kind::read:
            status = ::pread(op.fd, op.data, op.size_bytes, static_cast<off_t>(op.offset));
            break;
        case operation_kind::write:
            status = ::pwrite(op.fd, op.data, op.size_bytes, static_cast<off_t>(op.offset));
            break;
        case operation_kind::sync_data:
            status = ::fdatasync(op.fd);
            break;
        case operation_kind::sync:
            status = ::fsync(op.fd);
            break;
    }
    return status < 0 ? -errno : static_cast<int>(status);
}

}  // namespace

std::unique_ptr<file_io> make_thread_pool_file_io(asio::io_context& io_context,
                                                  const file_io_options& options) {
    return std::make_unique<thread_pool_file_io>(io_context, options);
}

}  // namespace samsa::runtime
