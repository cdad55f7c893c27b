#pragma once

// The requests of a transactional producer to its transaction coordinator, routed to the
// shard owning the transactional id's __transaction_state partition (transaction_access.h);
// the coordinator's rules are transaction_manager.h's (Kafka's TransactionCoordinator).
//
//   AddPartitionsToTxn (key 24), versions 0-3: partitions join the transaction. A partition
//     unknown to the metadata is UNKNOWN_TOPIC_OR_PARTITION and every other partition of the
//     request OPERATION_NOT_ATTEMPTED, without asking the coordinator (Kafka's
//     KafkaApis.handleAddPartitionsToTxnRequest). Version 4 (batched, between brokers for
//     KIP-890 verification) is not served.
//   AddOffsetsToTxn (key 25), versions 0-3: the group's __consumer_offsets partition joins
//     the transaction, so TxnOffsetCommit may write to it.
//   EndTxn (key 26), versions 0-3: commit or abort; answered once the decision is durable,
//     the markers are written afterwards.
//
// PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH to versions before KIP-588's.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_add_partitions_to_txn_handler();
api_handler make_add_offsets_to_txn_handler();
api_handler make_end_txn_handler();

}  // namespace samsa::server::handlers
