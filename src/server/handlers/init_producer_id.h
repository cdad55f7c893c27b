#pragma once

// InitProducerId (key 22), versions 0-4: a producer id and epoch for an idempotent or
// transactional producer (Kafka's TransactionCoordinator.handleInitProducerId).
//   - Without a transactional id (idempotence only), every request gets a new producer id at
//     epoch 0, whatever producer id and epoch (v3+) it names: Kafka's rule, so a producer
//     that lost its state (KIP-360) starts afresh.
//   - With one, the transaction coordinator of the id answers (transaction_routing.h): a
//     new id, or the id's producer with its epoch bumped, fencing older producers.
//   - An empty transactional id, or a producer id without an epoch (or the reverse), is
//     INVALID_REQUEST.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_init_producer_id_handler();

}  // namespace samsa::server::handlers
