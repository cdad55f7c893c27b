#include "server/request_frame.h"

#include "base/endian.h"
#include "protocol/generated/request_header.h"
#include "protocol/header_versions.h"

namespace samsa::server {

const char* to_string(request_frame_error error) {
    switch (error) {
        case request_frame_error::truncated_header:
            return "truncated request header";
        case request_frame_error::unknown_api_key:
            return "unknown api key";
    }
    return "unknown request frame error";
}

result<request_frame, request_frame_error> parse_request_frame(shared_bytes frame) {
    protocol::wire_reader peek(frame);
    int16_t api_key = peek.read_int16();
    int16_t api_version = peek.read_int16();
    if (!peek.ok()) {
        return failure{request_frame_error::truncated_header};
    }
    const protocol::api_descriptor* api = protocol::find_api(api_key);
    if (api == nullptr) {
        return failure{request_frame_error::unknown_api_key};
    }
    request_frame parsed{
        .api = api, .api_version = api_version, .body = protocol::wire_reader(frame)};
    protocol::request_header header;
    header.read(parsed.body, protocol::request_header_version(*api, api_version));
    if (!parsed.body.ok()) {
        return failure{request_frame_error::truncated_header};
    }
    parsed.correlation_id = header.correlation_id;
    parsed.client_id = std::move(header.client_id);
    return parsed;
}

}  // namespace samsa::server
