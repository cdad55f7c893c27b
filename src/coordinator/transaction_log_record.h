#pragma once

// The records of __transaction_state, in Kafka's format (TransactionLog.scala). A record's
// key and value each start with a big-endian int16 version, followed by the struct of
// kafka-protocol/core/TransactionLogKey.json / TransactionLogValue.json at that version:
//
//   key version 0      TransactionLogKey    transactional id string
//   other key versions not a transaction (a newer Kafka's record): decoded as
//                      unknown_transaction_log_record, which the loader skips, as Kafka does
//
//   TransactionLogValue versions 0-1 (1 is flexible: compact strings, tagged fields)
//     producer id int64, producer epoch int16, transaction timeout ms int32,
//     status int8 (transaction_state.h's ids), partitions [topic string, [partition int32]]
//     (null when Empty), last update timestamp ms int64, start timestamp ms int64 (-1: none)
//
// Samsa writes key version 0 and value version 0, as Kafka does until transaction.version 2
// (KIP-890) turns on flexible values. A null value is a tombstone: the transactional id
// expired. Compaction keeps the last record of each key, so replaying the partition in order
// rebuilds every id's last durable state.
//
// Example: "tx" with producer id 7, epoch 2, timeout 60000, Ongoing with partition 0 of "t",
// updated at 1000, started at 900:
//
//   key    00 00  00 02 74 78                                    version 0, "tx"
//   value  00 00  00 00 00 00 00 00 00 07  00 02  00 00 ea 60     version 0, pid 7, epoch 2,
//          01  00 00 00 01  00 01 74  00 00 00 01  00 00 00 00   Ongoing, [("t", [0])],
//          00 00 00 00 00 00 03 e8  00 00 00 00 00 00 03 84      1000, 900
//
// Decoding is stricter than Kafka: bytes after a struct are an error, and so is a value
// Kafka never writes (an unknown status, Dead, PrepareEpochFence, a negative producer id or
// epoch), so that a corrupt record cannot become a state the coordinator cannot act on.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "coordinator/transaction_metadata.h"

namespace samsa::coordinator {

inline constexpr int16_t transaction_log_key_version = 0;
inline constexpr int16_t transaction_log_value_version = 0;

// A record's key and value bytes as appended to __transaction_state.
struct encoded_transaction_log_record {
    std::vector<uint8_t> key;
    std::optional<std::vector<uint8_t>> value;  // nullopt: a tombstone

    bool operator==(const encoded_transaction_log_record&) const = default;
};

// One transactional id's durable state, or its tombstone. Of a transit, the record holds
// neither the last producer id nor the last epoch: decoded, they are -1.
struct transaction_log_record {
    std::string transactional_id;
    std::optional<transaction_transit> value;  // nullopt: the id expired

    bool operator==(const transaction_log_record&) const = default;
};

// A record whose key version is not 0; its value is not read.
struct unknown_transaction_log_record {
    int16_t key_version = 0;

    bool operator==(const unknown_transaction_log_record&) const = default;
};

using decoded_transaction_log_record =
    std::variant<transaction_log_record, unknown_transaction_log_record>;

enum class transaction_log_error : uint8_t {
    missing_key,                // the record's key is null
    truncated,                  // the key or value ends inside a field
    malformed,                  // a length or count cannot be right
    unsupported_value_version,  // a value version outside 0-1
    trailing_bytes,             // bytes after the key or value struct
    unexpected_value,           // a status, producer id or epoch Kafka never writes
    too_long,                   // (encoding) a string longer than an int16 length allows
};

std::string_view to_string(transaction_log_error error);

// Fails only with too_long: a transactional id or topic over 32767 bytes.
result<encoded_transaction_log_record, transaction_log_error> encode_transaction_log_record(
    const transaction_log_record& record);

// Decodes a record read from __transaction_state (nullopt: a null key or value). The bytes
// come from disk and may be corrupt: malformed bytes are an error, never a crash.
result<decoded_transaction_log_record, transaction_log_error> decode_transaction_log_record(
    std::optional<std::span<const uint8_t>> key, std::optional<std::span<const uint8_t>> value);

}  // namespace samsa::coordinator
