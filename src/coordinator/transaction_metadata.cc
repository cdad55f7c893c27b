#include "coordinator/transaction_metadata.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "base/assert.h"

namespace samsa::coordinator {
namespace {

constexpr int16_t max_epoch = std::numeric_limits<int16_t>::max();

producer_epoch next_epoch(producer_epoch epoch) {
    return producer_epoch(static_cast<int16_t>(epoch.value() + 1));
}

bool is_prepare(transaction_state state) {
    return state == transaction_state::prepare_commit || state == transaction_state::prepare_abort;
}

}  // namespace

bool is_epoch_exhausted(producer_epoch epoch) {
    return epoch.value() >= max_epoch - 1;
}

transaction_metadata::transaction_metadata(std::string transactional_id, producer_id id,
                                           int32_t timeout_ms, int64_t now_ms)
    : transactional_id_(std::move(transactional_id)),
      producer_id_(id),
      timeout_ms_(timeout_ms),
      last_update_ms_(now_ms) {}

transaction_metadata::transaction_metadata(std::string transactional_id,
                                           const transaction_transit& durable)
    : transactional_id_(std::move(transactional_id)),
      producer_id_(durable.current_producer_id),
      epoch_(durable.epoch),
      timeout_ms_(durable.timeout_ms),
      state_(durable.state),
      partitions_(durable.partitions),
      start_ms_(durable.start_ms),
      last_update_ms_(durable.last_update_ms) {}

std::optional<transaction_state> transaction_metadata::pending_state() const {
    if (!pending_) {
        return std::nullopt;
    }
    return pending_->state;
}

result<transaction_transit, protocol::error_code>
transaction_metadata::prepare_increment_producer_epoch(int32_t new_timeout_ms,
                                                       std::optional<producer_epoch> expected_epoch,
                                                       int64_t now_ms) {
    producer_epoch next = epoch_;
    producer_epoch last = no_producer_epoch;
    bool bump = true;
    if (expected_epoch) {
        if (epoch_ == no_producer_epoch || *expected_epoch == epoch_) {
            // The producer carries on after an error and nobody else initialized since (or
            // the id is new): bump, and remember the epoch it had for a retry.
            last = epoch_;
        } else if (*expected_epoch == last_epoch_) {
            // A retry of a bump that succeeded: the same epoch again. No other producer can
            // have initialized in between, since that resets the last epoch to -1.
            bump = false;
            last = last_epoch_;
        } else {
            return failure(protocol::error_code::producer_fenced);
        }
    }
    if (bump) {
        SAMSA_ASSERT(!is_epoch_exhausted(epoch_),
                     "%s: no epoch left after %d for producer id %lld (rotate it instead)",
                     transactional_id_.c_str(), epoch_.value(),
                     static_cast<long long>(producer_id_.value()));
        next = next_epoch(epoch_);
    }
    return prepare_transition(transaction_state::empty, producer_id_, next, last, new_timeout_ms,
                              {}, -1, now_ms);
}

transaction_transit transaction_metadata::prepare_producer_id_rotation(producer_id new_id,
                                                                       int32_t new_timeout_ms,
                                                                       int64_t now_ms,
                                                                       bool record_last_epoch) {
    SAMSA_ASSERT(!is_prepare(state_) && state_ != transaction_state::ongoing,
                 "%s: producer id rotation with a transaction in state %s",
                 transactional_id_.c_str(), state_name(state_).data());
    return prepare_transition(transaction_state::empty, new_id, producer_epoch(0),
                              record_last_epoch ? epoch_ : no_producer_epoch, new_timeout_ms, {},
                              -1, now_ms);
}

transaction_transit transaction_metadata::prepare_fence_producer_epoch() {
    // Kafka refuses to fence at Short.MaxValue; no producer of this coordinator can hold
    // that epoch (it is only ever reached by a fence), so fencing keeps it instead.
    bool keep = failed_epoch_fence_ || epoch_.value() == max_epoch;
    producer_epoch fenced = keep ? epoch_ : next_epoch(epoch_);
    return prepare_transition(transaction_state::prepare_epoch_fence, producer_id_, fenced,
                              no_producer_epoch, timeout_ms_, partitions_, start_ms_,
                              last_update_ms_);
}

transaction_transit transaction_metadata::prepare_add_partitions(
    const transaction_partitions& added, int64_t now_ms) {
    bool starts = state_ == transaction_state::empty ||
                  state_ == transaction_state::complete_commit ||
                  state_ == transaction_state::complete_abort;
    transaction_partitions merged = partitions_;
    merged.insert(added.begin(), added.end());
    return prepare_transition(transaction_state::ongoing, producer_id_, epoch_, last_epoch_,
                              timeout_ms_, std::move(merged), starts ? now_ms : start_ms_, now_ms);
}

transaction_transit transaction_metadata::prepare_abort_or_commit(transaction_state next,
                                                                  int64_t now_ms) {
    SAMSA_ASSERT(is_prepare(next), "%s: %s is not PrepareCommit or PrepareAbort",
                 transactional_id_.c_str(), state_name(next).data());
    return prepare_transition(next, producer_id_, epoch_, last_epoch_, timeout_ms_, partitions_,
                              start_ms_, now_ms);
}

transaction_transit transaction_metadata::prepare_complete(int64_t now_ms) {
    SAMSA_ASSERT(is_prepare(state_), "%s: completing from %s", transactional_id_.c_str(),
                 state_name(state_).data());
    transaction_state next = state_ == transaction_state::prepare_commit
                                 ? transaction_state::complete_commit
                                 : transaction_state::complete_abort;
    // The PrepareAbort of a fence is durable, so its epoch is: the next fence bumps again.
    failed_epoch_fence_ = false;
    return prepare_transition(next, producer_id_, epoch_, last_epoch_, timeout_ms_, {}, start_ms_,
                              now_ms);
}

transaction_transit transaction_metadata::prepare_dead() {
    return prepare_transition(transaction_state::dead, producer_id_, epoch_, last_epoch_,
                              timeout_ms_, {}, start_ms_, last_update_ms_);
}

void transaction_metadata::fence_epoch(producer_epoch fenced_epoch) {
    SAMSA_ASSERT(pending_state() == transaction_state::prepare_epoch_fence,
                 "%s: fencing without a pending PrepareEpochFence", transactional_id_.c_str());
    pending_.reset();
    epoch_ = fenced_epoch;
    last_epoch_ = no_producer_epoch;
}

transaction_transit transaction_metadata::prepare_transition(
    transaction_state next, producer_id next_id, producer_epoch next_epoch_value,
    producer_epoch next_last_epoch, int32_t next_timeout_ms, transaction_partitions next_partitions,
    int64_t next_start_ms, int64_t update_ms) {
    SAMSA_ASSERT(!pending_, "%s: preparing %s while %s is pending", transactional_id_.c_str(),
                 state_name(next).data(), state_name(pending_->state).data());
    SAMSA_ASSERT(next_id.value() >= 0, "%s: producer id %lld", transactional_id_.c_str(),
                 static_cast<long long>(next_id.value()));
    // A new transactional id has no epoch until its first InitProducerId is written, and
    // may expire (Dead) before it ever is.
    SAMSA_ASSERT(next == transaction_state::dead || next_epoch_value.value() >= 0,
                 "%s: epoch %d for %s", transactional_id_.c_str(), next_epoch_value.value(),
                 state_name(next).data());
    SAMSA_ASSERT(is_valid_transition(state_, next), "%s: %s cannot follow %s",
                 transactional_id_.c_str(), state_name(next).data(), state_name(state_).data());
    pending_ = transaction_transit{.current_producer_id = next_id,
                                   .last_producer_id = producer_id_,
                                   .epoch = next_epoch_value,
                                   .last_epoch = next_last_epoch,
                                   .timeout_ms = next_timeout_ms,
                                   .state = next,
                                   .partitions = std::move(next_partitions),
                                   .start_ms = next_start_ms,
                                   .last_update_ms = update_ms};
    return *pending_;
}

bool transaction_metadata::is_same_producer(const transaction_transit& transit) const {
    return transit.epoch == epoch_ && transit.current_producer_id == producer_id_;
}

bool transaction_metadata::is_valid_epoch_bump(const transaction_transit& transit) const {
    return transit.epoch.value() == epoch_.value() + 1 ||
           (transit.epoch == producer_epoch(0) && transit.current_producer_id != producer_id_);
}

void transaction_metadata::complete_transition(const transaction_transit& transit) {
    SAMSA_ASSERT(pending_ && *pending_ == transit, "%s: completing %s, which is not pending",
                 transactional_id_.c_str(), state_name(transit.state).data());
    bool legal = false;
    switch (transit.state) {
        case transaction_state::empty:
            legal = (transit.epoch == epoch_ || is_valid_epoch_bump(transit)) &&
                    transit.partitions.empty() && transit.start_ms == -1;
            if (legal) {
                timeout_ms_ = transit.timeout_ms;
                epoch_ = transit.epoch;
                last_epoch_ = transit.last_epoch;
                producer_id_ = transit.current_producer_id;
                last_producer_id_ = transit.last_producer_id;
            }
            break;
        case transaction_state::ongoing:
            legal = is_same_producer(transit) && transit.timeout_ms == timeout_ms_ &&
                    std::includes(transit.partitions.begin(), transit.partitions.end(),
                                  partitions_.begin(), partitions_.end());
            if (legal) {
                start_ms_ = transit.start_ms;
                partitions_ = transit.partitions;
            }
            break;
        case transaction_state::prepare_commit:
        case transaction_state::prepare_abort:
            legal = is_same_producer(transit) && transit.partitions == partitions_ &&
                    transit.timeout_ms == timeout_ms_ && transit.start_ms == start_ms_;
            break;
        case transaction_state::complete_commit:
        case transaction_state::complete_abort:
            legal = is_same_producer(transit) && transit.timeout_ms == timeout_ms_ &&
                    transit.start_ms != -1;
            if (legal) {
                start_ms_ = transit.start_ms;
                partitions_.clear();
            }
            break;
        case transaction_state::prepare_epoch_fence:
        case transaction_state::dead:
            // A fence becomes PrepareAbort before anything is written; a Dead id is erased
            // once its tombstone is durable. Neither is ever completed.
            break;
    }
    SAMSA_ASSERT(legal, "%s: illegal completion of %s from %s", transactional_id_.c_str(),
                 state_name(transit.state).data(), state_name(state_).data());
    last_update_ms_ = transit.last_update_ms;
    state_ = transit.state;
    pending_.reset();
}

}  // namespace samsa::coordinator
