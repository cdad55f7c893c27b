// Reading a partition log's batches back in order with blocking reads: replays at open
// (producer state, the controller's metadata image), never the consumers' path.

#include <fmt/format.h>

#include <algorithm>

#include "protocol/record_batch.h"
#include "storage/partition_log.h"

namespace samsa::storage {
namespace {

// Read this much of the log at a time (at least one whole batch).
constexpr uint32_t visit_read_bytes = 1024 * 1024;

storage_error corrupt(std::string message) {
    return {storage_errc::corrupt_log, std::move(message)};
}

}  // namespace

storage_result<std::monostate> partition_log::visit_batches(offset from, protocol::crc_check check,
                                                            const batch_visitor& visit) {
    offset next = from;
    while (next < log_end_offset_) {
        auto read = this->read(next, visit_read_bytes, log_end_offset_, true);
        if (!read) {
            return failure{read.error()};
        }
        if (read.value().regions.empty()) {
            break;
        }
        for (const auto& region : read.value().regions) {
            std::vector<uint8_t> bytes(region.size_bytes);
            auto got = region.file->read_at(region.position, bytes);
            if (!got || got.value() != bytes.size()) {
                return failure{corrupt(
                    fmt::format("{}: short read at offset {}", dir_.string(), next.value()))};
            }
            protocol::record_batch_splitter splitter(bytes);
            while (true) {
                auto bounds = splitter.next();
                if (!bounds) {
                    return failure{corrupt(fmt::format("{}: a batch after offset {} does not frame",
                                                       dir_.string(), next.value()))};
                }
                if (!bounds.value()) {
                    break;
                }
                auto view = protocol::record_batch_view::parse(
                    std::span<const uint8_t>(bytes).subspan(bounds.value()->position,
                                                            bounds.value()->size_bytes),
                    check);
                if (!view) {
                    return failure{corrupt(fmt::format("{}: a batch after offset {} does not parse",
                                                       dir_.string(), next.value()))};
                }
                if (auto visited = visit(view.value()); !visited) {
                    return visited;
                }
            }
        }
        next = std::max(next, read.value().next_offset);
    }
    return std::monostate{};
}

}  // namespace samsa::storage
