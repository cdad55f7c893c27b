#pragma once

// ApiVersions (key 18), every version. The answer lists exactly the APIs in the handler
// registry. Kafka's special cases:
//   - a version newer than the broker knows is not parsed: the answer is a v0 body with
//     UNSUPPORTED_VERSION and the ApiVersions range alone, so the client can retry with a
//     version both sides know (KIP-511);
//   - from v3 the client names its software; a name or version that breaks Kafka's
//     pattern [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? is INVALID_REQUEST;
//   - the response header is always v0 (header_versions.h).

#include <string_view>

#include "protocol/generated/api_versions_response.h"
#include "server/handler.h"

namespace samsa::server {
class handler_registry;
}

namespace samsa::server::handlers {

api_handler make_api_versions_handler();

protocol::api_versions_response build_api_versions_response(const handler_registry& registry);
protocol::api_versions_response build_unsupported_version_response(
    const handler_registry& registry);
bool is_valid_client_software_field(std::string_view text);

}  // namespace samsa::server::handlers
