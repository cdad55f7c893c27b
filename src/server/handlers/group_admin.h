#pragma once

// Looking at groups:
//
//   DescribeGroups (key 15) v0-5: state, protocol type, protocol, and the members with
//                  their metadata and assignment (both only while Stable, as in Kafka); an
//                  unknown group is described as Dead with no error, Kafka's answer.
//   ListGroups     (key 16) v0-5: every group of every shard's loaded partitions, with the
//                  states filter of v4 (case-insensitive, as Kafka) and the types filter of
//                  v5 (every group here is "classic").
//   DeleteGroups   (key 42) v0-2: per group NONE (the group and its offsets are removed with
//                  tombstones), NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_describe_groups_handler();
api_handler make_list_groups_handler();
api_handler make_delete_groups_handler();

}  // namespace samsa::server::handlers
