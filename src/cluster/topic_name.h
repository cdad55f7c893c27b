#pragma once

// Kafka's rules for topic names (org.apache.kafka.common.internals.Topic): 1 to 249
// characters of [a-zA-Z0-9._-], and neither "." nor "..". The limit of 249 leaves room
// for the partition suffix and ".deleted" in a directory name of at most 255 bytes.

#include <string_view>

namespace samsa::cluster {

inline constexpr std::size_t max_topic_name_length = 249;

bool is_valid_topic_name(std::string_view name);

// Kafka's internal topics, which clients cannot auto-create or write to directly.
inline constexpr std::string_view consumer_offsets_topic = "__consumer_offsets";
inline constexpr std::string_view transaction_state_topic = "__transaction_state";
bool is_internal_topic(std::string_view name);

}  // namespace samsa::cluster
