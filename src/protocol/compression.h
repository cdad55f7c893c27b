#pragma once

// The compression codecs of Kafka record batches. A v2 batch compresses everything after its
// 61-byte header (the records) as one unit with the codec named by attribute bits 0-2; see
// record_batch_format.h and docs/record-batch.md. The framing of each codec is what the Java
// client writes and every Kafka client reads:
//
//   gzip    RFC 1952 gzip member(s) of a deflate stream (zlib, windowBits 15+16). Several
//           concatenated members decode as the concatenation of their contents.
//   snappy  Written in xerial's block framing (see snappy_xerial.h); read both that framing
//           and a bare snappy block, which some non-Java clients write.
//   lz4     The standard LZ4 frame format (magic 0x184D2204), as Kafka's own
//           KafkaLZ4BlockOutputStream writes it: 64 KiB independent blocks, no checksums
//           and no content size. Any valid frame, or concatenation of frames, is read.
//   zstd    Standard zstd frame(s); the frame content size may be absent (the Java client
//           streams). The decoder's window is limited to 2^27 bytes, zstd's own default,
//           and to less when max_output_bytes is small (never below 2^23, which every
//           normal compression level fits in).
//
// Compression uses Kafka's default levels (gzip 6, lz4 9, zstd 3).
//
// Decompression is bounded: the output never grows past max_output_bytes, and an input that
// would decode to more is rejected with too_large as soon as the bound is reached, so a small
// "bomb" costs at most max_output_bytes of memory and the time to produce them. Malformed
// input is an error (corrupt), never a crash or an out-of-bounds access.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace samsa::protocol {

// The value of a v2 batch's attribute bits 0-2. Values 5-7 are not codecs.
enum class compression_codec : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

enum class compression_error : uint8_t {
    corrupt,            // not a valid stream of the codec, or truncated
    too_large,          // decodes to more than max_output_bytes
    unsupported_codec,  // not one of compression_codec's values
    library_failure,    // the codec library failed for a reason other than the input
};

std::string_view to_string(compression_codec codec);
std::string_view to_string(compression_error error);

result<std::vector<uint8_t>, compression_error> compress(compression_codec codec,
                                                         std::span<const uint8_t> input);

result<std::vector<uint8_t>, compression_error> decompress(compression_codec codec,
                                                           std::span<const uint8_t> input,
                                                           std::size_t max_output_bytes);

}  // namespace samsa::protocol
