#pragma once

// The byte layout of a Kafka record batch, message format v2 (magic 2), the unit of every
// Produce request, Fetch response and log segment. All integers are big-endian and signed
// unless noted.
//
// Batch header, 61 bytes:
//
//   offset size  field
//        0    8  baseOffset            offset of the first record; assigned by the leader
//        8    4  batchLength           bytes after this field (total size - 12), >= 49
//       12    4  partitionLeaderEpoch  assigned by the leader; -1 from producers
//       16    1  magic                 2
//       17    4  crc                   uint32 CRC-32C of bytes 21 .. end of batch
//       21    2  attributes            bits 0-2  compression codec (0 none, 1 gzip, 2 snappy,
//                                                3 lz4, 4 zstd)
//                                      bit 3     timestamp type: 0 CreateTime,
//                                                1 LogAppendTime
//                                      bit 4     transactional
//                                      bit 5     control batch
//                                      bit 6     baseTimestamp holds a delete horizon
//                                      bits 7-15 unused, 0
//       23    4  lastOffsetDelta       offset of the last record - baseOffset
//       27    8  baseTimestamp         timestamp of the first record (or delete horizon)
//       35    8  maxTimestamp          largest record timestamp, or the LogAppendTime
//       43    8  producerId            -1 without an idempotent/transactional producer
//       51    2  producerEpoch         -1 likewise
//       53    4  baseSequence          sequence number of the first record, -1 likewise
//       57    4  recordCount           number of records that follow, >= 0
//       61       records               recordCount records, compressed as one unit with
//                                      the codec of the attributes
//
// baseOffset, batchLength and partitionLeaderEpoch precede the CRC so that a broker can
// assign offsets and the leader epoch without recomputing it; the magic precedes it so that
// a reader knows the format before interpreting the rest.
//
// Record (variable length; "varint" is a zig-zag signed varint, 5 bytes at most,
// "varlong" likewise with 10):
//
//   length          varint   bytes after this field
//   attributes      int8     unused, 0
//   timestampDelta  varlong  timestamp - baseTimestamp
//   offsetDelta     varint   offset - baseOffset
//   keyLength       varint   -1 for a null key
//   key             keyLength bytes
//   valueLength     varint   -1 for a null value
//   value           valueLength bytes
//   headerCount     varint   >= 0
//   headers         headerCount times:
//     headerKeyLength    varint  >= 0 (a header key is a non-null UTF-8 string)
//     headerKey          headerKeyLength bytes
//     headerValueLength  varint  -1 for a null value
//     headerValue        headerValueLength bytes
//
// Control batches (bit 5) hold control records, each with a 4-byte key
// (version int16 = 0, type int16: 0 abort, 1 commit, ...) and, for abort and commit markers,
// a 6-byte value (version int16 = 0, coordinatorEpoch int32).

#include <cstddef>
#include <cstdint>

namespace samsa::protocol::record_batch_format {

inline constexpr std::size_t base_offset_position = 0;
inline constexpr std::size_t batch_length_position = 8;
inline constexpr std::size_t partition_leader_epoch_position = 12;
inline constexpr std::size_t magic_position = 16;
inline constexpr std::size_t crc_position = 17;
inline constexpr std::size_t attributes_position = 21;
inline constexpr std::size_t last_offset_delta_position = 23;
inline constexpr std::size_t base_timestamp_position = 27;
inline constexpr std::size_t max_timestamp_position = 35;
inline constexpr std::size_t producer_id_position = 43;
inline constexpr std::size_t producer_epoch_position = 51;
inline constexpr std::size_t base_sequence_position = 53;
inline constexpr std::size_t record_count_position = 57;
inline constexpr std::size_t records_position = 61;

inline constexpr std::size_t header_size_bytes = records_position;
// baseOffset and batchLength: the bytes batchLength does not count.
inline constexpr std::size_t log_overhead_bytes = 8 + 4;
inline constexpr int32_t min_batch_length =
    static_cast<int32_t>(header_size_bytes - log_overhead_bytes);
// The CRC covers everything from the attributes to the end of the batch.
inline constexpr std::size_t crc_coverage_start = attributes_position;

inline constexpr int8_t magic_v2 = 2;

inline constexpr uint16_t codec_mask = 0x07;
inline constexpr uint16_t timestamp_type_mask = 0x08;
inline constexpr uint16_t transactional_mask = 0x10;
inline constexpr uint16_t control_mask = 0x20;
inline constexpr uint16_t delete_horizon_mask = 0x40;

inline constexpr int32_t no_partition_leader_epoch = -1;
inline constexpr int64_t no_producer_id = -1;
inline constexpr int16_t no_producer_epoch = -1;
inline constexpr int32_t no_sequence = -1;
inline constexpr int64_t no_timestamp = -1;

// A record's fixed part at its smallest: length, attributes, timestampDelta, offsetDelta,
// keyLength, valueLength and headerCount, one byte each.
inline constexpr std::size_t min_record_size_bytes = 7;

inline constexpr std::size_t control_record_key_size_bytes = 2 + 2;
inline constexpr std::size_t end_transaction_marker_size_bytes = 2 + 4;

}  // namespace samsa::protocol::record_batch_format
