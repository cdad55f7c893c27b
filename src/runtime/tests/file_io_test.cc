// file_io on both backends (the io_uring one is skipped only if the kernel refuses a
// ring), plus file_io's own retry and short-write logic against a scripted backend.

#include "runtime/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <cerrno>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/assert.h"
#include "runtime/thread_pool_file_io.h"
#include "runtime/uring_file_io.h"

namespace samsa::runtime {
namespace {

// Runs task on io_context until nothing is left to do, and returns its value.
template <typename T>
T run_to_completion(asio::io_context& io_context, asio::awaitable<T> task) {
    std::optional<T> outcome;
    asio::co_spawn(
        io_context, [&]() -> asio::awaitable<void> { outcome.emplace(co_await std::move(task)); },
        [](std::exception_ptr error) {
            if (error) {
                std::rethrow_exception(error);
            }
        });
    io_context.run();
    io_context.restart();
    SAMSA_ASSERT(outcome.has_value(), "the task did not finish");
    return std::move(*outcome);
}

std::span<const uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::string text_of(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A temporary file, removed at the end of the test.
class temporary_file {
public:
    temporary_file() : path_(testing::TempDir() + "samsa_file_io_test_XXXXXX") {
        fd_ = ::mkstemp(path_.data());
        SAMSA_ASSERT(fd_ >= 0, "mkstemp %s: errno %d", path_.c_str(), errno);
    }
    ~temporary_file() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    off_t size_bytes() const {
        struct stat status {};
        SAMSA_ASSERT(::fstat(fd_, &status) == 0, "fstat: errno %d", errno);
        return status.st_size;
    }

private:
    std::string path_;
    int fd_ = -1;
};

enum class backend { io_uring, thread_pool };

class FileIoTest : public testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        open_backend({});
        if (io_ == nullptr) {
            GTEST_SKIP() << "the kernel refuses io_uring: " << uring_refusal_.message();
        }
    }

    // Replaces the file_io under test; leaves it null if the kernel refuses io_uring.
    void open_backend(const file_io_options& options) {
        io_.reset();
        if (GetParam() == backend::thread_pool) {
            io_ = make_thread_pool_file_io(io_context_, options);
            return;
        }
        auto uring = make_uring_file_io(io_context_, options);
        if (uring.has_value()) {
            io_ = std::move(uring).value();
        } else {
            uring_refusal_ = uring.error();
        }
    }

    template <typename T>
    T run(asio::awaitable<T> task) {
        return run_to_completion(io_context_, std::move(task));
    }

    void write(uint64_t offset, const std::string& text) {
        auto written = run(io_->write_at(file_.fd(), offset, bytes_of(text)));
        ASSERT_TRUE(written.has_value()) << written.error().message();
    }

    std::string read(uint64_t offset, std::size_t size_bytes) {
        std::vector<uint8_t> buffer(size_bytes);
        auto read_bytes = run(io_->read_at(file_.fd(), offset, buffer));
        EXPECT_TRUE(read_bytes.has_value()) << read_bytes.error().message();
        return read_bytes ? text_of(std::span(buffer).first(*read_bytes)) : "";
    }

    asio::io_context io_context_{1};
    temporary_file file_;
    std::unique_ptr<file_io> io_;
    std::error_code uring_refusal_;
};

TEST_P(FileIoTest, NamesItsBackend) {
    EXPECT_EQ(io_->backend_name(), GetParam() == backend::io_uring ? "io_uring" : "thread-pool");
}

TEST_P(FileIoTest, WriteThenReadBackAtOffsets) {
    write(0, "hello");
    write(8192, "world");
    write(2, "LL");

    EXPECT_EQ(read(0, 5), "heLLo");
    EXPECT_EQ(read(8192, 5), "world");
    EXPECT_EQ(read(5, 3), std::string(3, '\0')) << "the hole reads as zeros";
    EXPECT_EQ(file_.size_bytes(), 8192 + 5);
}

TEST_P(FileIoTest, ReadPastEndOfFileReturnsFewerBytes) {
    write(0, "0123456789");

    EXPECT_EQ(read(6, 8), "6789");
}

TEST_P(FileIoTest, ReadAtEndOfFileReturnsZero) {
    write(0, "0123456789");

    EXPECT_EQ(read(10, 8), "");
    EXPECT_EQ(read(1000, 8), "");
}

TEST_P(FileIoTest, ReadFromBadDescriptorFailsWithEbadf) {
    std::vector<uint8_t> buffer(16);
    auto read_bytes = run(io_->read_at(-1, 0, buffer));

    ASSERT_FALSE(read_bytes.has_value());
    EXPECT_EQ(read_bytes.error(), std::errc::bad_file_descriptor);
    EXPECT_EQ(&read_bytes.error().category(), &std::system_category());
}

TEST_P(FileIoTest, WriteToReadOnlyDescriptorFailsWithEbadf) {
    int read_only = ::open(file_.path().c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(read_only, 0);

    auto written = run(io_->write_at(read_only, 0, bytes_of("nope")));
    ::close(read_only);

    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error(), std::errc::bad_file_descriptor);
}

TEST_P(FileIoTest, OffsetBeyondSignedRangeFailsWithEinval) {
    std::vector<uint8_t> buffer(16);
    auto read_bytes = run(io_->read_at(file_.fd(), UINT64_MAX, buffer));
    auto written = run(io_->write_at(file_.fd(), (uint64_t{1} << 63) - 2, bytes_of("abc")));

    ASSERT_FALSE(read_bytes.has_value());
    EXPECT_EQ(read_bytes.error(), std::errc::invalid_argument);
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error(), std::errc::invalid_argument);
}

TEST_P(FileIoTest, SyncDataAndSyncSucceed) {
    write(0, "durable");

    auto synced_data = run(io_->sync_data(file_.fd()));
    auto synced = run(io_->sync(file_.fd()));

    EXPECT_TRUE(synced_data.has_value()) << synced_data.error().message();
    EXPECT_TRUE(synced.has_value()) << synced.error().message();
}

TEST_P(FileIoTest, SyncDataOnBadDescriptorFailsWithEbadf) {
    auto synced = run(io_->sync_data(-1));

    ASSERT_FALSE(synced.has_value());
    EXPECT_EQ(synced.error(), std::errc::bad_file_descriptor);
}

TEST_P(FileIoTest, WriteLargerThanOneOperationIsSplitAndReadBackWhole) {
    open_backend({.max_bytes_per_operation = 4096});
    std::vector<uint8_t> data(1024 * 1024 + 123);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<uint8_t>(i * 7 + i / 4096);
    }

    auto written = run(io_->write_at(file_.fd(), 10, data));
    std::vector<uint8_t> buffer(data.size() + 100);
    auto read_bytes = run(io_->read_at(file_.fd(), 10, buffer));

    ASSERT_TRUE(written.has_value()) << written.error().message();
    EXPECT_EQ(file_.size_bytes(), static_cast<off_t>(10 + data.size()));
    ASSERT_TRUE(read_bytes.has_value()) << read_bytes.error().message();
    ASSERT_EQ(*read_bytes, data.size());
    buffer.resize(data.size());
    EXPECT_TRUE(buffer == data);
}

TEST_P(FileIoTest, ManyConcurrentOperationsBeyondTheBoundAllComplete) {
    constexpr uint32_t max_in_flight = 8;
    constexpr int writers = 300;
    open_backend({.max_in_flight = max_in_flight});
    int verified = 0;
    uint32_t most_in_flight = 0;

    for (int i = 0; i < writers; ++i) {
        asio::co_spawn(
            io_context_,
            [&, i]() -> asio::awaitable<void> {
                std::string record = "record " + std::to_string(i);
                auto written = co_await io_->write_at(file_.fd(), i * 64, bytes_of(record));
                most_in_flight = std::max(most_in_flight, io_->in_flight());
                EXPECT_TRUE(written.has_value());
                std::vector<uint8_t> buffer(record.size());
                auto read_bytes = co_await io_->read_at(file_.fd(), i * 64, buffer);
                most_in_flight = std::max(most_in_flight, io_->in_flight());
                if (read_bytes.has_value() && text_of(buffer) == record) {
                    ++verified;
                }
            },
            asio::detached);
    }
    io_context_.run();

    EXPECT_EQ(verified, writers);
    EXPECT_LE(most_in_flight, max_in_flight);
    EXPECT_EQ(io_->in_flight(), 0u);
}

TEST_P(FileIoTest, CallersResumeOnTheIoContextThread) {
    std::vector<std::thread::id> resumed_on;
    asio::co_spawn(
        io_context_,
        [&]() -> asio::awaitable<void> {
            std::vector<uint8_t> buffer(4);
            for (int i = 0; i < 20; ++i) {
                (void)co_await io_->write_at(file_.fd(), i * 4, bytes_of("abcd"));
                resumed_on.push_back(std::this_thread::get_id());
                (void)co_await io_->read_at(file_.fd(), i * 4, buffer);
                resumed_on.push_back(std::this_thread::get_id());
                (void)co_await io_->sync_data(file_.fd());
                resumed_on.push_back(std::this_thread::get_id());
            }
        },
        asio::detached);
    std::thread loop([this] { io_context_.run(); });
    std::thread::id loop_id = loop.get_id();
    loop.join();

    ASSERT_EQ(resumed_on.size(), 60u);
    for (std::thread::id id : resumed_on) {
        EXPECT_EQ(id, loop_id);
    }
}

// Destroying the file_io abandons its callers: none is resumed afterwards, and every one
// of their frames is still destroyed (ASan reports a leak or a use after free otherwise).
TEST_P(FileIoTest, DestroyingWithOperationsOutstandingAbandonsTheirCallers) {
    open_backend({.max_in_flight = 2});
    constexpr int writers = 20;
    int started = 0;
    int resumed = 0;
    int resumed_after_destruction = 0;
    int frames_destroyed = 0;
    bool destroyed = false;
    struct count_destruction {
        int& count;
        ~count_destruction() { ++count; }
    };

    for (int i = 0; i < writers; ++i) {
        asio::co_spawn(
            io_context_,
            [&, i]() -> asio::awaitable<void> {
                count_destruction counter{frames_destroyed};
                std::vector<uint8_t> data(64 * 1024, static_cast<uint8_t>(i));
                ++started;
                (void)co_await io_->write_at(file_.fd(), i * data.size(), data);
                ++resumed;
                resumed_after_destruction += destroyed ? 1 : 0;
            },
            asio::detached);
    }
    while (started < writers) {
        io_context_.run_one();
    }
    uint32_t in_flight_at_destruction = io_->in_flight();
    io_.reset();
    destroyed = true;
    io_context_.run();

    EXPECT_EQ(in_flight_at_destruction, 2u) << "two with the backend, the others waiting";
    EXPECT_LT(resumed, writers);
    EXPECT_EQ(resumed_after_destruction, 0);
    EXPECT_EQ(frames_destroyed, writers);
}

INSTANTIATE_TEST_SUITE_P(Backends, FileIoTest,
                         testing::Values(backend::io_uring, backend::thread_pool),
                         [](const testing::TestParamInfo<backend>& info) {
                             return info.param == backend::io_uring ? "IoUring" : "ThreadPool";
                         });

// A backend that runs each operation at once on the calling thread, with scripted faults:
// results to report instead of running it, and a cap on each write.
class scripted_file_io final : public file_io {
public:
    scripted_file_io(asio::io_context& io_context, const file_io_options& options)
        : file_io(io_context, options) {}

    std::string_view backend_name() const override { return "scripted"; }

    std::deque<int> injected_results;
    uint32_t max_write_bytes = UINT32_MAX;
    int operations_started = 0;

private:
    void start(pending_operation& pending) override {
        ++operations_started;
        if (!injected_results.empty()) {
            int result = injected_results.front();
            injected_results.pop_front();
            complete(pending, result);
            return;
        }
        const operation& op = pending.op();
        ssize_t status = -1;
        if (op.kind == operation_kind::write) {
            status = ::pwrite(op.fd, op.data, std::min(op.size_bytes, max_write_bytes),
                              static_cast<off_t>(op.offset));
        } else if (op.kind == operation_kind::read) {
            status = ::pread(op.fd, op.data, op.size_bytes, static_cast<off_t>(op.offset));
        } else {
            status = ::fdatasync(op.fd);
        }
        complete(pending, status < 0 ? -errno : static_cast<int>(status));
    }
};

class FileIoRetryTest : public testing::Test {
protected:
    template <typename T>
    T run(asio::awaitable<T> task) {
        return run_to_completion(io_context_, std::move(task));
    }

    asio::io_context io_context_{1};
    temporary_file file_;
    // Small operations, so that splitting shows without gigabyte buffers.
    static constexpr std::size_t max_bytes_per_operation = 16;
    scripted_file_io io_{io_context_, {.max_bytes_per_operation = max_bytes_per_operation}};
};

TEST_F(FileIoRetryTest, InterruptedOperationIsRetried) {
    io_.injected_results = {-EINTR, -EAGAIN, -EINTR};

    auto written = run(io_.write_at(file_.fd(), 0, bytes_of("abc")));

    EXPECT_TRUE(written.has_value());
    EXPECT_EQ(io_.operations_started, 4);
    EXPECT_EQ(file_.size_bytes(), 3);
}

TEST_F(FileIoRetryTest, EndlessEagainIsReportedAfterBoundedRetries) {
    io_.injected_results.assign(100, -EAGAIN);

    auto synced = run(io_.sync_data(file_.fd()));

    ASSERT_FALSE(synced.has_value());
    EXPECT_EQ(synced.error(), std::errc::resource_unavailable_try_again);
    EXPECT_LT(io_.operations_started, 100);
}

TEST_F(FileIoRetryTest, ShortWritesContinueUntilEverythingIsWritten) {
    io_.max_write_bytes = 3;
    std::string text = "a write of thirty-two bytes long";

    auto written = run(io_.write_at(file_.fd(), 5, bytes_of(text)));

    EXPECT_TRUE(written.has_value());
    EXPECT_EQ(io_.operations_started, 11);
    std::vector<uint8_t> buffer(text.size());
    ASSERT_EQ(::pread(file_.fd(), buffer.data(), buffer.size(), 5), ssize_t(text.size()));
    EXPECT_EQ(text_of(buffer), text);
}

TEST_F(FileIoRetryTest, WriteWithoutProgressFailsWithEio) {
    io_.injected_results = {2, 0};

    auto written = run(io_.write_at(file_.fd(), 0, bytes_of("abcdef")));

    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error(), std::errc::io_error);
    EXPECT_EQ(io_.operations_started, 2);
}

TEST_F(FileIoRetryTest, ErrorInTheMiddleOfAReadIsReported) {
    io_.injected_results = {max_bytes_per_operation, -EIO};
    std::vector<uint8_t> buffer(max_bytes_per_operation + 1);

    auto read_bytes = run(io_.read_at(file_.fd(), 0, buffer));

    ASSERT_FALSE(read_bytes.has_value());
    EXPECT_EQ(read_bytes.error(), std::errc::io_error);
}

TEST(FileIoFactory, ThreadPoolWhenAsked) {
    asio::io_context io_context{1};
    auto io = make_file_io(io_context, {.backend = file_io_backend::thread_pool});

    EXPECT_EQ(io->backend_name(), "thread-pool");
}

TEST(FileIoFactory, ThreadPoolWhenEnvironmentDisablesIoUring) {
    asio::io_context io_context{1};
    const char* previous = std::getenv("SAMSA_DISABLE_IO_URING");
    std::optional<std::string> saved =
        previous ? std::optional<std::string>(previous) : std::nullopt;
    ::setenv("SAMSA_DISABLE_IO_URING", "1", 1);
    auto io = make_file_io(io_context, {});
    if (saved) {
        ::setenv("SAMSA_DISABLE_IO_URING", saved->c_str(), 1);
    } else {
        ::unsetenv("SAMSA_DISABLE_IO_URING");
    }

    EXPECT_EQ(io->backend_name(), "thread-pool");
}

TEST(FileIoFactory, IoUringWhenTheKernelOffersIt) {
    const char* disabled = std::getenv("SAMSA_DISABLE_IO_URING");
    if (disabled != nullptr && std::string_view(disabled) == "1") {
        GTEST_SKIP() << "SAMSA_DISABLE_IO_URING=1";
    }
    asio::io_context io_context{1};
    bool kernel_offers_io_uring = make_uring_file_io(io_context, {}).has_value();
    auto io = make_file_io(io_context, {});

    EXPECT_EQ(io->backend_name(), kernel_offers_io_uring ? "io_uring" : "thread-pool");
}

}  // namespace
}  // namespace samsa::runtime
