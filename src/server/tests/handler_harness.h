#pragma once

// What the handler tests share: one api_handler driven to completion the way a connection
// would drive it, with an encoded request and a decoded answer, but no sockets: the handler
// coroutine runs on a local io_context.

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

#include "protocol/generated/api_registry.h"
#include "protocol/wire_reader.h"
#include "protocol/wire_writer.h"
#include "server/handler.h"
#include "server/shard_services.h"

namespace samsa::server::handlers {

inline asio::awaitable<void> run_handler(const api_handler* handler, request_context* context,
                                         protocol::wire_reader* body,
                                         std::optional<handler_result>* result) {
    *result = co_await handler->handle(*context, *body);
}

// Encodes the request at version, runs the handler to completion on `connection` and decodes
// its answer, which must fill the body exactly.
template <typename Response, typename Request>
Response call_handler(const api_handler& handler, shard_services& services,
                      connection_info& connection, const Request& request, int16_t version) {
    protocol::wire_writer writer;
    request.write(writer, version);
    EXPECT_TRUE(writer.ok());
    protocol::wire_reader body(shared_bytes(writer.take_bytes()));
    request_context context{.services = services,
                            .connection = connection,
                            .api = *protocol::find_api(handler.api_key),
                            .api_version = version};
    std::optional<handler_result> result;
    asio::io_context io;
    asio::co_spawn(io, run_handler(&handler, &context, &body, &result), asio::detached);
    io.run();
    Response response;
    if (!result.has_value() || !std::holds_alternative<response_body>(*result)) {
        ADD_FAILURE() << "the handler did not answer";
        return response;
    }
    protocol::wire_reader reader(shared_bytes(std::move(std::get<response_body>(*result).bytes)));
    response.read(reader, version);
    EXPECT_TRUE(reader.ok());
    EXPECT_EQ(reader.remaining(), 0u);
    return response;
}

}  // namespace samsa::server::handlers
