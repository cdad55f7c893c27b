// record_batch_fuzzer: arbitrary bytes as the records of one partition of a Produce request.
//
// Input: one flags byte, then the records. The flags (bit: meaning):
//   0     fix up the CRC of every batch the buffer frames before parsing, so that mutations
//         get past the CRC check and reach decompression and record decoding; 0 keeps the
//         bytes as they are (the CRC check and what a producer really sends);
//   1     the decompression bound: 0 the broker's (produce_validation_config's 64 MiB),
//         1 a small one (1 MiB), faster to hit;
//   2-4   the topic's compression.type (producer, uncompressed, gzip, snappy, lz4, zstd):
//         a value other than the batch's codec makes the validator re-encode the batch;
//   5     cleanup.policy=compact (every record needs a key);
//   6     message.timestamp.type=LogAppendTime;
//   7     Produce v2 instead of v9 (older versions refuse zstd and other magics differently).
//
// Checks, beside "no crash, no out-of-bounds access, no undefined behaviour":
//   - storage::validate_produce_records, the broker's full check of a Produce request's
//     records, either refuses them or returns one batch that parses with its CRC, decodes
//     record by record (offset deltas contiguous) and holds the record count it claims;
//   - the in-place rewrites partition_log::append applies to that batch (base offset,
//     leader epoch, LogAppendTime) leave a batch that parses with its CRC;
//   - every batch record_batch_splitter frames, whether or not the validator accepted the
//     buffer: the view's accessors, decompression of its payload with its codec (gzip,
//     snappy in both framings, lz4, zstd) never returning more than the bound, the
//     compressed round trip of what decompressed (compress, then decompress to the same
//     bytes), and every record, header and control record decoded to the end.
// Decompression bombs: the bound is the broker's own, so a bomb must fail with too_large;
// run_fuzzers.sh runs with -rss_limit_mb=2048 -malloc_limit_mb=512, so an unbounded
// decoder is a reported out-of-memory, not a slow machine.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/assert.h"
#include "base/shared_bytes.h"
#include "protocol/compression.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "storage/produce_validator.h"

#include "batch_crc_fix_up.h"

namespace samsa::fuzz {
namespace {

using protocol::compression_codec;

constexpr std::size_t small_bound_bytes = 1024 * 1024;
// The compressed round trip costs a compression per batch; only for small payloads.
constexpr std::size_t max_round_trip_bytes = 64 * 1024;
// Seeds carry timestamps near this; a clock far from them refuses every record.
constexpr int64_t now_ms = 1'700'000'000'000;
// Where the log puts an accepted batch (any offset well inside a segment).
constexpr offset appended_base_offset{1000};

// Whether the payload decompresses within the bound (true for an uncompressed batch).
bool check_decompression(const protocol::record_batch_view& batch, std::size_t bound) {
    if (batch.codec() == compression_codec::none) {
        return true;
    }
    auto payload = batch.records_payload();
    auto decompressed = protocol::decompress(batch.codec(), payload, bound);
    if (!decompressed) {
        return false;
    }
    SAMSA_ASSERT(decompressed->size() <= bound, "%s: %zu bytes decompressed past the bound %zu",
                 std::string(to_string(batch.codec())).c_str(), decompressed->size(), bound);
    if (decompressed->size() > max_round_trip_bytes) {
        return true;
    }
    auto compressed = protocol::compress(batch.codec(), *decompressed);
    SAMSA_ASSERT(compressed.has_value(), "%s: cannot compress what it decompressed",
                 std::string(to_string(batch.codec())).c_str());
    auto again = protocol::decompress(batch.codec(), *compressed, bound);
    SAMSA_ASSERT(again.has_value() && *again == *decompressed,
                 "%s: compressing and decompressing changes the bytes",
                 std::string(to_string(batch.codec())).c_str());
    return true;
}

// Reads every record to the end or the first error, touching everything a reader of the
// record would.
void read_records(const protocol::record_batch_view& batch, std::size_t bound,
                  protocol::offset_delta_rule rule) {
    auto reader = protocol::record_reader::open(batch, bound, rule);
    if (!reader) {
        return;
    }
    int32_t decoded = 0;
    while (true) {
        auto next = reader->next();
        if (!next || !next->has_value()) {
            SAMSA_ASSERT(!next || decoded == batch.record_count(),
                         "the reader ended after %d of %d records without an error", decoded,
                         batch.record_count());
            return;
        }
        const protocol::record& r = **next;
        ++decoded;
        (void)protocol::record_offset(batch, r);
        (void)protocol::record_timestamp_ms(batch, r);
        std::size_t header_count = 0;
        for (const protocol::record_header& header : r.headers) {
            (void)header.key.size();
            (void)(header.value ? header.value->size() : 0);
            ++header_count;
        }
        SAMSA_ASSERT(header_count == r.headers.size(), "%zu headers iterated of %zu", header_count,
                     r.headers.size());
        if (batch.is_control()) {
            (void)protocol::decode_control_record_key(r.key);
            (void)protocol::decode_end_transaction_marker(r.value);
        }
    }
}

void touch_header(const protocol::record_batch_view& batch) {
    (void)batch.base_offset();
    (void)batch.partition_leader_epoch();
    (void)batch.timestamp_type();
    (void)batch.is_transactional();
    (void)batch.delete_horizon_ms();
    (void)batch.last_offset();
    (void)batch.next_offset();
    (void)batch.max_timestamp_ms();
    (void)batch.producer_id();
    (void)batch.producer_epoch();
    (void)batch.base_sequence();
}

// Every batch of the buffer, as a reader of a Fetch response or a segment would walk it.
void walk_batches(std::span<const uint8_t> buffer, std::size_t bound) {
    protocol::record_batch_splitter splitter(buffer);
    while (true) {
        auto next = splitter.next();
        if (!next || !next->has_value()) {
            return;
        }
        auto bytes = buffer.subspan(next->value().position, next->value().size_bytes);
        auto batch = protocol::record_batch_view::parse(bytes, protocol::crc_check::verify);
        if (!batch) {
            batch = protocol::record_batch_view::parse(bytes, protocol::crc_check::skip);
        }
        if (!batch) {
            continue;
        }
        SAMSA_ASSERT(batch->size_bytes() == bytes.size(), "the view holds %zu of the %zu bytes",
                     batch->size_bytes(), bytes.size());
        touch_header(*batch);
        // A payload that does not decompress fails record_reader::open the same way; a bomb
        // costs one decompression to the bound less.
        if (check_decompression(*batch, bound)) {
            read_records(*batch, bound, protocol::offset_delta_rule::increasing);
        }
    }
}

// What the validator accepts must be a batch the log can store and any reader can read.
void check_validated(const storage::validated_batch& validated, std::size_t bound,
                     bool log_append_time) {
    auto bytes = validated.bytes.span();
    auto batch = protocol::record_batch_view::parse(bytes, protocol::crc_check::verify);
    SAMSA_ASSERT(batch.has_value(), "the validated batch does not parse: %s",
                 std::string(to_string(batch.error())).c_str());
    SAMSA_ASSERT(batch->size_bytes() == bytes.size(), "the validated bytes are not one batch");
    SAMSA_ASSERT(batch->codec() == validated.codec, "validated codec %d, batch codec %d",
                 static_cast<int>(validated.codec), static_cast<int>(batch->codec()));
    SAMSA_ASSERT(batch->record_count() == validated.record_count,
                 "validated record count %d, batch %d", validated.record_count,
                 batch->record_count());
    auto counted =
        protocol::validate_records(*batch, bound, protocol::offset_delta_rule::contiguous);
    SAMSA_ASSERT(counted.has_value(), "the validated batch's records do not decode: %s",
                 std::string(to_string(counted.error())).c_str());
    SAMSA_ASSERT(counted.value() == validated.record_count, "%d records decoded of %d",
                 counted.value(), validated.record_count);

    // What partition_log::append then does to it in place: still a valid batch.
    std::vector<uint8_t> appended(bytes.begin(), bytes.end());
    protocol::set_base_offset(appended, appended_base_offset);
    protocol::set_partition_leader_epoch(appended, leader_epoch(7));
    if (log_append_time) {
        protocol::set_log_append_time(appended, now_ms);
    }
    auto stored = protocol::record_batch_view::parse(appended, protocol::crc_check::verify);
    SAMSA_ASSERT(stored.has_value(), "the batch as appended does not parse: %s",
                 std::string(to_string(stored.error())).c_str());
    SAMSA_ASSERT(stored->base_offset() == appended_base_offset &&
                     stored->partition_leader_epoch() == leader_epoch(7),
                 "the appended batch lost its offset or epoch");
    SAMSA_ASSERT(!log_append_time ||
                     (stored->timestamp_type() == protocol::timestamp_type::log_append_time &&
                      stored->max_timestamp_ms() == now_ms),
                 "the appended batch lost its LogAppendTime");
}

}  // namespace
}  // namespace samsa::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace samsa;
    if (size < 1) {
        return 0;
    }
    const uint8_t flags = data[0];
    std::vector<uint8_t> records(data + 1, data + size);
    if (flags & 0x01) {
        fuzz::fix_up_crcs(records);
    }

    storage::produce_validation_config config;
    if (flags & 0x02) {
        config.max_uncompressed_bytes = fuzz::small_bound_bytes;
    }
    config.compression_type =
        static_cast<storage::topic_compression_type>(((flags >> 2) & 0x07) % 6);
    if (flags & 0x20) {
        config.compaction = storage::log_compaction::enabled;
    }
    if (flags & 0x40) {
        config.timestamp_type = protocol::timestamp_type::log_append_time;
    }
    // The validator's own bound: the larger of the two settings.
    std::size_t bound =
        std::max(config.max_uncompressed_bytes, static_cast<std::size_t>(config.max_message_bytes));
    storage::produce_request_context request{
        .api_version = static_cast<int16_t>((flags & 0x80) ? 2 : 9),
        .topic = "fuzz",
        .now_ms = fuzz::now_ms,
    };

    auto validated =
        storage::validate_produce_records(shared_bytes::copy_of(records), config, request);
    if (validated) {
        fuzz::check_validated(*validated, bound,
                              config.timestamp_type == protocol::timestamp_type::log_append_time);
    }
    fuzz::walk_batches(records, bound);
    return 0;
}
