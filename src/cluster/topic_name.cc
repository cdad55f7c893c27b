#include "cluster/topic_name.h"

namespace samsa::cluster {

bool is_valid_topic_name(std::string_view name) {
    if (name.empty() || name.size() > max_topic_name_length || name == "." || name == "..") {
        return false;
    }
    for (char c : name) {
        bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '_' || c == '-';
        if (!legal) {
            return false;
        }
    }
    return true;
}

bool is_internal_topic(std::string_view name) {
    return name == consumer_offsets_topic || name == transaction_state_topic;
}

}  // namespace samsa::cluster
