#pragma once

// DescribeProducers (key 61), version 0: the active idempotent and transactional producers
// of each partition, as Kafka's KafkaApis.handleDescribeProducersRequest answers:
//   - per topic first: an invalid name is INVALID_TOPIC_EXCEPTION with Topic.validate's
//     message, an unknown topic UNKNOWN_TOPIC_OR_PARTITION with Kafka's default message,
//     for each of its partitions;
//   - then per partition (ReplicaManager.activeProducerState, no message): a partition the
//     topic does not have is UNKNOWN_TOPIC_OR_PARTITION, one not led here
//     NOT_LEADER_OR_FOLLOWER;
//   - otherwise the producer state the partition's leader keeps (storage/producer_state.h):
//     each producer id with its epoch, last sequence, last timestamp, the coordinator epoch
//     of its last marker and the first offset of its open transaction (-1 when none), in
//     producer id order.

#include "protocol/generated/describe_producers_response.h"
#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_describe_producers_handler();

// The producers a partition leader knows, on the partition's owner shard.
std::vector<protocol::describe_producers_response::producer_state> active_producers(
    const cluster::partition& partition);

}  // namespace samsa::server::handlers
