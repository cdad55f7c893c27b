#pragma once

// The protocol_probe's `batch <hex>` command: parses one v2 record batch (CRC verified,
// records decompressed) and prints it as JSON together with the batch Samsa's builder
// rebuilds from the same records without compression, so that other implementations
// (kafka-python in tests/protocol) can cross-check the record batch codec.

#include <cstdint>
#include <span>
#include <string>

namespace samsa::protocol {

// One JSON object: the header fields, the records and "rebuilt" (hex), or {"error": ...}.
// The bytes must hold exactly one batch.
std::string probe_batch(std::span<const uint8_t> bytes);

}  // namespace samsa::protocol
