#pragma once

// The classic group membership APIs, answered by the group's coordinator
// (coordinator/group_coordinator.h on the shard that owns the group's partition of
// __consumer_offsets; group_access.h):
//
//   JoinGroup   (key 11) v0-9: v0 has no rebalance timeout (the session timeout stands in,
//               as in Kafka); from v4 a new dynamic member first gets MEMBER_ID_REQUIRED
//               with its id; v9 SkipAssignment for static leaders.
//   SyncGroup   (key 14) v0-5
//   Heartbeat   (key 12) v0-4
//   LeaveGroup  (key 13) v0-5: v0-2 name one member, v3+ a batch with per-member errors.
//
// A request for a group this node does not coordinate is NOT_COORDINATOR, before
// __consumer_offsets exists COORDINATOR_NOT_AVAILABLE; an empty group id is
// INVALID_GROUP_ID (Kafka's answers; clients look for the coordinator again and retry).

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_join_group_handler();
api_handler make_sync_group_handler();
api_handler make_heartbeat_handler();
api_handler make_leave_group_handler();

}  // namespace samsa::server::handlers
