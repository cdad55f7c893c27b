// protocol_probe: decodes Kafka frames given as hex and prints them as JSON, together with
// Samsa's own re-encoding, so that other implementations (kafka-python in
// tests/protocol) can cross-check the generated codecs. One command per stdin line:
//
//   request <hex>                              a request: header + body, no size prefix
//   response <api_key> <api_version> <hex>     a response: header + body
//   batch <hex>                                one v2 record batch (see batch_probe.h)
//
// Output: one JSON object per line, {"error": "..."} when decoding fails.

#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "batch_probe.h"
#include "probe_json.h"
#include "protocol/generated/api_registry.h"
#include "protocol/generated/request_header.h"
#include "protocol/generated/response_header.h"
#include "protocol/header_versions.h"
#include "protocol/json_writer.h"

namespace samsa::protocol {
namespace {

std::optional<uint8_t> hex_digit_value(char digit) {
    if (digit >= '0' && digit <= '9') {
        return static_cast<uint8_t>(digit - '0');
    }
    if (digit >= 'a' && digit <= 'f') {
        return static_cast<uint8_t>(digit - 'a' + 10);
    }
    if (digit >= 'A' && digit <= 'F') {
        return static_cast<uint8_t>(digit - 'A' + 10);
    }
    return std::nullopt;
}

std::optional<std::vector<uint8_t>> parse_hex(const std::string& text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    std::vector<uint8_t> bytes;
    bytes.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        auto high = hex_digit_value(text[i]);
        auto low = hex_digit_value(text[i + 1]);
        if (!high || !low) {
            return std::nullopt;
        }
        bytes.push_back(static_cast<uint8_t>(*high << 4 | *low));
    }
    return bytes;
}

// Decodes header + body of type Body from the frame and prints both with the re-encoding.
template <typename Header, typename Body>
std::string decode_frame(const std::vector<uint8_t>& frame, int16_t header_version,
                         int16_t body_version) {
    wire_reader reader(shared_bytes::copy_of(frame));
    Header header;
    header.read(reader, header_version);
    Body body;
    body.read(reader, body_version);
    if (!reader.ok()) {
        return error_json(std::string("decode: ") + to_string(reader.error()));
    }
    if (reader.remaining() != 0) {
        return error_json("decode: " + std::to_string(reader.remaining()) + " trailing bytes");
    }
    wire_writer writer;
    header.write(writer, header_version);
    body.write(writer, body_version);
    json_writer json;
    json.begin_object();
    json.key("header_version");
    json.value(static_cast<int64_t>(header_version));
    json.key("header");
    header.write_json(json);
    json.key("body");
    body.write_json(json);
    json.key("reencoded");
    json.hex_value(writer.bytes());
    json.key("encode_error");
    json.value(to_string(writer.error()));
    json.end_object();
    return json.text();
}

std::string probe_request(const std::vector<uint8_t>& frame) {
    wire_reader peek(shared_bytes::copy_of(frame));
    int16_t key = peek.read_int16();
    int16_t version = peek.read_int16();
    const api_descriptor* api = find_api(key);
    if (!peek.ok() || api == nullptr) {
        return error_json("unknown api key");
    }
    if (version < api->min_version || version > api->max_version) {
        return error_json("unsupported version");
    }
    std::string out;
    visit_api(key, [&]<typename Api>(std::type_identity<Api>) {
        out = decode_frame<request_header, typename Api::request>(
            frame, request_header_version(*api, version), version);
    });
    return out;
}

std::string probe_response(int16_t key, int16_t version, const std::vector<uint8_t>& frame) {
    const api_descriptor* api = find_api(key);
    if (api == nullptr || version < api->min_version || version > api->max_version) {
        return error_json("unknown api key or version");
    }
    std::string out;
    visit_api(key, [&]<typename Api>(std::type_identity<Api>) {
        out = decode_frame<response_header, typename Api::response>(
            frame, response_header_version(*api, version), version);
    });
    return out;
}

std::string run_command(const std::string& line) {
    std::istringstream words(line);
    std::string command;
    words >> command;
    if (command == "request") {
        std::string hex;
        words >> hex;
        auto frame = parse_hex(hex);
        return frame ? probe_request(*frame) : error_json("bad hex");
    }
    if (command == "response") {
        int key = 0;
        int version = 0;
        std::string hex;
        words >> key >> version >> hex;
        auto frame = parse_hex(hex);
        return frame ? probe_response(static_cast<int16_t>(key), static_cast<int16_t>(version),
                                      *frame)
                     : error_json("bad hex");
    }
    if (command == "batch") {
        std::string hex;
        words >> hex;
        auto batch = parse_hex(hex);
        return batch ? probe_batch(*batch) : error_json("bad hex");
    }
    return error_json("unknown command " + command);
}

}  // namespace
}  // namespace samsa::protocol

int main() {
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) {
            continue;
        }
        std::cout << samsa::protocol::run_command(line) << '\n' << std::flush;
    }
    return 0;
}
