#pragma once

// Shared by the record batch tests: hex fixtures written by kafka-python and helpers that
// craft batches around arbitrary (malformed) record payloads with a valid CRC.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/crc32c.h"
#include "base/endian.h"
#include "base/varint.h"
#include "protocol/compression.h"
#include "protocol/record_batch_format.h"

namespace samsa::protocol::test {

inline std::vector<uint8_t> from_hex(std::string_view hex) {
    auto nibble = [](char c) -> uint8_t {
        return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    };
    std::vector<uint8_t> bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    }
    return bytes;
}

inline std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

inline std::string text_of(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline std::optional<std::string> optional_text_of(std::optional<std::span<const uint8_t>> bytes) {
    if (!bytes) {
        return std::nullopt;
    }
    return text_of(*bytes);
}

// Appends the fields of records by hand, malformed ones included.
struct payload_writer {
    std::vector<uint8_t> bytes;

    payload_writer& varint(int32_t value) {
        uint8_t out[max_varint32_bytes];
        auto size = encode_unsigned_varint32(zigzag_encode32(value), out);
        bytes.insert(bytes.end(), out, out + size);
        return *this;
    }
    payload_writer& varlong(int64_t value) {
        uint8_t out[max_varint64_bytes];
        auto size = encode_unsigned_varint64(zigzag_encode64(value), out);
        bytes.insert(bytes.end(), out, out + size);
        return *this;
    }
    payload_writer& raw(std::initializer_list<uint8_t> raw_bytes) {
        bytes.insert(bytes.end(), raw_bytes.begin(), raw_bytes.end());
        return *this;
    }
    payload_writer& text(std::string_view value) {
        bytes.insert(bytes.end(), value.begin(), value.end());
        return *this;
    }
    // A whole well-formed record: length, attributes, deltas, key, value, no headers.
    payload_writer& record(int32_t offset_delta, std::string_view key, std::string_view value) {
        payload_writer body;
        body.raw({0}).varlong(0).varint(offset_delta);
        body.varint(static_cast<int32_t>(key.size())).text(key);
        body.varint(static_cast<int32_t>(value.size())).text(value);
        body.varint(0);
        varint(static_cast<int32_t>(body.bytes.size()));
        bytes.insert(bytes.end(), body.bytes.begin(), body.bytes.end());
        return *this;
    }
    // A record whose body (after the length) is given; the length is computed.
    payload_writer& record_body(const payload_writer& body) {
        varint(static_cast<int32_t>(body.bytes.size()));
        bytes.insert(bytes.end(), body.bytes.begin(), body.bytes.end());
        return *this;
    }
};

struct batch_header_fields {
    int32_t record_count = 1;
    int32_t last_offset_delta = 0;
    compression_codec codec = compression_codec::none;
    int64_t base_offset = 0;
    int64_t base_timestamp_ms = 1000;
    int64_t max_timestamp_ms = 1000;
    uint16_t extra_attributes = 0;
};

inline void fix_crc(std::vector<uint8_t>& batch) {
    namespace format = record_batch_format;
    store_big_endian<uint32_t>(
        batch.data() + format::crc_position,
        crc32c(std::span<const uint8_t>(batch).subspan(format::crc_coverage_start)));
}

// A batch with the given header fields around `payload` (taken as already compressed), its
// length and CRC correct.
inline std::vector<uint8_t> batch_around(std::span<const uint8_t> payload,
                                         const batch_header_fields& fields = {}) {
    namespace format = record_batch_format;
    std::vector<uint8_t> batch(format::header_size_bytes + payload.size());
    std::copy(payload.begin(), payload.end(), batch.begin() + format::header_size_bytes);
    uint8_t* header = batch.data();
    store_big_endian<int64_t>(header + format::base_offset_position, fields.base_offset);
    store_big_endian<int32_t>(header + format::batch_length_position,
                              static_cast<int32_t>(batch.size() - format::log_overhead_bytes));
    store_big_endian<int32_t>(header + format::partition_leader_epoch_position, -1);
    header[format::magic_position] = format::magic_v2;
    store_big_endian<uint16_t>(
        header + format::attributes_position,
        static_cast<uint16_t>(static_cast<uint16_t>(fields.codec) | fields.extra_attributes));
    store_big_endian<int32_t>(header + format::last_offset_delta_position,
                              fields.last_offset_delta);
    store_big_endian<int64_t>(header + format::base_timestamp_position, fields.base_timestamp_ms);
    store_big_endian<int64_t>(header + format::max_timestamp_position, fields.max_timestamp_ms);
    store_big_endian<int64_t>(header + format::producer_id_position, -1);
    store_big_endian<int16_t>(header + format::producer_epoch_position, -1);
    store_big_endian<int32_t>(header + format::base_sequence_position, -1);
    store_big_endian<int32_t>(header + format::record_count_position, fields.record_count);
    fix_crc(batch);
    return batch;
}

// Written by kafka-python 2.0.2's DefaultRecordBatchBuilder (magic 2, base offset 0,
// partition leader epoch 0), the same builder logic as the Java client's:
//
//   simple:        codec none, not transactional, producer -1/-1, base sequence -1,
//                  one record (offset 0, ts 1700000000000, key "key", value "value")
//   transactional: codec none, transactional, producer 12345, epoch 7, base sequence 42,
//                  (0, 1700000000000, "k0", "v0", [("h1", "x"), ("h2", null)]),
//                  (1, 1699999999000, null, "value-1", []),
//                  (2, 1700000005000, "k2", null, [("", "")])
//   gzip/snappy/lz4/zstd: producer 99, epoch 1, base sequence 0, five records
//                  (i, 1700000000000 + i, "key-i", "samsa " * 200, [("trace", "abc")])
//                  compressed by kafka-python's codecs (gzip level 9, xerial snappy,
//                  lz4 frame with content size, zstd with content size)
//   raw_snappy_block: python-snappy's snappy.compress of
//                  "hello hello hello hello snappy raw block"
// 76 bytes
inline constexpr std::string_view kafka_python_simple_batch =
    "0000000000000000000000400000000002db5e9cdd0000000000000000018bcfe568000000018bcfe56800ffffffff"
    "ff"
    "ffffffffffffffffff000000011c000000066b65790a76616c756500";
// 108 bytes
inline constexpr std::string_view kafka_python_transactional_batch =
    "0000000000000000000000600000000002b09e20910010000000020000018bcfe568000000018bcfe57b8800000000"
    "00"
    "00303900070000002a0000000326000000046b30047630040468310278046832011c00cf0f02010e76616c75652d31"
    "00"
    "1600904e04046b3201020000";
// 180 bytes
inline constexpr std::string_view kafka_python_gzip_batch =
    "0000000000000000000000a80000000002387082090001000000040000018bcfe568000000018bcfe5680400000000"
    "00"
    "000063000100000000000000051f8b0800cc0d026b02ffedd4bb0980301440d1479010529a055c40f0b7d033a4121b"
    "63"
    "e30e19d251844c61e0366784538288f8233de3f4f659cfac0322e2ff35febe3426ab7b2c418ca98fcd3c8688ad3ed6"
    "75"
    "f5b185c710b1d5c7acad8fad3c8688ad3ee65c7d6ce331446cf2b10fed4fa6aee8170000";
// 430 bytes
inline constexpr std::string_view kafka_python_snappy_batch =
    "0000000000000000000001a2000000000275eae5fd0002000000040000018bcfe568000000018bcfe5680400000000"
    "00"
    "0000630001000000000000000582534e415050590000000001000000010000015de82f488c130000000a6b65792d30"
    "e0"
    "1273616d736120fe0600fe0600fe0600fe0600fe0600fe0600fe0600fe0600fe0600fe0600fe0600fe0600fe0600fe"
    "06"
    "00fe0600fe0600fe0600fe0600a606003c020a7472616365066162638c1300020285c80031fec804fec804fec804fe"
    "c8"
    "04fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec80404"
    "04"
    "0485c80032fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804"
    "fe"
    "c804fec804fec804fec804fec80404060685c80033fec804fec804fec804fec804fec804fec804fec804fec804fec8"
    "04"
    "fec804fec804fec804fec804fec804fec804fec804fec804fec804fec80404080885c80034fec804fec804fec804fe"
    "c8"
    "04fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804fec804f2c804";
// 189 bytes
inline constexpr std::string_view kafka_python_lz4_batch =
    "0000000000000000000000b10000000002e213e5ef0003000000040000018bcfe568000000018bcfe5680400000000"
    "00"
    "0000630001000000000000000504224d186840e817000000000000c769000000ff048c130000000a6b65792d30e012"
    "73"
    "616d7361200600ffffffff9bf101020a7472616365066162638c13000202c8041f31c804ffffffffb1210404c8041f"
    "32"
    "c804ffffffffb1210606c8041f33c804ffffffffb1210808c8041f34c804ffffffffa950650661626300000000";
// 146 bytes
inline constexpr std::string_view kafka_python_zstd_batch =
    "0000000000000000000000860000000002bb4a65c50004000000040000018bcfe568000000018bcfe5680400000000"
    "00"
    "0000630001000000000000000528b52ffd60e8165d0200d4028c130000000a6b65792d30e01273616d736120020a74"
    "72"
    "616365066162638c13000202310404320606330808340900ba802f8080bd80cf80d07a015f00017b019f59260be029"
    "f9"
    "8b1d";
// 28 bytes
inline constexpr std::string_view raw_snappy_block =
    "281468656c6c6f204606003c736e617070792072617720626c6f636b";

}  // namespace samsa::protocol::test
