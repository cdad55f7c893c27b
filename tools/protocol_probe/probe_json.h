#pragma once

// The protocol_probe's answer to a command it could not carry out: {"error": "<message>"}.

#include <string>
#include <string_view>

#include "protocol/json_writer.h"

namespace samsa::protocol {

inline std::string error_json(std::string_view message) {
    json_writer json;
    json.begin_object();
    json.key("error");
    json.value(message);
    json.end_object();
    return json.text();
}

}  // namespace samsa::protocol
