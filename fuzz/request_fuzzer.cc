// request_fuzzer: arbitrary bytes as a request frame (what follows the 4-byte size prefix).
//
// Checks what the broker's front door relies on, for every API key:
//   - server::parse_request_frame never crashes, whatever the bytes;
//   - for a frame it accepts, the body decodes with the generated request type of its API
//     key without crashing or allocating out of proportion to the frame (the decoders' own
//     bounds; ASan and -malloc_limit_mb catch a breach);
//   - a body that decodes re-encodes at the same version without an encode error, and the
//     re-encoding decodes again, to a request equal to the first and re-encoding to the same
//     bytes (the codecs are each other's inverse on everything the decoder accepts).
//
// Versions outside an API's range are framed (the header is read, as the broker does) but
// the body is not decoded: the broker never decodes them either (ApiVersions answers them
// with its own v0 error, every other API closes the connection). Every API key is reachable
// with its valid versions.
//
// Trailing bytes after the body are allowed, as the broker allows them (Kafka ignores them
// too), and take no part in the round trip.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "base/assert.h"
#include "base/shared_bytes.h"
#include "protocol/generated/api_registry.h"
#include "protocol/wire_reader.h"
#include "protocol/wire_writer.h"
#include "server/request_frame.h"

namespace samsa::fuzz {
namespace {

// A float64 NaN is the one value that decodes and re-encodes exactly (bit for bit) yet is
// not equal to itself, so the struct comparison cannot hold for it; the byte comparison
// still does. AlterClientQuotas' op value is the only float64 in any request.
template <typename Request>
bool holds_nan(const Request&) {
    return false;
}
template <>
bool holds_nan(const protocol::alter_client_quotas_request& request) {
    for (const auto& entry : request.entries) {
        for (const auto& op : entry.ops) {
            if (std::isnan(op.value)) {
                return true;
            }
        }
    }
    return false;
}

template <typename Request>
void round_trip(protocol::wire_reader& body, int16_t version) {
    const char* name = protocol::message_traits<Request>::name.data();
    Request first;
    first.read(body, version);
    if (!body.ok()) {
        return;  // malformed: the broker closes the connection
    }

    protocol::wire_writer encoded;
    first.write(encoded, version);
    SAMSA_ASSERT(encoded.ok(), "%s v%d: decoded, but re-encoding failed: %s", name, version,
                 protocol::to_string(encoded.error()));
    SAMSA_ASSERT(encoded.external_gaps().empty(), "%s v%d: a decoded request has external bytes",
                 name, version);

    protocol::wire_reader again(shared_bytes::copy_of(std::span(encoded.bytes())));
    Request second;
    second.read(again, version);
    SAMSA_ASSERT(again.ok(), "%s v%d: the re-encoding does not decode: %s", name, version,
                 protocol::to_string(again.error()));
    SAMSA_ASSERT(again.remaining() == 0, "%s v%d: %zu bytes left after decoding the re-encoding",
                 name, version, again.remaining());
    SAMSA_ASSERT(first == second || holds_nan(first),
                 "%s v%d: decoding the re-encoding gives a different request", name, version);

    protocol::wire_writer encoded_again;
    second.write(encoded_again, version);
    SAMSA_ASSERT(encoded_again.ok() && encoded_again.bytes() == encoded.bytes(),
                 "%s v%d: re-encoding is not stable", name, version);
}

}  // namespace
}  // namespace samsa::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace samsa;
    auto parsed = server::parse_request_frame(shared_bytes::copy_of(std::span(data, size)));
    if (!parsed) {
        return 0;
    }
    server::request_frame& frame = parsed.value();
    const protocol::api_descriptor& api = *frame.api;
    if (frame.api_version < api.min_version || frame.api_version > api.max_version) {
        return 0;
    }
    bool known = protocol::visit_api(api.key, [&]<typename Api>(std::type_identity<Api>) {
        fuzz::round_trip<typename Api::request>(frame.body, frame.api_version);
    });
    SAMSA_ASSERT(known, "api key %d is framed but has no request type", api.key);
    return 0;
}
