// storage_writer: drives one partition log the way a leader with acks=all does, for the
// kill -9 durability test (tests/storage/test_kill9.py) and for poking at a log by hand.
//
//   storage_writer append DIR [--batch-records N] [--record-bytes B] [--seed S]
//       Opens DIR with full recovery (as after a crash), prints `recovered <log end offset>`,
//       then appends batches of N records of B bytes (workload.h) forever. After each one
//       is durable (wait_durable, through runtime::file_io) it prints
//       `ack <base offset> <last offset> <checksum>`. A line is printed only once the
//       batch is on disk: that is the whole contract the test checks.
//
//   storage_writer dump DIR
//       Opens DIR the same way, prints `log <log start offset> <log end offset>
//       <segments>`, then reads every batch through partition_log::read and prints
//       `batch <base offset> <last offset> <checksum>`. Each batch's CRC, each record's
//       value and the offsets' continuity are checked; the first problem is printed on
//       stderr and the exit status is 1.
//
// The checksum is CRC-32C of the batch's record values (workload.h), in hex.

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "runtime/file_io.h"
#include "storage/file_system.h"
#include "storage/partition_log.h"
#include "workload.h"

namespace samsa::tools {
namespace {

constexpr int exit_check_failed = 1;
constexpr int exit_cannot_run = 2;
// Read size of one partition_log::read in dump.
constexpr uint32_t dump_read_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_uncompressed_bytes = 64 * 1024 * 1024;

struct log_arguments {
    std::string dir;
    int32_t segment_bytes = 1024 * 1024;
    int32_t index_interval_bytes = 512;
    // Small enough that small batches fill the index before the segment is full, so both
    // roll reasons happen.
    int32_t segment_index_bytes = 10 * 1024;
};

struct append_arguments {
    int32_t batch_records = 10;
    std::size_t record_bytes = 100;
    uint64_t seed = 1;
    uint64_t max_batches = 0;  // 0: until killed
};

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

storage::log_config config_of(const log_arguments& arguments) {
    return {.segment_bytes = arguments.segment_bytes,
            .segment_index_bytes = arguments.segment_index_bytes,
            .index_interval_bytes = arguments.index_interval_bytes};
}

// Every start is treated as a crash: recovery scans the whole log.
std::unique_ptr<storage::partition_log> open_log(storage::file_system& fs,
                                                 const log_arguments& arguments) {
    auto log = storage::partition_log::open(
        fs, arguments.dir, config_of(arguments),
        {.recovery_point = offset(0), .clean_shutdown = false, .now_ms = now_ms()});
    if (!log) {
        std::fprintf(stderr, "storage_writer: opening %s failed: %s\n", arguments.dir.c_str(),
                     log.error().message.c_str());
        return nullptr;
    }
    return std::move(log).value();
}

asio::awaitable<int> append_until_done(storage::partition_log& log,
                                       const append_arguments& arguments) {
    const tools::batch_shape shape{.record_count = arguments.batch_records,
                                   .record_bytes = arguments.record_bytes};
    for (uint64_t appended = 0; arguments.max_batches == 0 || appended < arguments.max_batches;
         ++appended) {
        offset expected_base = log.log_end_offset();
        auto batch = build_batch(arguments.seed, expected_base, shape, now_ms());
        auto result = log.append(batch.bytes, leader_epoch(0), now_ms());
        if (!result) {
            std::fprintf(stderr, "storage_writer: append failed: %s\n",
                         result.error().message.c_str());
            co_return exit_check_failed;
        }
        if (result->base_offset != expected_base ||
            result->last_offset.value() != expected_base.value() + shape.record_count - 1) {
            std::fprintf(stderr,
                         "storage_writer: append at log end offset %" PRId64
                         " was given offsets %" PRId64 "..%" PRId64 "\n",
                         expected_base.value(), result->base_offset.value(),
                         result->last_offset.value());
            co_return exit_check_failed;
        }
        auto durable = co_await log.wait_durable(offset(result->last_offset.value() + 1));
        if (!durable) {
            std::fprintf(stderr, "storage_writer: wait_durable failed: %s\n",
                         durable.error().message.c_str());
            co_return exit_check_failed;
        }
        std::printf("ack %" PRId64 " %" PRId64 " %08x\n", result->base_offset.value(),
                    result->last_offset.value(), batch.values_crc);
        std::fflush(stdout);
    }
    co_return 0;
}

int run_append(const log_arguments& log_arguments, const append_arguments& arguments) {
    // Destroyed in reverse: the log, then the file system, then file_io, then io_context.
    asio::io_context io_context(1);
    auto io = runtime::make_file_io(io_context, {});
    auto fs = storage::make_posix_file_system(io.get());
    auto log = open_log(*fs, log_arguments);
    if (log == nullptr) {
        return exit_cannot_run;
    }
    std::printf("recovered %" PRId64 "\n", log->log_end_offset().value());
    std::fflush(stdout);

    int status = exit_check_failed;
    asio::co_spawn(io_context, append_until_done(*log, arguments),
                   [&status](std::exception_ptr error, int outcome) {
                       if (error) {
                           std::rethrow_exception(error);
                       }
                       status = outcome;
                   });
    io_context.run();
    if (auto closed = log->close(); !closed) {
        std::fprintf(stderr, "storage_writer: close failed: %s\n", closed.error().message.c_str());
        return exit_check_failed;
    }
    return status;
}

// Checks one batch read back at expected_base and prints its line. Returns the problem, if
// any.
std::optional<std::string> dump_batch(std::span<const uint8_t> bytes, offset expected_base) {
    auto batch = protocol::record_batch_view::parse(bytes);
    if (!batch) {
        return fmt::format("batch at offset {}: {}", expected_base.value(),
                           protocol::to_string(batch.error()));
    }
    if (batch->base_offset() != expected_base) {
        return fmt::format("expected a batch at offset {}, found one at {}", expected_base.value(),
                           batch->base_offset().value());
    }
    if (batch->record_count() != batch->last_offset_delta() + 1) {
        return fmt::format("batch at offset {}: {} records for offset delta {}",
                           expected_base.value(), batch->record_count(),
                           batch->last_offset_delta());
    }
    auto reader = protocol::record_reader::open(*batch, max_uncompressed_bytes,
                                                protocol::offset_delta_rule::contiguous);
    if (!reader) {
        return fmt::format("batch at offset {}: {}", expected_base.value(),
                           protocol::to_string(reader.error()));
    }
    uint32_t checksum = 0;
    for (;;) {
        auto next = reader->next();
        if (!next) {
            return fmt::format("batch at offset {}: {}", expected_base.value(),
                               protocol::to_string(next.error()));
        }
        if (!next.value()) {
            break;
        }
        const protocol::record& record = *next.value();
        if (!record.value) {
            return fmt::format("batch at offset {}: a record with a null value",
                               expected_base.value());
        }
        if (auto problem = check_record_value(*record.value, record_offset(*batch, record))) {
            return problem;
        }
        checksum = extend_records_checksum(checksum, *record.value);
    }
    std::printf("batch %" PRId64 " %" PRId64 " %08x\n", batch->base_offset().value(),
                batch->last_offset().value(), checksum);
    return std::nullopt;
}

// Checks every batch of one region; returns the offset after the last one.
result<offset, std::string> dump_region(const storage::file_region& region, offset expected_base) {
    std::vector<uint8_t> bytes(region.size_bytes);
    auto read = region.file->read_at(region.position, bytes);
    if (!read) {
        return failure{read.error().message};
    }
    if (read.value() != bytes.size()) {
        return failure{fmt::format("region of {} bytes at {} in {}: only {} readable", bytes.size(),
                                   region.position, region.file->path().string(), read.value())};
    }
    protocol::record_batch_splitter splitter(bytes);
    for (;;) {
        auto bounds = splitter.next();
        if (!bounds) {
            return failure{fmt::format("framing of the batch at offset {}: {}",
                                       expected_base.value(), protocol::to_string(bounds.error()))};
        }
        if (!bounds.value()) {
            break;
        }
        auto batch_bytes =
            std::span(bytes).subspan(bounds.value()->position, bounds.value()->size_bytes);
        if (auto problem = dump_batch(batch_bytes, expected_base)) {
            return failure{*problem};
        }
        auto view = protocol::record_batch_view::parse(batch_bytes, protocol::crc_check::skip);
        expected_base = view->next_offset();
    }
    if (splitter.ended_with_partial_batch()) {
        return failure{fmt::format("region in {} at {} ends inside a batch",
                                   region.file->path().string(), region.position)};
    }
    return expected_base;
}

int run_dump(const log_arguments& log_arguments) {
    auto fs = storage::make_posix_file_system(nullptr);
    auto log = open_log(*fs, log_arguments);
    if (log == nullptr) {
        return exit_cannot_run;
    }
    const offset end = log->log_end_offset();
    std::printf("log %" PRId64 " %" PRId64 " %zu\n", log->log_start_offset().value(), end.value(),
                log->segment_count());
    offset next = log->log_start_offset();
    while (next < end) {
        auto read = log->read(next, dump_read_bytes, end, true);
        if (!read) {
            std::fprintf(stderr, "storage_writer: read at %" PRId64 " failed: %s\n", next.value(),
                         read.error().message.c_str());
            return exit_check_failed;
        }
        if (read->regions.empty() || read->first_offset != next) {
            std::fprintf(stderr,
                         "storage_writer: read at %" PRId64 " below log end offset %" PRId64
                         " returned %zu regions from offset %" PRId64 "\n",
                         next.value(), end.value(), read->regions.size(),
                         read->first_offset.value());
            return exit_check_failed;
        }
        offset expected = next;
        for (const auto& region : read->regions) {
            auto checked = dump_region(region, expected);
            if (!checked) {
                std::fprintf(stderr, "storage_writer: %s\n", checked.error().c_str());
                return exit_check_failed;
            }
            expected = checked.value();
        }
        if (expected != read->next_offset) {
            std::fprintf(stderr,
                         "storage_writer: read at %" PRId64 " reported next offset %" PRId64
                         " but its batches end at %" PRId64 "\n",
                         next.value(), read->next_offset.value(), expected.value());
            return exit_check_failed;
        }
        next = expected;
    }
    if (next != end) {
        std::fprintf(stderr,
                     "storage_writer: the batches end at %" PRId64
                     ", not at the log end offset %" PRId64 "\n",
                     next.value(), end.value());
        return exit_check_failed;
    }
    std::fflush(stdout);
    if (auto closed = log->close(); !closed) {
        std::fprintf(stderr, "storage_writer: close failed: %s\n", closed.error().message.c_str());
        return exit_check_failed;
    }
    return 0;
}

void add_log_options(CLI::App& command, log_arguments& arguments) {
    command.add_option("DIR", arguments.dir, "the partition log's directory")->required();
    command.add_option("--segment-bytes", arguments.segment_bytes, "segment.bytes")
        ->check(CLI::Range(1024, 1 << 30));
    command.add_option("--index-interval-bytes", arguments.index_interval_bytes,
                       "index.interval.bytes");
    command
        .add_option("--segment-index-bytes", arguments.segment_index_bytes, "segment.index.bytes")
        ->check(CLI::Range(64, 1 << 30));
}

}  // namespace
}  // namespace samsa::tools

int main(int argc, char** argv) {
    using namespace samsa::tools;
    samsa::log::initialize(samsa::log::level::warn);
    CLI::App app{"Appends to and checks one partition log (the kill -9 durability test)."};
    app.require_subcommand(1);

    log_arguments append_log;
    append_arguments append;
    CLI::App* append_command =
        app.add_subcommand("append", "append durable batches until killed, acking each");
    add_log_options(*append_command, append_log);
    append_command->add_option("--batch-records", append.batch_records, "records per batch")
        ->check(CLI::Range(1, 1'000'000));
    append_command->add_option("--record-bytes", append.record_bytes, "bytes of each record value")
        ->check(CLI::Range(record_value_header_bytes, std::size_t{16} * 1024 * 1024));
    append_command->add_option("--seed", append.seed, "seed of the record payloads");
    append_command->add_option("--max-batches", append.max_batches,
                               "stop (and close the log) after this many; 0: never");

    log_arguments dump_log;
    CLI::App* dump_command = app.add_subcommand("dump", "check and list every batch of the log");
    add_log_options(*dump_command, dump_log);

    CLI11_PARSE(app, argc, argv);
    if (app.got_subcommand(append_command)) {
        return run_append(append_log, append);
    }
    return run_dump(dump_log);
}
