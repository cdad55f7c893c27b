#pragma once

// Which request and response header version goes with an API version (Kafka's rules):
//   request header v2 for a flexible API version, else v1 (v0 only for ControlledShutdown v0);
//   response header v1 for a flexible API version, else v0, except that ApiVersions
//   responses always use v0 so that a client can parse the answer before it knows which
//   versions the broker supports (KIP-511).

#include <cstdint>

#include "protocol/generated/api_registry.h"

namespace samsa::protocol {

inline constexpr int16_t api_versions_key = 18;
inline constexpr int16_t controlled_shutdown_key = 7;

int16_t request_header_version(const api_descriptor& api, int16_t api_version);
int16_t response_header_version(const api_descriptor& api, int16_t api_version);

}  // namespace samsa::protocol
