// The group's deadlines, all on the driver's clock: member sessions, pending members'
// sessions, the rebalance timeout (or initial delay) of PreparingRebalance, and the wait
// for SyncGroups after a join completes. Kafka keeps one purgatory entry per deadline; the
// group keeps the deadlines and the driver one timer at next_deadline_ms().

#include <algorithm>

#include "coordinator/group.h"

namespace samsa::coordinator {

std::optional<int64_t> group::next_deadline_ms() const {
    if (state_ == group_state::dead) {
        return std::nullopt;
    }
    std::optional<int64_t> earliest;
    auto consider = [&](std::optional<int64_t> deadline_ms) {
        if (deadline_ms && (!earliest || *deadline_ms < *earliest)) {
            earliest = deadline_ms;
        }
    };
    consider(rebalance_deadline_ms_);
    consider(sync_deadline_ms_);
    if (auto pending = members_.earliest_pending()) {
        consider(pending->first);
    }
    if (auto expiring = members_.earliest_expiry()) {
        consider(expiring->first);
    }
    return earliest;
}

void group::expire(int64_t now_ms) {
    // Each event removes a member or ends a phase. The bound only stops a zero timeout
    // from rescheduling itself forever within one call; the rest waits for the next.
    int64_t budget = 2 * (int64_t{members_.size()} + members_.pending_count()) + 8;
    for (; budget > 0; --budget) {
        std::optional<int64_t> due = next_deadline_ms();
        if (!due || *due > now_ms) {
            return;
        }
        if (rebalance_deadline_ms_ == due) {
            on_rebalance_deadline(now_ms);
            continue;
        }
        if (sync_deadline_ms_ == due) {
            on_sync_deadline(now_ms);
            continue;
        }
        if (auto pending = members_.earliest_pending(); pending && pending->first == *due) {
            remove_pending_member_and_update_group(pending->second, now_ms);
            continue;
        }
        if (auto expiring = members_.earliest_expiry(); expiring && expiring->first == *due) {
            on_member_expired(expiring->second, now_ms);
        }
    }
}

// Kafka's DelayedJoin and InitialDelayedJoin expiring. The initial delay starts over while
// new members keep arriving, within the rebalance timeout of the first.
void group::on_rebalance_deadline(int64_t now_ms) {
    rebalance_deadline_ms_.reset();
    if (initial_delay_) {
        if (new_member_added_ && initial_delay_->remaining_ms != 0) {
            new_member_added_ = false;
            int64_t delay_ms =
                std::min<int64_t>(config_.initial_rebalance_delay_ms, initial_delay_->remaining_ms);
            int64_t remaining_ms =
                std::max<int64_t>(initial_delay_->remaining_ms - initial_delay_->delay_ms, 0);
            initial_delay_ = initial_delay{delay_ms, remaining_ms};
            rebalance_deadline_ms_ = now_ms + delay_ms;
            return;
        }
        initial_delay_.reset();
    }
    complete_join(now_ms);
}

// Kafka's DelayedSync expiring: members that got their JoinGroup response but never sent
// SyncGroup within the rebalance timeout are removed, and the group rebalances without them.
void group::on_sync_deadline(int64_t now_ms) {
    sync_deadline_ms_.reset();
    if (state_ != group_state::completing_rebalance && state_ != group_state::stable) {
        return;
    }
    std::vector<std::string> silent;
    for (const group_member* member : members_.in_join_order()) {
        if (member->sync_expected) {
            silent.push_back(member->member_id);
        }
    }
    if (silent.empty()) {
        return;
    }
    for (const std::string& member_id : silent) {
        if (std::optional<group_member> removed = members_.remove(member_id)) {
            answer_removed_member(*removed);
        }
    }
    prepare_rebalance(now_ms);
}

void group::on_member_expired(std::string_view member_id, int64_t now_ms) {
    remove_member_and_update_group(member_id, now_ms);
}

}  // namespace samsa::coordinator
