#include "cluster/metadata_batch.h"

#include "protocol/record.h"
#include "protocol/record_batch_builder.h"

namespace samsa::cluster {

std::string_view to_string(metadata_batch_error error) {
    switch (error) {
        case metadata_batch_error::no_records:
            return "no records";
        case metadata_batch_error::batch_too_large:
            return "batch too large";
        case metadata_batch_error::unreadable_records:
            return "unreadable records";
        case metadata_batch_error::unexpected_key:
            return "record with a key";
        case metadata_batch_error::missing_value:
            return "record without a value";
        case metadata_batch_error::unexpected_headers:
            return "record with headers";
        case metadata_batch_error::bad_metadata_record:
            return "bad metadata record";
    }
    return "unknown metadata batch error";
}

result<std::vector<uint8_t>, metadata_batch_error> build_metadata_batch(
    std::span<const metadata_record> records, const metadata_batch_settings& settings) {
    if (records.empty()) {
        return failure(metadata_batch_error::no_records);
    }
    protocol::record_batch_builder builder(
        {.base_offset = settings.base_offset, .partition_leader_epoch = settings.epoch});
    for (const metadata_record& record : records) {
        std::vector<uint8_t> value = encode_metadata_record(record);
        builder.append({.timestamp_ms = settings.append_time_ms,
                        .key = std::nullopt,
                        .value = protocol::byte_view(value)});
        if (builder.uncompressed_size_bytes() > max_metadata_batch_bytes) {
            return failure(metadata_batch_error::batch_too_large);
        }
    }
    auto built = std::move(builder).build();
    if (!built) {
        // Neither no_records nor compression_failed can happen here; too large is all left.
        return failure(metadata_batch_error::batch_too_large);
    }
    return std::move(built).value();
}

result<std::vector<metadata_record>, metadata_batch_error> read_metadata_batch(
    const protocol::record_batch_view& batch) {
    std::vector<metadata_record> records;
    if (batch.is_control()) {
        return records;
    }
    auto reader = protocol::record_reader::open(batch, max_metadata_batch_bytes);
    if (!reader) {
        return failure(metadata_batch_error::unreadable_records);
    }
    while (true) {
        auto next = reader->next();
        if (!next) {
            return failure(metadata_batch_error::unreadable_records);
        }
        if (!next->has_value()) {
            return records;
        }
        const protocol::record& record = **next;
        if (record.key.has_value()) {
            return failure(metadata_batch_error::unexpected_key);
        }
        if (!record.value.has_value() || record.value->empty()) {
            return failure(metadata_batch_error::missing_value);
        }
        if (!record.headers.empty()) {
            return failure(metadata_batch_error::unexpected_headers);
        }
        auto decoded = decode_metadata_record(*record.value);
        if (!decoded) {
            return failure(metadata_batch_error::bad_metadata_record);
        }
        records.push_back(std::move(decoded).value());
    }
}

metadata_provenance provenance_of(const protocol::record_batch_view& batch) {
    return {.last_offset = batch.last_offset(),
            .last_epoch = batch.partition_leader_epoch(),
            .last_append_time_ms = batch.max_timestamp_ms()};
}

}  // namespace samsa::cluster
