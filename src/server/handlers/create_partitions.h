#pragma once

// CreatePartitions (key 37), versions 0-3: asks the controller (through shard_services'
// topic_admin) to raise each topic's partition count to the request's count (the new
// total, not the increase), or only to validate that it could (validate_only).
//
// Checked here, before the controller sees the request (its own checks: unknown topic,
// a count that is not an increase, too many partitions):
//   - a name given more than once is answered once, INVALID_REQUEST "Duplicate topic
//     name." (Kafka's ControllerApis);
//   - manual assignments (non-null) are not supported yet: INVALID_REPLICA_ASSIGNMENT;
//   - internal topics (__consumer_offsets, __transaction_state) are refused with
//     INVALID_REQUEST. Samsa's rule, not Kafka's broker's (only Kafka's command-line tool
//     refuses): coordinators map a group or transactional id to a partition by the
//     partition count, so changing it would lose track of every group and transaction;
//   - no topic_admin (tests): UNKNOWN_SERVER_ERROR.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_create_partitions_handler();

}  // namespace samsa::server::handlers
