#include "cli/consume_plan.h"

#include "cli/topic_lookup.h"
#include "client/rdkafka_handles.h"

namespace samsa::cli {

namespace {

client::topic_partition_list_handle partition_list(const std::string& topic,
                                                   const std::vector<int32_t>& partitions,
                                                   int64_t offset) {
    client::topic_partition_list_handle list(
        rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (int32_t partition : partitions) {
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    }
    return list;
}

// The lookups asked per partition of a list: rd_kafka_committed, rd_kafka_offsets_for_times.
using partition_lookup = rd_kafka_resp_err_t (*)(rd_kafka_t*, rd_kafka_topic_partition_list_t*,
                                                 int);

// partition -> offset the broker answered to `lookup` for every partition, each asked with
// `offset` (a timestamp for offsets_for_times); `what` names the lookup in failures.
client::client_result<std::map<int32_t, int64_t>> answered_offsets(
    rd_kafka_t* consumer, partition_lookup lookup, const std::string& topic,
    const std::vector<int32_t>& partitions, int64_t offset, const std::string& what,
    const client::connection_settings& connection) {
    auto list = partition_list(topic, partitions, offset);
    rd_kafka_resp_err_t error = lookup(consumer, list.get(), connection.timeout_ms);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{rdkafka_failure(error, what, connection)};
    }
    std::map<int32_t, int64_t> offsets;
    for (int i = 0; i < list->cnt; ++i) {
        const auto& element = list->elems[i];
        if (element.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return failure{rdkafka_failure(element.err, what, connection)};
        }
        offsets[element.partition] = element.offset;
    }
    return offsets;
}

}  // namespace

client::client_result<std::map<int32_t, partition_plan>> plan_partitions(
    rd_kafka_t* consumer, const std::string& topic, const std::vector<int32_t>& partitions,
    const start_position& position, bool use_committed,
    const client::connection_settings& connection) {
    std::map<int32_t, int64_t> committed;
    if (use_committed && !partitions.empty()) {
        auto offsets = answered_offsets(consumer, rd_kafka_committed, topic, partitions,
                                        RD_KAFKA_OFFSET_INVALID,
                                        "reading the group's committed offsets", connection);
        if (!offsets) {
            return failure{offsets.error()};
        }
        committed = std::move(offsets).value();
    }
    std::map<int32_t, int64_t> timestamp_offsets;
    if (position.kind == start_kind::timestamp && !partitions.empty()) {
        auto offsets =
            answered_offsets(consumer, rd_kafka_offsets_for_times, topic, partitions,
                             position.value, "finding the offsets for the timestamp", connection);
        if (!offsets) {
            return failure{offsets.error()};
        }
        timestamp_offsets = std::move(offsets).value();
    }
    std::map<int32_t, partition_plan> plans;
    for (int32_t partition : partitions) {
        partition_watermarks watermarks;
        rd_kafka_resp_err_t error =
            rd_kafka_query_watermark_offsets(consumer, topic.c_str(), partition, &watermarks.low,
                                             &watermarks.high, connection.timeout_ms);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return failure{rdkafka_failure(error,
                                           "reading the offsets of partition " +
                                               std::to_string(partition) + " of topic \"" + topic +
                                               "\"",
                                           connection)};
        }
        partition_plan plan{.start_offset = 0, .stop_offset = watermarks.high};
        if (auto found = committed.find(partition);
            found != committed.end() && found->second >= 0) {
            plan.start_offset = found->second;
        } else {
            std::optional<int64_t> timestamp_offset;
            if (auto at = timestamp_offsets.find(partition); at != timestamp_offsets.end()) {
                timestamp_offset = at->second;
            }
            plan.start_offset = resolve_start_offset(position, watermarks, timestamp_offset);
        }
        plans[partition] = plan;
    }
    return plans;
}

}  // namespace samsa::cli
