// Micro-benchmarks of the storage layer (docs/benchmarks.md has the numbers):
//
//   append/<batch bytes>             partition_log::append to the page cache, no fsync
//   append_durable/<batch bytes>     append, then co_await wait_durable: one fdatasync per
//                                    batch through runtime::file_io (the acks=all path with
//                                    a single producer, so no group commit)
//   sequential_read                  partition_log::read of a 64 MiB log from start to end,
//                                    plus pread of the regions it returns (what a fetch
//                                    sends); page cache warm
//   random_read                      partition_log::read of one batch at a random offset of
//                                    the same log: segment choice, index lookup, header scan
//   offset_index_lookup/<where>      offset_index::lookup of random targets in an index
//                                    filled to 90% of segment.index.bytes (10 MiB): anywhere
//                                    (cold binary search), or in the last 8 KiB (warm section)
//
// Every log lives in a fresh directory under $TMPDIR (default /tmp), removed afterwards.

#include <benchmark/benchmark.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/temporary_directory.h"
#include "protocol/record_batch_builder.h"
#include "runtime/file_io.h"
#include "storage/file_system.h"
#include "storage/offset_index.h"
#include "storage/partition_log.h"

namespace samsa::storage {
namespace {

constexpr std::size_t record_value_bytes = 100;
// Appending benchmarks start a new log after this much, to bound the disk they use.
constexpr uint64_t append_log_limit_bytes = 512ULL * 1024 * 1024;
constexpr uint64_t read_log_bytes = 64ULL * 1024 * 1024;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A batch of 100-byte records and one shorter last record that brings it to size_bytes (to
// within the few bytes of a varint).
std::vector<uint8_t> make_batch(std::size_t size_bytes) {
    // What a record adds to a batch besides its value: length, attributes, deltas, key
    // and value lengths, header count, each a varint of 1 or 2 bytes here.
    constexpr std::size_t record_overhead_bytes = 9;
    protocol::record_batch_builder builder({});
    // Room for the last record, which may be up to twice as long as the others.
    std::vector<uint8_t> value(2 * (record_value_bytes + record_overhead_bytes));
    std::mt19937_64 random(size_bytes);
    for (auto& byte : value) {
        byte = static_cast<uint8_t>(random());
    }
    const int64_t timestamp_ms = now_ms();
    while (builder.uncompressed_size_bytes() + 2 * (record_value_bytes + record_overhead_bytes) <=
           size_bytes) {
        builder.append({.timestamp_ms = timestamp_ms,
                        .value = protocol::byte_view(value).first(record_value_bytes)});
    }
    std::size_t left = size_bytes - builder.uncompressed_size_bytes();
    std::size_t last_value_bytes = left > record_overhead_bytes ? left - record_overhead_bytes : 0;
    builder.append({.timestamp_ms = timestamp_ms,
                    .value = protocol::byte_view(value).first(last_value_bytes)});
    auto built = std::move(builder).build();
    SAMSA_ASSERT(built.has_value(), "building a batch failed");
    return std::move(built).value();
}

// A log with the real async file I/O behind it. Members are destroyed in reverse order:
// the log, the file system, file_io, its io_context, and last the directory.
struct bench_log {
    explicit bench_log(const log_config& config) : config_(config) { reopen(); }

    void reopen() {
        log.reset();
        std::filesystem::remove_all(dir.path() / "log");
        auto opened = partition_log::open(*fs, dir.path() / "log", config_, {.now_ms = now_ms()});
        SAMSA_ASSERT(opened.has_value(), "open: %s", opened.error().message.c_str());
        log = std::move(opened).value();
    }

    append_result append(std::vector<uint8_t>& batch) {
        auto appended = log->append(batch, leader_epoch(0), now_ms());
        SAMSA_ASSERT(appended.has_value(), "append: %s", appended.error().message.c_str());
        return appended.value();
    }

    temporary_directory dir{"samsa-bench"};
    asio::io_context io_context{1};
    std::unique_ptr<runtime::file_io> io = runtime::make_file_io(io_context, {});
    std::unique_ptr<file_system> fs = make_posix_file_system(io.get());
    log_config config_;
    std::unique_ptr<partition_log> log;
};

void report_append(benchmark::State& state, std::size_t batch_bytes, uint64_t records) {
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch_bytes));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["records/s"] =
        benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
    state.counters["batch_bytes"] = static_cast<double>(batch_bytes);
}

void append(benchmark::State& state) {
    auto batch = make_batch(static_cast<std::size_t>(state.range(0)));
    bench_log log({});
    uint64_t written_bytes = 0;
    uint64_t records = 0;
    for (auto _ : state) {
        auto appended = log.append(batch);
        records +=
            static_cast<uint64_t>(appended.last_offset.value() - appended.base_offset.value() + 1);
        written_bytes += batch.size();
        if (written_bytes >= append_log_limit_bytes) {
            state.PauseTiming();
            log.reopen();
            written_bytes = 0;
            state.ResumeTiming();
        }
    }
    report_append(state, batch.size(), records);
}

asio::awaitable<void> append_durable_loop(benchmark::State& state, bench_log& log,
                                          std::vector<uint8_t>& batch, uint64_t& records) {
    for (auto _ : state) {
        auto appended = log.append(batch);
        auto durable = co_await log.log->wait_durable(offset(appended.last_offset.value() + 1));
        SAMSA_ASSERT(durable.has_value(), "wait_durable: %s", durable.error().message.c_str());
        records +=
            static_cast<uint64_t>(appended.last_offset.value() - appended.base_offset.value() + 1);
    }
}

void append_durable(benchmark::State& state) {
    auto batch = make_batch(static_cast<std::size_t>(state.range(0)));
    bench_log log({});
    uint64_t records = 0;
    asio::co_spawn(log.io_context, append_durable_loop(state, log, batch, records), asio::detached);
    log.io_context.run();
    report_append(state, batch.size(), records);
    state.SetLabel(std::string(log.io->backend_name()));
}

// The 64 MiB log of 1 KiB batches the read benchmarks share, written once.
bench_log& read_log() {
    static std::unique_ptr<bench_log> shared = [] {
        auto log = std::make_unique<bench_log>(log_config{.segment_bytes = 16 * 1024 * 1024});
        auto batch = make_batch(1024);
        while (log->log->size_bytes() < read_log_bytes) {
            log->append(batch);
        }
        auto flushed = log->log->flush();
        SAMSA_ASSERT(flushed.has_value(), "flush: %s", flushed.error().message.c_str());
        return log;
    }();
    return *shared;
}

void sequential_read(benchmark::State& state) {
    auto& log = *read_log().log;
    std::vector<uint8_t> buffer(1024 * 1024);
    constexpr uint32_t fetch_bytes = 1024 * 1024;  // a fetch's max.partition.fetch.bytes
    uint64_t bytes = 0;
    for (auto _ : state) {
        offset next = log.log_start_offset();
        while (next < log.log_end_offset()) {
            auto read = log.read(next, fetch_bytes, log.log_end_offset(), true);
            SAMSA_ASSERT(read.has_value() && !read->regions.empty(), "read at %lld",
                         static_cast<long long>(next.value()));
            for (const auto& region : read->regions) {
                if (buffer.size() < region.size_bytes) {
                    buffer.resize(region.size_bytes);
                }
                auto copied = region.file->read_at(region.position,
                                                   std::span(buffer).first(region.size_bytes));
                SAMSA_ASSERT(copied.has_value(), "pread failed");
                bytes += copied.value();
            }
            next = read->next_offset;
        }
    }
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.counters["log_bytes"] = static_cast<double>(log.size_bytes());
    state.counters["segments"] = static_cast<double>(log.segment_count());
}

void random_read(benchmark::State& state) {
    auto& log = *read_log().log;
    std::mt19937_64 random(42);
    std::uniform_int_distribution<int64_t> target(log.log_start_offset().value(),
                                                  log.log_end_offset().value() - 1);
    for (auto _ : state) {
        auto read = log.read(offset(target(random)), 1, log.log_end_offset(), true);
        benchmark::DoNotOptimize(read);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

enum class lookup_range : int64_t { anywhere = 0, warm_tail = 1 };

void offset_index_lookup(benchmark::State& state) {
    constexpr uint32_t max_index_bytes = 10 * 1024 * 1024;  // segment.index.bytes default
    // A full 10 MiB index describes a 1 GiB segment when an entry covers ~820 bytes of log;
    // 1 KiB batches of 9 records (the append/1024 batch) keep positions below 2 GiB.
    constexpr int64_t offsets_per_entry = 9;
    constexpr uint32_t bytes_per_entry = 1024;
    temporary_directory dir{"samsa-bench"};
    auto fs = make_posix_file_system(nullptr);
    auto file = fs->open(dir.path() / "00000000000000000000.index", open_mode::read_write_create);
    SAMSA_ASSERT(file.has_value(), "open: %s", file.error().message.c_str());
    auto index = offset_index::open(std::move(file).value(), offset(0), max_index_bytes,
                                    index_access::read_write);
    SAMSA_ASSERT(index.has_value(), "open index: %s", index.error().message.c_str());
    const uint32_t entries = index->max_entries() / 10 * 9;
    for (uint32_t n = 0; n < entries; ++n) {
        index->append(offset(int64_t{n} * offsets_per_entry), n * bytes_per_entry);
    }
    const int64_t last = int64_t{entries} * offsets_per_entry;
    const int64_t warm_span = 8192 / offset_index::entry_size_bytes * offsets_per_entry;
    const int64_t first =
        static_cast<lookup_range>(state.range(0)) == lookup_range::warm_tail ? last - warm_span : 0;
    // Targets drawn up front so the generator is not what is measured.
    std::mt19937_64 random(7);
    std::uniform_int_distribution<int64_t> distribution(first, last);
    std::vector<offset> targets(1 << 16);
    for (auto& target : targets) {
        target = offset(distribution(random));
    }
    std::size_t next = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(index->lookup(targets[next]));
        next = (next + 1) & (targets.size() - 1);
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["entries"] = static_cast<double>(entries);
}

BENCHMARK(append)->Arg(1024)->Arg(16 * 1024);
BENCHMARK(append_durable)->Arg(1024)->Arg(16 * 1024)->UseRealTime();
BENCHMARK(sequential_read)->Unit(benchmark::kMillisecond);
BENCHMARK(random_read);
BENCHMARK(offset_index_lookup)
    ->ArgName("warm_tail")
    ->Arg(static_cast<int64_t>(lookup_range::anywhere))
    ->Arg(static_cast<int64_t>(lookup_range::warm_tail));

}  // namespace
}  // namespace samsa::storage

BENCHMARK_MAIN();
