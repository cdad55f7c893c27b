#pragma once

// What a request handler is: an API key and the versions it serves, and a coroutine from
// a request (context + body) to what the connection should do next. One file per API
// family under handlers/ builds these; the registry (handler_registry.h) holds them.
//
// A handler is short, in Redpanda's manner: decode, check, call the subsystem, encode.
// make_handler() does the decode and encode for the common case of a handler that takes
// the generated request struct and returns the generated response struct.

#include <asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/log.h"
#include "protocol/generated/api_registry.h"
#include "protocol/wire_reader.h"
#include "protocol/wire_writer.h"
#include "server/shard_services.h"

namespace samsa::server {

// Who is asking: the connection a request arrived on. Owned by the connection; handlers
// may read it and (ApiVersions) record the client's software name and version.
struct connection_info {
    uint64_t id = 0;
    std::string listener_name;
    std::string peer;  // "ip:port"
    std::string client_software_name;
    std::string client_software_version;
};

struct request_context {
    shard_services& services;
    connection_info& connection;
    const protocol::api_descriptor& api;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    std::optional<std::string> client_id;
};

// The encoded response body (the connection adds the size prefix and response header).
struct response_body {
    std::vector<uint8_t> bytes;
};
// Nothing to send, but the request is finished (Produce with acks=0).
struct no_response {};
// The request cannot be served; close the connection, as Kafka does for a body it cannot
// parse or an API it does not serve.
struct close_connection {
    std::string reason;
};
using handler_result = std::variant<response_body, no_response, close_connection>;

using handler_function =
    std::function<asio::awaitable<handler_result>(request_context&, protocol::wire_reader&)>;

struct api_handler {
    int16_t api_key = -1;
    int16_t min_version = 0;
    int16_t max_version = -1;
    handler_function handle;
};

// Encodes a generated response struct at the request's version.
template <typename Response>
handler_result encode_response(const Response& response, int16_t version) {
    protocol::wire_writer writer;
    response.write(writer, version);
    if (!writer.ok()) {
        // Our own response does not fit the version: a bug, not the client's fault. Closing
        // tells the client loudly instead of sending something it would misread.
        log::error("cannot encode {} v{}: {}", protocol::message_traits<Response>::name, version,
                   protocol::to_string(writer.error()));
        return close_connection{"response encoding failed"};
    }
    return response_body{writer.take_bytes()};
}

// A handler for API Key with versions [min_version, max_version] from a function
//   asio::awaitable<Response>(request_context&, Request&)
// A body that does not decode closes the connection (Kafka: InvalidRequestException).
template <int16_t Key, typename Function>
api_handler make_handler(int16_t min_version, int16_t max_version, Function function) {
    using request_type = typename protocol::api_types<Key>::request;
    return api_handler{
        .api_key = Key,
        .min_version = min_version,
        .max_version = max_version,
        .handle = [function = std::move(function)](
                      request_context& context,
                      protocol::wire_reader& body) -> asio::awaitable<handler_result> {
            request_type request;
            request.read(body, context.api_version);
            if (!body.ok()) {
                co_return close_connection{std::string("malformed request body: ") +
                                           protocol::to_string(body.error())};
            }
            auto response = co_await function(context, request);
            co_return encode_response(response, context.api_version);
        }};
}

}  // namespace samsa::server
