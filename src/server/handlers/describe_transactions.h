#pragma once

// DescribeTransactions (key 65, version 0) and ListTransactions (key 66, versions 0-1), the
// admin view of the transaction coordinators (kafka-transactions.sh describe / list).
//   - DescribeTransactions answers each transactional id from its coordinator:
//     TRANSACTIONAL_ID_NOT_FOUND for an unknown id, NOT_COORDINATOR /
//     COORDINATOR_NOT_AVAILABLE when this node does not coordinate it.
//   - ListTransactions gathers every shard's loaded transactions, filtered by state names
//     (unknown names are reported back), producer ids and (v1) minimum duration.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_describe_transactions_handler();
api_handler make_list_transactions_handler();

}  // namespace samsa::server::handlers
