#pragma once

// The first step of serving a request: from a received frame (the bytes after the 4-byte
// size prefix) to its header and the reader positioned at the body.
//
// Kafka's order, which this follows: read api_key and api_version (4 bytes, present in
// every header version), pick the header version from the API's flexible versions, read
// the rest of the header. An API key the schemas do not define cannot be framed at all;
// the caller closes the connection, as Kafka's SocketServer does.

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/shared_bytes.h"
#include "protocol/generated/api_registry.h"
#include "protocol/wire_reader.h"

namespace samsa::server {

struct request_frame {
    const protocol::api_descriptor* api = nullptr;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    std::optional<std::string> client_id;
    // The body, after the header (and its tagged fields in header v2).
    protocol::wire_reader body{shared_bytes()};
};

enum class request_frame_error {
    truncated_header,  // the frame ends inside the header
    unknown_api_key,   // a key the schemas do not define
};

const char* to_string(request_frame_error error);

result<request_frame, request_frame_error> parse_request_frame(shared_bytes frame);

}  // namespace samsa::server
