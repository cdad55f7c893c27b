#include "protocol/message_support.h"

#include <string>

namespace samsa::protocol {

tagged_fields_writer::tagged_fields_writer(wire_writer& writer, const tagged_fields& unknown,
                                           uint32_t known_count)
    : writer_(writer), unknown_(unknown) {
    writer_.write_unsigned_varint(known_count + static_cast<uint32_t>(unknown.size()));
}

void tagged_fields_writer::write_unknown_before(uint64_t tag) {
    while (next_unknown_ < unknown_.size() && unknown_[next_unknown_].tag < tag) {
        const auto& field = unknown_[next_unknown_++];
        writer_.write_unsigned_varint(field.tag);
        writer_.write_unsigned_varint(static_cast<uint32_t>(field.data.size()));
        writer_.write_raw(field.data.span());
    }
}

wire_writer& tagged_fields_writer::begin(uint32_t tag) {
    write_unknown_before(tag);
    current_tag_ = tag;
    field_ = wire_writer();
    return field_;
}

void tagged_fields_writer::end() {
    if (!field_.ok()) {
        writer_.fail(field_.error());
    }
    writer_.write_unsigned_varint(current_tag_);
    writer_.write_unsigned_varint(static_cast<uint32_t>(field_.size()));
    writer_.write_raw(field_.bytes());
}

void tagged_fields_writer::finish() {
    // Past every uint32 tag, so an unknown field tagged UINT32_MAX is written too.
    write_unknown_before(uint64_t{UINT32_MAX} + 1);
}

void write_unknown_tagged_fields_json(json_writer& json, const tagged_fields& fields) {
    if (fields.empty()) {
        return;
    }
    json.key("unknown_tagged_fields");
    json.begin_object();
    for (const auto& field : fields) {
        json.key(std::to_string(field.tag));
        json.hex_value(field.data.span());
    }
    json.end_object();
}

}  // namespace samsa::protocol
