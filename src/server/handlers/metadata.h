#pragma once

// Metadata (key 3), every version: the brokers reachable on the listener the request
// came in on, the cluster id (v2+), the controller (v1+), and the requested topics with
// their partitions' leaders, epochs, replicas, ISR and offline replicas.
//
// Kafka's rules kept here:
//   - which topics: v0 an empty list means all; v1+ null means all and empty means none;
//     duplicates are answered once; from v10 a topic may be named by id, but only v12+
//     accepts ids (v10-11 requests with an id or without a name are INVALID_REQUEST);
//   - an unknown topic is auto-created when auto.create.topics.enable and (v4+) the
//     request's allow_auto_topic_creation both say so, and the name is valid and not
//     internal; otherwise UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id, and
//     INVALID_TOPIC_EXCEPTION for an invalid name when creation was asked for);
//   - a broker without an endpoint on the request's listener is left out, and a
//     partition led by one is LISTENER_NOT_FOUND; no leader is LEADER_NOT_AVAILABLE;
//   - authorized operations (v8+) are Int.MIN unless asked for; with no authorizer
//     configured every operation of the resource type is allowed.

#include <string_view>
#include <unordered_map>

#include "cluster/metadata_image.h"
#include "protocol/generated/metadata_request.h"
#include "protocol/generated/metadata_response.h"
#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_metadata_handler();

// The unknown, nameable topics a request asks for, for which auto creation applies.
std::vector<std::string> topics_to_auto_create(const protocol::metadata_request& request,
                                               int16_t version,
                                               const cluster::metadata_image& image,
                                               bool auto_create_topics_enable);

// The answer for an image; auto_created holds the error to report for each topic whose
// creation was requested (see topics_to_auto_create).
protocol::metadata_response build_metadata_response(
    const protocol::metadata_request& request, int16_t version,
    const cluster::metadata_image& image, std::string_view listener_name,
    const std::unordered_map<std::string, protocol::error_code>& auto_created);

}  // namespace samsa::server::handlers
