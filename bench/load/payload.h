#pragma once

// The record values samsa-load sends: slices of one pool of bytes, made once before the run
// and shared read-only by every producer thread, so that sending costs no per-record
// generation and the producer can hand librdkafka a pointer instead of a copy.
//
// Two kinds of content:
//   random  bytes from a seeded PRNG: incompressible, so a run measures the broker and the
//           network, not a codec. The default without compression.
//   text    log lines as JSON objects (timestamp, level, service, host, user and order ids,
//           HTTP path and status, latency, a message of 6 to 14 words from a 128-word
//           vocabulary): it compresses like real event data. A 1 MB batch of 1 KiB records
//           shrinks 5.7x with gzip, 5.5x with zstd, 3.5x with lz4 and snappy, at the codecs'
//           default levels, which librdkafka uses (tests/payload_test.cc checks gzip). The
//           default with compression, where random bytes would only measure the codec's
//           give-up path.
//
// A producer reads the pool through a payload_cursor: consecutive, non-overlapping slices,
// wrapping at the end. So a batch of records is a stretch of fresh text (a codec finds no
// repeats beyond those of the content itself) as long as a batch is shorter than the pool
// (16 MiB, and at least twice a record): librdkafka's batch.size is 1 MB by default.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace samsa::load {

enum class payload_kind { random, text };

inline const char* to_string(payload_kind kind) {
    return kind == payload_kind::text ? "text" : "random";
}

class payload_pool {
public:
    static constexpr std::size_t default_pool_bytes = 16 * 1024 * 1024;

    // Precondition: record_bytes > 0.
    payload_pool(payload_kind kind, std::size_t record_bytes, uint64_t seed,
                 std::size_t pool_bytes = default_pool_bytes);

    std::size_t record_bytes() const { return record_bytes_; }
    std::string_view bytes() const { return {bytes_.data(), bytes_.size()}; }

private:
    std::size_t record_bytes_;
    std::vector<char> bytes_;
};

// One producer's position in a pool. Cursors started with different (index, count) begin
// at evenly spaced points, so concurrent producers do not send the same bytes at the same
// time. The pool must outlive the cursor and every record it handed out.
class payload_cursor {
public:
    payload_cursor(const payload_pool& pool, std::size_t index, std::size_t count);

    // The next record value: record_bytes() bytes.
    const char* next();

private:
    const payload_pool& pool_;
    std::size_t offset_;
};

}  // namespace samsa::load
