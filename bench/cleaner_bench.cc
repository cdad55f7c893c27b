// The log cleaner's throughput (docs/benchmarks.md has the numbers):
//
//   clean/<keys>/<codec>   one whole clean (plan, storage::clean_log, install_cleaned) of a
//                          64 MiB log in 8 MiB segments, batches of 10 records of 100-byte
//                          values whose keys are drawn from <keys> distinct keys; codec 0 is
//                          uncompressed, 1 is lz4 (every batch that loses a record is
//                          decompressed and rebuilt). Page cache warm; the bytes per second
//                          are of the log cleaned. With 1,000 keys nearly every batch is
//                          rebuilt or dropped; with 10,000,000 nearly every batch is copied.
//
// Each iteration cleans a freshly written log; writing it is not timed.

#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/temporary_directory.h"
#include "protocol/record_batch_builder.h"
#include "storage/file_system.h"
#include "storage/log_cleaner.h"
#include "storage/partition_log.h"

namespace samsa::storage {
namespace {

constexpr uint64_t log_bytes = 64ULL * 1024 * 1024;
constexpr int records_per_batch = 10;
constexpr std::size_t value_bytes = 100;

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::unique_ptr<partition_log> write_log(file_system& fs, const std::filesystem::path& dir,
                                         int64_t keys, protocol::compression_codec codec) {
    log_config config;
    config.segment_bytes = 8 * 1024 * 1024;
    config.compacts = true;
    config.deletes = false;
    config.retention_ms = -1;
    config.min_cleanable_dirty_ratio = 0;
    auto opened = partition_log::open(fs, dir, config, {.now_ms = wall_ms()});
    SAMSA_ASSERT(opened.has_value(), "open: %s", opened.error().message.c_str());
    auto log = std::move(opened).value();
    std::mt19937_64 random(keys);
    std::uniform_int_distribution<int64_t> key_of(0, keys - 1);
    std::string value(value_bytes, 'v');
    for (auto& byte : value) {
        byte = static_cast<char>('a' + random() % 26);
    }
    int64_t now = wall_ms();
    while (log->size_bytes() < log_bytes) {
        protocol::record_batch_builder builder({.codec = codec});
        std::vector<std::string> batch_keys;
        batch_keys.reserve(records_per_batch);
        for (int index = 0; index < records_per_batch; ++index) {
            batch_keys.push_back(fmt::format("key-{:08d}", key_of(random)));
            builder.append({.timestamp_ms = now,
                            .key = protocol::byte_view(
                                reinterpret_cast<const uint8_t*>(batch_keys.back().data()),
                                batch_keys.back().size()),
                            .value = protocol::byte_view(
                                reinterpret_cast<const uint8_t*>(value.data()), value.size())});
        }
        auto batch = std::move(builder).build();
        SAMSA_ASSERT(batch.has_value(), "build failed");
        auto appended = log->append(batch.value(), leader_epoch(0), now);
        SAMSA_ASSERT(appended.has_value(), "append: %s", appended.error().message.c_str());
    }
    auto rolled = log->roll(now);
    SAMSA_ASSERT(rolled.has_value(), "roll failed");
    log->set_high_watermark(log->log_end_offset());
    return log;
}

void clean(benchmark::State& state) {
    const int64_t keys = state.range(0);
    const auto codec =
        state.range(1) == 0 ? protocol::compression_codec::none : protocol::compression_codec::lz4;
    auto fs = make_posix_file_system(nullptr);
    uint64_t cleaned_bytes = 0;
    uint64_t written_bytes = 0;
    uint64_t records_read = 0;
    uint64_t records_kept = 0;
    for (auto _ : state) {
        state.PauseTiming();
        temporary_directory dir{"samsa-bench"};
        auto log = write_log(*fs, dir.path() / "compacted-0", keys, codec);
        state.ResumeTiming();
        int64_t now = wall_ms();
        auto plan = log->plan_clean(now);
        SAMSA_ASSERT(plan.has_value() && plan.value().has_value(), "nothing to clean");
        auto outcome = clean_log(*plan.value(), {});
        SAMSA_ASSERT(outcome.has_value(), "clean: %s", outcome.error().message.c_str());
        auto installed = log->install_cleaned(*plan.value(), outcome.value(), now);
        SAMSA_ASSERT(installed.has_value(), "install failed");
        state.PauseTiming();
        cleaned_bytes += outcome->stats.source_bytes;
        written_bytes += outcome->stats.bytes_written;
        records_read += outcome->stats.records_read;
        records_kept += outcome->stats.records_kept;
        log.reset();
        state.ResumeTiming();
    }
    state.SetBytesProcessed(static_cast<int64_t>(cleaned_bytes));
    state.counters["records/s"] =
        benchmark::Counter(static_cast<double>(records_read), benchmark::Counter::kIsRate);
    state.counters["kept_%"] =
        records_read == 0 ? 0 : 100.0 * static_cast<double>(records_kept) / records_read;
    state.counters["out/in_%"] =
        cleaned_bytes == 0 ? 0 : 100.0 * static_cast<double>(written_bytes) / cleaned_bytes;
}

BENCHMARK(clean)
    ->ArgNames({"keys", "lz4"})
    ->Args({1'000, 0})
    ->Args({10'000'000, 0})
    ->Args({1'000, 1})
    ->Args({10'000'000, 1})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace samsa::storage
