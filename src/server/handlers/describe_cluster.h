#pragma once

// DescribeCluster (key 60), versions 0-1: the cluster id, the controller and the brokers
// reachable on the listener the request came in on (fenced brokers left out), as Kafka's
// AuthHelper.computeDescribeClusterResponse answers on a broker:
//   - endpoint_type (v1) must be 1 (brokers): 2 (controllers) is MISMATCHED_ENDPOINT_TYPE
//     ("The request was sent to an endpoint of type BROKER, but we wanted an endpoint of
//     type CONTROLLER"), anything else UNSUPPORTED_ENDPOINT_TYPE; v0 answers both with
//     INVALID_REQUEST. An error answer carries no cluster id or brokers;
//   - a controller id that is not among the brokers listed is answered as -1;
//   - cluster_authorized_operations is Int.MIN unless asked for; with no authorizer every
//     operation on the cluster resource is allowed.

#include "protocol/generated/describe_cluster_request.h"
#include "protocol/generated/describe_cluster_response.h"
#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_describe_cluster_handler();

// The answer for an image and the request's listener (exposed for tests).
protocol::describe_cluster_response build_describe_cluster_response(
    const protocol::describe_cluster_request& request, int16_t version,
    const cluster::metadata_image& image, std::string_view listener_name);

}  // namespace samsa::server::handlers
