#pragma once

// ElectLeaders (key 43), versions 0-2: asks for a leader election per partition, answered as
// Kafka's controller answers (ReplicationControlManager.electLeaders):
//   - election_type (v1+) 0 is PREFERRED, 1 UNCLEAN; any other value fails the whole request:
//     top-level INVALID_REQUEST and every partition named INVALID_REQUEST "Unknown election
//     type N" (ElectLeadersRequest.getErrorResponse);
//   - an unknown topic is UNKNOWN_TOPIC_OR_PARTITION "No such topic as T", an unknown
//     partition "No such partition as T-P";
//   - PREFERRED when the first replica already leads, UNCLEAN when any replica leads:
//     ELECTION_NOT_NEEDED. On one node that is every partition;
//   - an election that is needed but cannot happen: PREFERRED_LEADER_NOT_AVAILABLE /
//     ELIGIBLE_LEADERS_NOT_AVAILABLE. Samsa's controller elects no leaders yet (that comes
//     with replication), so these are the answers until then;
//   - null topic_partitions means every partition, and then partitions whose election is
//     not needed are left out: every topic is listed, with no partition results.
// The top-level error_code (v1+) is NONE otherwise; timeout_ms bounds a wait for elections
// to be committed, and none is waited for here.

#include "protocol/generated/elect_leaders_request.h"
#include "protocol/generated/elect_leaders_response.h"
#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_elect_leaders_handler();

// The answer for an image (exposed for tests).
protocol::elect_leaders_response build_elect_leaders_response(
    const protocol::elect_leaders_request& request, const cluster::metadata_image& image);

}  // namespace samsa::server::handlers
