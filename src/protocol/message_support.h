#pragma once

// What every generated message needs: the wire reader and writer, the JSON dump, the id
// types, and the handling of tagged fields a version does not know.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/ids.h"
#include "base/shared_bytes.h"
#include "base/uuid.h"
#include "protocol/error_code.h"
#include "protocol/json_writer.h"
#include "protocol/wire_reader.h"
#include "protocol/wire_writer.h"

namespace samsa::protocol {

enum class message_kind : uint8_t { request, response, header, data, metadata };

// Specialised by every generated message: name, api key (-1 if none), version range and
// first flexible version (-1 if none).
template <typename Message>
struct message_traits;

// A tagged field this code does not know (a newer peer's): kept as raw bytes so it is
// written back unchanged when the struct is re-encoded.
struct tagged_field {
    uint32_t tag = 0;
    shared_bytes data;
    bool operator==(const tagged_field&) const = default;
};
using tagged_fields = std::vector<tagged_field>;

// Writes a flexible struct's tagged-field section: the count, then known and unknown
// fields merged in ascending tag order (Kafka requires ascending tags). Usage:
//     tagged_fields_writer tags(writer, unknown, known_count);
//     wire_writer& field = tags.begin(tag); ...write the value...; tags.end();
//     tags.finish();
class tagged_fields_writer {
public:
    tagged_fields_writer(wire_writer& writer, const tagged_fields& unknown, uint32_t known_count);

    wire_writer& begin(uint32_t tag);
    void end();
    void finish();

private:
    void write_unknown_before(uint64_t tag);

    wire_writer& writer_;
    const tagged_fields& unknown_;
    std::size_t next_unknown_ = 0;
    uint32_t current_tag_ = 0;
    wire_writer field_;
};

// JSON dumps of generated messages (for tools and tests), overloaded per field type.
inline void write_json_value(json_writer& json, bool value) {
    json.value(value);
}
inline void write_json_value(json_writer& json, const std::string& value) {
    json.value(value);
}
inline void write_json_value(json_writer& json, const shared_bytes& value) {
    if (value.is_external()) {
        // Bytes sent from a file (zero copy): only their size is here.
        json.value("<" + std::to_string(value.size()) + " bytes sent from a file>");
        return;
    }
    json.hex_value(value.span());
}
inline void write_json_value(json_writer& json, const uuid& value) {
    json.value(value.to_string());
}
inline void write_json_value(json_writer& json, double value) {
    json.value(value);
}
inline void write_json_value(json_writer& json, error_code value) {
    json.value(static_cast<int64_t>(value));
}
template <typename T>
requires std::is_integral_v<T>
void write_json_value(json_writer& json, T value) {
    json.value(static_cast<int64_t>(value));
}
template <typename Tag, typename Rep>
void write_json_value(json_writer& json, strong_id<Tag, Rep> value) {
    json.value(static_cast<int64_t>(value.value()));
}
template <typename T>
requires requires(const T& t, json_writer& j) {
    t.write_json(j);
}
void write_json_value(json_writer& json, const T& value) {
    value.write_json(json);
}
template <typename T>
void write_json_value(json_writer& json, const std::optional<T>& value) {
    if (value) {
        write_json_value(json, *value);
    } else {
        json.null_value();
    }
}
template <typename T>
void write_json_value(json_writer& json, const std::vector<T>& values) {
    json.begin_array();
    for (const auto& value : values) {
        write_json_value(json, value);
    }
    json.end_array();
}

void write_unknown_tagged_fields_json(json_writer& json, const tagged_fields& fields);

}  // namespace samsa::protocol
