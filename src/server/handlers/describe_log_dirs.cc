#include "server/handlers/describe_log_dirs.h"

#include <map>
#include <set>

#include "protocol/generated/describe_log_dirs_request.h"
#include "protocol/generated/describe_log_dirs_response.h"
#include "server/partition_access.h"
#include "storage/volume_space.h"

namespace samsa::server::handlers {
namespace {

using protocol::describe_log_dirs_request;
using protocol::describe_log_dirs_response;
using protocol::error_code;
using wanted_partitions = std::set<storage::topic_partition>;

// What a shard reports about one log it hosts.
struct hosted_log {
    storage::topic_partition id;
    std::filesystem::path log_dir;
    int64_t size_bytes = 0;
    int64_t offset_lag = 0;
};

// On one shard: its logs, those wanted only (every one when wanted is null).
std::vector<hosted_log> logs_on_shard(cluster::partition_manager& manager,
                                      const wanted_partitions* wanted) {
    std::vector<hosted_log> logs;
    for (auto& [id, hosted] : manager) {
        if (wanted != nullptr && !wanted->contains(id)) {
            continue;
        }
        const storage::partition_log& log = hosted->log();
        logs.push_back({.id = id,
                        .log_dir = hosted->log_dir(),
                        .size_bytes = static_cast<int64_t>(log.size_bytes()),
                        .offset_lag = std::max<int64_t>(
                            0, log.high_watermark().value() - log.log_end_offset().value())});
    }
    return logs;
}

std::string absolute_path(const std::filesystem::path& dir) {
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(dir, error);
    return error ? dir.string() : absolute.string();
}

describe_log_dirs_response::describe_log_dirs_result describe_dir(
    const std::filesystem::path& dir, const std::vector<hosted_log>& logs) {
    describe_log_dirs_response::describe_log_dirs_result result{.log_dir = absolute_path(dir)};
    auto space = storage::volume_space_of(dir);
    if (!space) {
        log::warn("DescribeLogDirs: {}", space.error().message);
        result.error_code = error_code::kafka_storage_error;
        return result;
    }
    result.total_bytes = space.value().total_bytes;
    result.usable_bytes = space.value().usable_bytes;
    std::map<std::string, std::vector<const hosted_log*>> by_topic;
    for (const hosted_log& each : logs) {
        if (each.log_dir == dir) {
            by_topic[each.id.topic].push_back(&each);
        }
    }
    for (auto& [name, topic_logs] : by_topic) {
        auto& topic = result.topics.emplace_back();
        topic.name = name;
        for (const hosted_log* each : topic_logs) {
            topic.partitions.push_back({.partition_index = each->id.partition,
                                        .partition_size = each->size_bytes,
                                        .offset_lag = each->offset_lag,
                                        .is_future_key = false});
        }
    }
    return result;
}

asio::awaitable<describe_log_dirs_response> handle_describe_log_dirs(
    request_context& context, describe_log_dirs_request& request) {
    shard_services& services = context.services;
    std::optional<wanted_partitions> wanted;
    if (request.topics) {
        wanted.emplace();
        for (const auto& topic : *request.topics) {
            for (partition_id partition : topic.partitions) {
                wanted->insert({topic.topic, partition});
            }
        }
    }
    std::vector<hosted_log> logs;
    const wanted_partitions* filter = wanted ? &*wanted : nullptr;
    for (uint32_t owner = 0; owner < services.partitions_by_shard.size(); ++owner) {
        auto gather = [filter](cluster::partition_manager& manager) {
            return logs_on_shard(manager, filter);
        };
        std::vector<hosted_log> on_shard = co_await on_owner(services, owner, std::move(gather));
        logs.insert(logs.end(), std::make_move_iterator(on_shard.begin()),
                    std::make_move_iterator(on_shard.end()));
    }
    std::sort(logs.begin(), logs.end(),
              [](const hosted_log& a, const hosted_log& b) { return a.id < b.id; });

    describe_log_dirs_response response;
    std::set<std::filesystem::path> answered;
    for (const std::filesystem::path& dir : services.settings.log_dirs) {
        if (answered.insert(dir).second) {
            response.results.push_back(describe_dir(dir, logs));
        }
    }
    co_return response;
}

}  // namespace

api_handler make_describe_log_dirs_handler() {
    return make_handler<protocol::message_traits<describe_log_dirs_request>::api_key>(
        protocol::message_traits<describe_log_dirs_request>::min_version,
        protocol::message_traits<describe_log_dirs_request>::max_version, handle_describe_log_dirs);
}

}  // namespace samsa::server::handlers
