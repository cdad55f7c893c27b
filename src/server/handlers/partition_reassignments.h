#pragma once

// AlterPartitionReassignments (key 45) and ListPartitionReassignments (key 46), version 0,
// answered as Kafka's controller answers them (ReplicationControlManager
// alterPartitionReassignments / listPartitionReassignments).
//
// Alter, per partition:
//   - unknown topic: UNKNOWN_TOPIC_OR_PARTITION "Unable to find a topic named T."; unknown
//     partition (negative ones included): "Unable to find partition T:P.";
//   - null replicas cancels a reassignment in progress; with none in progress:
//     NO_REASSIGNMENT_IN_PROGRESS "No partition reassignment is in progress.";
//   - the target replicas are checked like any manual assignment, in ascending broker id
//     order: empty is INVALID_REPLICA_ASSIGNMENT "The manual partition assignment includes
//     an empty replica list.", an unregistered broker "... includes broker B, but no such
//     broker is registered.", a repeated one "... includes the broker B more than once.";
//   - a valid target equal to the current replicas completes at once, with nothing ongoing
//     (Kafka does the same: no change record is needed).
// The top-level error is NONE with a null message; timeout_ms bounds the controller's work.
//
// Moving or reordering replicas is the cluster issues' work (it needs partition change
// records and replication). Until then a valid target that differs from the current
// replicas, which on one node cannot exist (only this broker is registered), is refused with
// INVALID_REPLICA_ASSIGNMENT "Samsa cannot reassign replicas yet." (and cancelling one in
// progress, equally impossible here, "Samsa cannot cancel a reassignment yet."). List
// answers what the metadata says is moving (adding or removing replicas): on one node,
// nothing.

#include "protocol/generated/alter_partition_reassignments_request.h"
#include "protocol/generated/alter_partition_reassignments_response.h"
#include "protocol/generated/list_partition_reassignments_request.h"
#include "protocol/generated/list_partition_reassignments_response.h"
#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_alter_partition_reassignments_handler();
api_handler make_list_partition_reassignments_handler();

// The answers for an image (exposed for tests).
protocol::alter_partition_reassignments_response build_alter_partition_reassignments_response(
    const protocol::alter_partition_reassignments_request& request,
    const cluster::metadata_image& image);
protocol::list_partition_reassignments_response build_list_partition_reassignments_response(
    const protocol::list_partition_reassignments_request& request,
    const cluster::metadata_image& image);

}  // namespace samsa::server::handlers
