#pragma once

// The states of a transactional id (Kafka's TransactionState), their names, the byte ids
// __transaction_state stores them as, and which transitions are legal.
//
//   id  name               entered from                       by
//   0   Empty              Empty, CompleteCommit, CompleteAbort  InitProducerId
//   1   Ongoing            Ongoing, Empty, Complete*          AddPartitionsToTxn, AddOffsetsToTxn
//   2   PrepareCommit      Ongoing                            EndTxn(commit)
//   3   PrepareAbort       Ongoing, PrepareEpochFence         EndTxn(abort), fencing, timeout
//   4   CompleteCommit     PrepareCommit                      every commit marker written
//   5   CompleteAbort      PrepareAbort                       every abort marker written
//   6   Dead               Empty, CompleteCommit, CompleteAbort  transactional id expiry
//   7   PrepareEpochFence  Ongoing                            InitProducerId or a timeout
//                                                             fencing an ongoing transaction
//
// Dead and PrepareEpochFence are only ever pending: Dead is written as a tombstone, and a
// fence becomes PrepareAbort before anything is written. The names are what
// DescribeTransactions and ListTransactions show and what ListTransactions filters by.

#include <cstdint>
#include <optional>
#include <string_view>

namespace samsa::coordinator {

enum class transaction_state : int8_t {
    empty = 0,
    ongoing = 1,
    prepare_commit = 2,
    prepare_abort = 3,
    complete_commit = 4,
    complete_abort = 5,
    dead = 6,
    prepare_epoch_fence = 7,
};

// Kafka's name: "Empty", "Ongoing", "PrepareCommit", ...
std::string_view state_name(transaction_state state);
std::optional<transaction_state> transaction_state_from_name(std::string_view name);

// The byte TransactionLogValue.TransactionStatus holds.
inline int8_t state_id(transaction_state state) {
    return static_cast<int8_t>(state);
}
// nullopt for a byte that is no state.
std::optional<transaction_state> transaction_state_from_id(int8_t id);

// Whether `to` may follow `from` (Kafka's validPreviousStates).
bool is_valid_transition(transaction_state from, transaction_state to);

// States in which an idle transactional id may expire (Kafka's isExpirationAllowed).
bool is_expiration_allowed(transaction_state state);

}  // namespace samsa::coordinator
