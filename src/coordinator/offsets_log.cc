#include "coordinator/offsets_log.h"

#include "base/log.h"
#include "protocol/control_record.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "runtime/file_io.h"

namespace samsa::coordinator {
namespace {

using protocol::error_code;

// Bytes read per step while loading: Kafka's offsets.load.buffer.size default. A batch
// larger than this is still read whole (min_one_batch).
constexpr uint32_t load_step_bytes = 5 * 1024 * 1024;
// The largest a batch of __consumer_offsets may decompress to while loading.
constexpr std::size_t max_uncompressed_batch_bytes = 64 * 1024 * 1024;

asio::awaitable<result<std::vector<uint8_t>, std::string>> read_region(
    const storage::file_region& region) {
    std::vector<uint8_t> bytes(region.size_bytes);
    runtime::file_io* io = runtime::thread_file_io();
    std::size_t count = 0;
    if (io != nullptr) {
        auto done = co_await io->read_at(region.file->descriptor(), region.position, bytes);
        if (!done) {
            co_return failure{done.error().message()};
        }
        count = done.value();
    } else {
        auto done = region.file->read_at(region.position, bytes);
        if (!done) {
            co_return failure{done.error().message};
        }
        count = done.value();
    }
    if (count != bytes.size()) {
        co_return failure{std::string("segment file ends inside a batch")};
    }
    co_return bytes;
}

void visit_control_batch(const protocol::record_batch_view& batch,
                         const transaction_marker_visitor& visit_marker) {
    auto marker = protocol::parse_transaction_marker(batch);
    if (!marker) {
        // Not a transaction marker (or unreadable): Kafka skips control types it does not know.
        log::warn("__consumer_offsets: skipping a control batch at offset {}: {}",
                  batch.base_offset().value(), marker.error());
        return;
    }
    visit_marker(logged_marker{.producer = batch.producer_id(),
                               .committed = marker.value().type == protocol::control_type::commit});
}

}  // namespace

result<std::monostate, std::string> visit_offsets_batches(
    std::span<const uint8_t> bytes, const offsets_record_visitor& visit,
    const transaction_marker_visitor& visit_marker) {
    while (!bytes.empty()) {
        auto batch = protocol::record_batch_view::parse(bytes, protocol::crc_check::skip);
        if (!batch) {
            return failure{std::string(protocol::to_string(batch.error()))};
        }
        bytes = bytes.subspan(batch.value().size_bytes());
        if (batch.value().is_control()) {
            visit_control_batch(batch.value(), visit_marker);
            continue;
        }
        std::optional<producer_id> transactional_producer;
        if (batch.value().is_transactional()) {
            transactional_producer = batch.value().producer_id();
        }
        auto reader = protocol::record_reader::open(batch.value(), max_uncompressed_batch_bytes);
        if (!reader) {
            return failure{std::string(protocol::to_string(reader.error()))};
        }
        while (true) {
            auto next = reader.value().next();
            if (!next) {
                return failure{std::string(protocol::to_string(next.error()))};
            }
            if (!next.value()) {
                break;
            }
            const protocol::record& record = *next.value();
            if (!record.key) {
                continue;  // Kafka skips keyless records of this topic too
            }
            std::optional<std::span<const uint8_t>> value;
            if (record.value) {
                value = std::span<const uint8_t>(record.value->data(), record.value->size());
            }
            visit(logged_record{
                .key = std::span<const uint8_t>(record.key->data(), record.key->size()),
                .value = value,
                .record_offset = protocol::record_offset(batch.value(), record),
                .transactional_producer = transactional_producer});
        }
    }
    return std::monostate{};
}

namespace {

protocol::record_batch_settings batch_settings(const std::optional<transactional_writer>& writer) {
    protocol::record_batch_settings settings;
    if (writer) {
        // Kafka's coordinator writes no sequence: the partition's producer state does not
        // check sequences of coordinator appends.
        settings.producer_id = writer->producer;
        settings.producer_epoch = writer->epoch;
        settings.base_sequence = -1;
        settings.transactional = protocol::transaction_mode::transactional;
    }
    return settings;
}

}  // namespace

result<std::vector<uint8_t>, protocol::record_batch_builder_error> build_offsets_batch(
    std::span<const encoded_offsets_record> records, int64_t now_ms,
    const std::optional<transactional_writer>& writer) {
    protocol::record_batch_builder builder(batch_settings(writer));
    for (const auto& record : records) {
        std::optional<protocol::byte_view> value;
        if (record.value) {
            value = protocol::byte_view(*record.value);
        }
        builder.append(
            {.timestamp_ms = now_ms, .key = protocol::byte_view(record.key), .value = value});
    }
    return std::move(builder).build();
}

asio::awaitable<result<std::optional<offset>, error_code>> append_durably(
    cluster::partition& partition, std::span<const encoded_offsets_record> records, int64_t now_ms,
    std::optional<transactional_writer> writer) {
    if (records.empty()) {
        co_return std::optional<offset>();
    }
    if (writer) {
        // Kafka checks the epoch of a transactional batch whoever appends it
        // (ProducerAppendInfo.checkProducerEpoch): a fenced producer's offsets are refused,
        // or the next transaction's marker would commit them.
        const storage::producer_entry* known = partition.log().producers().find(writer->producer);
        if (known != nullptr && writer->epoch < known->epoch) {
            co_return failure{error_code::invalid_producer_epoch};
        }
    }
    auto batch = build_offsets_batch(records, now_ms, writer);
    if (!batch) {
        co_return failure{error_code::unknown_server_error};
    }
    auto appended = partition.append(batch.value(), now_ms);
    if (!appended) {
        log::warn("__consumer_offsets-{}: {}", partition.id().partition.value(),
                  appended.error().message);
        co_return failure{error_code::not_coordinator};
    }
    offset end(appended.value().last_offset.value() + 1);
    auto durable = co_await partition.log().wait_durable(end);
    if (!durable) {
        log::warn("__consumer_offsets-{}: {}", partition.id().partition.value(),
                  durable.error().message);
        co_return failure{error_code::not_coordinator};
    }
    co_return std::optional<offset>(appended.value().base_offset);
}

asio::awaitable<result<std::monostate, std::string>> read_all_records(
    cluster::partition& partition, const offsets_record_visitor& visit,
    const transaction_marker_visitor& visit_marker) {
    offset position = partition.log_start_offset();
    offset end = partition.log_end_offset();
    while (position < end) {
        auto read = partition.log().read(position, load_step_bytes, end, true);
        if (!read) {
            co_return failure{read.error().message};
        }
        if (read.value().regions.empty()) {
            break;
        }
        for (const storage::file_region& region : read.value().regions) {
            auto bytes = co_await read_region(region);
            if (!bytes) {
                co_return failure{bytes.error()};
            }
            if (auto visited = visit_offsets_batches(bytes.value(), visit, visit_marker);
                !visited) {
                co_return visited;
            }
        }
        position = read.value().next_offset;
    }
    co_return std::monostate{};
}

}  // namespace samsa::coordinator
