#include "cli/offset_reset.h"

#include <algorithm>
#include <charconv>

namespace samsa::cli {

client::client_result<topic_selection> parse_topic_selection(const std::string& text) {
    topic_selection out;
    auto colon = text.find(':');
    out.topic = text.substr(0, colon);
    if (out.topic.empty()) {
        return failure{client::invalid("--topic needs a topic name, e.g. orders or orders:0,1")};
    }
    if (colon == std::string::npos) {
        return out;
    }
    std::string list = text.substr(colon + 1);
    std::size_t start = 0;
    while (start <= list.size()) {
        auto comma = list.find(',', start);
        if (comma == std::string::npos) {
            comma = list.size();
        }
        std::string item = list.substr(start, comma - start);
        int32_t partition = -1;
        auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), partition);
        if (item.empty() || error != std::errc{} || end != item.data() + item.size() ||
            partition < 0) {
            return failure{client::invalid("--topic " + text + ": \"" + item +
                                           "\" is not a partition number")};
        }
        out.partitions.push_back(partition);
        start = comma + 1;
    }
    std::sort(out.partitions.begin(), out.partitions.end());
    out.partitions.erase(std::unique(out.partitions.begin(), out.partitions.end()),
                         out.partitions.end());
    return out;
}

client::client_result<int64_t> new_offset(const reset_plan& plan, const partition_state& state) {
    auto clamp = [&state](int64_t offset) {
        return std::clamp(offset, state.earliest, std::max(state.earliest, state.latest));
    };
    switch (plan.kind) {
        case reset_kind::earliest:
            return state.earliest;
        case reset_kind::latest:
            return state.latest;
        case reset_kind::to_offset:
            return clamp(plan.value);
        case reset_kind::to_timestamp:
            return state.offset_for_time && *state.offset_for_time >= 0
                       ? clamp(*state.offset_for_time)
                       : state.latest;
        case reset_kind::shift_by:
            if (!state.committed) {
                return failure{client::refused("cannot shift the offset of " + state.topic + ":" +
                                               std::to_string(state.partition) +
                                               ": the group has no committed offset there")};
            }
            return clamp(*state.committed + plan.value);
    }
    return state.earliest;
}

}  // namespace samsa::cli
