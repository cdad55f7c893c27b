#pragma once

// The answer of OffsetCommit and TxnOffsetCommit: every partition of the request, in request
// order, with the error it got (NONE when none is recorded).

#include <map>

#include "coordinator/offset_and_metadata.h"
#include "protocol/error_code.h"

namespace samsa::server::handlers {

using partition_errors = std::map<coordinator::topic_partition, protocol::error_code>;

template <typename Response, typename RequestTopics>
Response answer_commit(const RequestTopics& topics, const partition_errors& errors) {
    Response response;
    for (const auto& topic : topics) {
        auto& answer = response.topics.emplace_back();
        answer.name = topic.name;
        for (const auto& partition : topic.partitions) {
            auto found = errors.find({topic.name, partition.partition_index});
            answer.partitions.push_back(
                {.partition_index = partition.partition_index,
                 .error_code = found == errors.end() ? protocol::error_code::none : found->second});
        }
    }
    return response;
}

}  // namespace samsa::server::handlers
