#include "cluster/metadata_record.h"

#include <limits>
#include <utility>

#include "base/assert.h"
#include "base/shared_bytes.h"

namespace samsa::cluster {
namespace {

template <typename Record>
using traits_of = protocol::message_traits<std::remove_cvref_t<Record>>;

// Replaces body with a default record of the given type; false if no alternative has it.
template <std::size_t... Index>
bool emplace_record_of_type(metadata_record_body& body, int16_t type,
                            std::index_sequence<Index...>) {
    return ((protocol::message_traits<
                     std::variant_alternative_t<Index, metadata_record_body>>::api_key == type
                 ? (body.emplace<Index>(), true)
                 : false) ||
            ...);
}

metadata_record_error from_decode_error(protocol::decode_error error) {
    switch (error) {
        case protocol::decode_error::truncated:
            return metadata_record_error::truncated;
        case protocol::decode_error::bad_varint:
            return metadata_record_error::bad_varint;
        case protocol::decode_error::trailing_bytes:
            return metadata_record_error::trailing_bytes;
        case protocol::decode_error::unsupported_version:
            return metadata_record_error::unsupported_version;
        case protocol::decode_error::none:
        case protocol::decode_error::negative_length:
        case protocol::decode_error::length_past_end:
        case protocol::decode_error::too_many_entries:
            break;
    }
    return metadata_record_error::malformed_record;
}

}  // namespace

int16_t record_type(const metadata_record& record) {
    return std::visit([](const auto& body) { return traits_of<decltype(body)>::api_key; },
                      record.body);
}

std::string_view record_type_name(const metadata_record& record) {
    return std::visit([](const auto& body) { return traits_of<decltype(body)>::name; },
                      record.body);
}

std::string_view to_string(metadata_record_error error) {
    switch (error) {
        case metadata_record_error::truncated:
            return "truncated";
        case metadata_record_error::bad_varint:
            return "bad varint";
        case metadata_record_error::unsupported_frame_version:
            return "unsupported frame version";
        case metadata_record_error::unknown_record_type:
            return "unknown record type";
        case metadata_record_error::unsupported_version:
            return "unsupported record version";
        case metadata_record_error::malformed_record:
            return "malformed record";
        case metadata_record_error::trailing_bytes:
            return "trailing bytes";
    }
    return "unknown metadata record error";
}

std::vector<uint8_t> encode_metadata_record(const metadata_record& record) {
    protocol::wire_writer writer;
    std::visit(
        [&](const auto& body) {
            using traits = traits_of<decltype(body)>;
            SAMSA_ASSERT(
                record.version >= traits::min_version && record.version <= traits::max_version,
                "%s has no version %d", traits::name.data(), record.version);
            writer.write_unsigned_varint(metadata_record_frame_version);
            writer.write_unsigned_varint(static_cast<uint32_t>(traits::api_key));
            writer.write_unsigned_varint(static_cast<uint32_t>(record.version));
            body.write(writer, record.version);
            SAMSA_ASSERT(writer.ok(), "%s cannot be encoded at version %d: %s", traits::name.data(),
                         record.version, protocol::to_string(writer.error()));
        },
        record.body);
    return writer.take_bytes();
}

result<metadata_record, metadata_record_error> decode_metadata_record(
    std::span<const uint8_t> value) {
    protocol::wire_reader reader(shared_bytes::copy_of(value));
    // Kafka's order of checks: the frame version before the type is read, both header
    // values against int16 before the type is looked up.
    uint32_t frame_version = reader.read_unsigned_varint();
    if (!reader.ok()) {
        return failure(from_decode_error(reader.error()));
    }
    if (frame_version != metadata_record_frame_version) {
        return failure(metadata_record_error::unsupported_frame_version);
    }
    constexpr uint32_t int16_max = std::numeric_limits<int16_t>::max();
    uint32_t type = reader.read_unsigned_varint();
    if (reader.ok() && type > int16_max) {
        return failure(metadata_record_error::unknown_record_type);
    }
    uint32_t version = reader.read_unsigned_varint();
    if (!reader.ok()) {
        return failure(from_decode_error(reader.error()));
    }
    if (version > int16_max) {
        return failure(metadata_record_error::unsupported_version);
    }
    metadata_record record;
    if (!emplace_record_of_type(
            record.body, static_cast<int16_t>(type),
            std::make_index_sequence<std::variant_size_v<metadata_record_body>>())) {
        return failure(metadata_record_error::unknown_record_type);
    }
    record.version = static_cast<int16_t>(version);
    bool version_supported = std::visit(
        [&](auto& body) {
            using traits = traits_of<decltype(body)>;
            if (record.version < traits::min_version || record.version > traits::max_version) {
                return false;
            }
            body.read(reader, record.version);
            return true;
        },
        record.body);
    if (!version_supported) {
        return failure(metadata_record_error::unsupported_version);
    }
    if (!reader.ok()) {
        return failure(from_decode_error(reader.error()));
    }
    if (reader.remaining() != 0) {
        return failure(metadata_record_error::trailing_bytes);
    }
    return record;
}

}  // namespace samsa::cluster
