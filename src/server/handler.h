#pragma once

// What a request handler is: an API key and the versions it serves, and a coroutine from
// a request (context + body) to what the connection should do next. One file per API
// family under handlers/ builds these; the registry (handler_registry.h) holds them.
//
// A handler is short, in Redpanda's manner: decode, check, call the subsystem, encode.
// make_handler() does the decode and encode for the common case of a handler that takes
// the generated request struct and returns the generated response struct.
//
// Zero copy (Fetch): a response whose records fields are external (shared_bytes::external)
// is encoded with encode_response_with_regions(), which gives each external value the
// segment file regions holding its bytes. The connection sends those regions with
// sendfile(2), so record bytes never pass through user space.

#include <asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/log.h"
#include "protocol/generated/api_registry.h"
#include "protocol/wire_reader.h"
#include "protocol/wire_writer.h"
#include "server/request_decoding.h"
#include "server/request_turns.h"
#include "server/shard_services.h"
#include "storage/partition_log.h"

namespace samsa::server {

// Who is asking: the connection a request arrived on. Owned by the connection; handlers
// may read it and (ApiVersions) record the client's software name and version.
struct connection_info {
    uint64_t id = 0;
    std::string listener_name;
    std::string peer;  // "ip:port"
    std::string client_software_name;
    std::string client_software_version;
    // Set when the connection closes: a delayed fetch stops waiting for it.
    bool closed = false;
    // Produce appends in request order (request_turns.h).
    request_turns produce_turns;
};

struct request_context {
    shard_services& services;
    connection_info& connection;
    const protocol::api_descriptor& api;
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    std::optional<std::string> client_id;
    // The request's decoded entries in the broker's request memory; nullptr (tests): none.
    decoded_entries_charge* decoded_entries = nullptr;
};

// Bytes of a segment file that go into a response body at `position` of its bytes (before
// the byte there; bytes.size() for the very end). Holding it keeps the file open.
struct spliced_region {
    std::size_t position = 0;
    storage::file_region region;
};

// The encoded response body (the connection adds the size prefix and response header):
// bytes, with regions inserted when it is sent. Regions are in ascending position order;
// several at one position are sent one after another, in order.
struct response_body {
    std::vector<uint8_t> bytes;
    std::vector<spliced_region> regions;
};
// Nothing to send, but the request is finished (Produce with acks=0).
struct no_response {};
// The request cannot be served; close the connection, as Kafka does for a body it cannot
// parse or an API it does not serve.
struct close_connection {
    std::string reason;
};
using handler_result = std::variant<response_body, no_response, close_connection>;

// Why a body that decode_request() did not decode closes the connection.
inline close_connection undecodable_body(protocol::decode_error error) {
    if (error == protocol::decode_error::too_many_entries) {
        return close_connection{
            "the request names more entries than queued.max.request.bytes can hold"};
    }
    return close_connection{std::string("malformed request body: ") + protocol::to_string(error)};
}

using handler_function =
    std::function<asio::awaitable<handler_result>(request_context&, protocol::wire_reader&)>;

struct api_handler {
    int16_t api_key = -1;
    int16_t min_version = 0;
    int16_t max_version = -1;
    handler_function handle;
};

// The body an encoded response makes once regions, in order, fill the gaps its external
// records left (wire_writer::external_gaps()): each gap takes the next regions whose sizes
// add up to exactly its size. Regions of no bytes are dropped. Regions that do not add up
// to the gaps, or that have no file, are the handler's bug: logged, and the connection is
// closed rather than sent a frame the client would misread.
inline handler_result splice_regions(protocol::wire_writer& writer,
                                     std::vector<storage::file_region> regions,
                                     std::string_view message_name, int16_t version) {
    auto mismatch = [&]() -> handler_result {
        log::error("cannot encode {} v{}: {} file regions do not fill its {} external records",
                   message_name, version, regions.size(), writer.external_gaps().size());
        return close_connection{"response encoding failed"};
    };
    std::vector<spliced_region> spliced;
    spliced.reserve(regions.size());
    std::size_t next = 0;
    for (const protocol::external_gap& gap : writer.external_gaps()) {
        std::size_t unfilled = gap.size_bytes;
        while (unfilled > 0 && next < regions.size()) {
            storage::file_region& region = regions[next++];
            if (region.size_bytes == 0) {
                continue;
            }
            if (region.file == nullptr || region.size_bytes > unfilled) {
                return mismatch();
            }
            unfilled -= region.size_bytes;
            spliced.push_back({.position = gap.position, .region = std::move(region)});
        }
        if (unfilled > 0) {
            return mismatch();
        }
    }
    for (; next < regions.size(); ++next) {
        if (regions[next].size_bytes != 0) {
            return mismatch();
        }
    }
    return response_body{.bytes = writer.take_bytes(), .regions = std::move(spliced)};
}

// Encodes a generated response struct at the request's version; its external records
// (if any) are filled with regions, as splice_regions() says.
template <typename Response>
handler_result encode_response_with_regions(const Response& response, int16_t version,
                                            std::vector<storage::file_region> regions) {
    protocol::wire_writer writer;
    response.write(writer, version);
    if (!writer.ok()) {
        // Our own response does not fit the version: a bug, not the client's fault. Closing
        // tells the client loudly instead of sending something it would misread.
        log::error("cannot encode {} v{}: {}", protocol::message_traits<Response>::name, version,
                   protocol::to_string(writer.error()));
        return close_connection{"response encoding failed"};
    }
    return splice_regions(writer, std::move(regions), protocol::message_traits<Response>::name,
                          version);
}

// Encodes a generated response struct at the request's version. It must hold no external
// records (they would have no bytes).
template <typename Response>
handler_result encode_response(const Response& response, int16_t version) {
    return encode_response_with_regions(response, version, {});
}

// A handler for API Key with versions [min_version, max_version] from a function
//   asio::awaitable<Response>(request_context&, Request&)
// A body that does not decode closes the connection (Kafka: InvalidRequestException), and
// so does one naming more entries than the request memory can ever hold.
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
            protocol::decode_error error = co_await decode_request(context.decoded_entries, body,
                                                                   context.api_version, request);
            if (error != protocol::decode_error::none) {
                co_return undecodable_body(error);
            }
            auto response = co_await function(context, request);
            co_return encode_response(response, context.api_version);
        }};
}

}  // namespace samsa::server
