// The group's APIs other than JoinGroup, and the rebalance they share. JoinGroup is in
// group_join.cc, deadlines in group_timers.cc, persisted metadata in group_persistence.cc.

#include "coordinator/group.h"

#include <algorithm>
#include <map>
#include <utility>

#include "base/assert.h"

namespace samsa::coordinator {

using protocol::error_code;

std::string_view group_state_name(group_state state) {
    switch (state) {
        case group_state::empty:
            return "Empty";
        case group_state::preparing_rebalance:
            return "PreparingRebalance";
        case group_state::completing_rebalance:
            return "CompletingRebalance";
        case group_state::stable:
            return "Stable";
        case group_state::dead:
            return "Dead";
    }
    return "Unknown";
}

group::group(std::string group_id, group_config config, member_id_suffix_source member_ids,
             int64_t now_ms)
    : group_id_(std::move(group_id)),
      config_(config),
      member_ids_(std::move(member_ids)),
      state_timestamp_ms_(now_ms) {
    SAMSA_ASSERT(member_ids_ != nullptr, "group %s needs a member id source", group_id_.c_str());
}

std::optional<sync_response> group::sync(request_token token, sync_request request,
                                         int64_t now_ms) {
    if (state_ == group_state::dead) {
        return sync_response::failed(error_code::coordinator_not_available);
    }
    error_code error = validate_current_member(request.member_id, request.group_instance_id);
    if (error != error_code::none) {
        return sync_response::failed(error);
    }
    if (request.generation_id != generation_id_) {
        return sync_response::failed(error_code::illegal_generation);
    }
    if ((request.protocol_type && request.protocol_type != protocol_type_) ||
        (request.protocol_name && request.protocol_name != protocol_name_)) {
        return sync_response::failed(error_code::inconsistent_group_protocol);
    }
    switch (state_) {
        case group_state::empty:
            return sync_response::failed(error_code::unknown_member_id);
        case group_state::preparing_rebalance:
            return sync_response::failed(error_code::rebalance_in_progress);
        case group_state::completing_rebalance:
            return sync_in_completing_rebalance(token, request);
        case group_state::stable: {
            group_member* member = members_.find(request.member_id);
            member->sync_expected = false;
            member->reset_session(now_ms);
            sync_response response;
            response.protocol_type = protocol_type_;
            response.protocol_name = protocol_name_;
            response.assignment = member->assignment;
            return response;
        }
        case group_state::dead:
            break;
    }
    return sync_response::failed(error_code::coordinator_not_available);
}

// The leader's SyncGroup carries the assignment; it is answered, with everyone else's,
// once the group metadata holding it is persisted.
std::optional<sync_response> group::sync_in_completing_rebalance(request_token token,
                                                                 const sync_request& request) {
    group_member* member = members_.find(request.member_id);
    if (member->sync_token) {
        complete_sync_token(*member->sync_token,
                            sync_response::failed(error_code::rebalance_in_progress));
    }
    member->sync_token = token;
    member->sync_expected = false;
    if (!members_.is_leader(member->member_id)) {
        return std::nullopt;
    }
    // A repeated SyncGroup from the leader does not write again: the first assignment of
    // the generation is the one being persisted.
    bool already_persisting = std::any_of(persists_.begin(), persists_.end(), [&](const auto& p) {
        return p.purpose == persist_purpose::assignment && p.generation_id == generation_id_;
    });
    if (already_persisting) {
        return std::nullopt;
    }
    // The last entry per member wins; members the leader left out get an empty assignment
    // and entries for non-members are ignored, as in Kafka.
    std::map<std::string_view, const shared_bytes*> given;
    for (const member_assignment& entry : request.assignments) {
        given[entry.member_id] = &entry.assignment;
    }
    std::vector<member_assignment> assignments;
    for (const group_member* each : members_.in_join_order()) {
        auto found = given.find(each->member_id);
        assignments.push_back(
            {each->member_id, found == given.end() ? shared_bytes() : *found->second});
    }
    request_persist(persist_purpose::assignment, std::move(assignments), std::nullopt);
    return std::nullopt;
}

error_code group::heartbeat(const heartbeat_request& request, int64_t now_ms) {
    if (state_ == group_state::dead) {
        return error_code::coordinator_not_available;
    }
    error_code error = validate_current_member(request.member_id, request.group_instance_id);
    if (error != error_code::none) {
        return error;
    }
    if (request.generation_id != generation_id_) {
        return error_code::illegal_generation;
    }
    if (state_ == group_state::empty) {
        return error_code::unknown_member_id;
    }
    members_.find(request.member_id)->reset_session(now_ms);
    // The heartbeat response is how members learn that they must rejoin.
    return state_ == group_state::preparing_rebalance ? error_code::rebalance_in_progress
                                                      : error_code::none;
}

leave_response group::leave(const leave_request& request, int64_t now_ms) {
    leave_response response;
    if (state_ == group_state::dead) {
        response.error = error_code::coordinator_not_available;
        return response;
    }
    for (const leaving_member& leaving : request.members) {
        error_code error = error_code::none;
        if (leaving.member_id.empty()) {
            // An administrator removes a static member by its instance id alone.
            const std::string* member_id =
                leaving.group_instance_id ? members_.static_member_id(*leaving.group_instance_id)
                                          : nullptr;
            if (member_id) {
                remove_member_and_update_group(std::string(*member_id), now_ms);
            } else {
                error = error_code::unknown_member_id;
            }
        } else if (members_.is_pending(leaving.member_id)) {
            remove_pending_member_and_update_group(leaving.member_id, now_ms);
        } else {
            error = validate_current_member(leaving.member_id, leaving.group_instance_id);
            if (error == error_code::none) {
                remove_member_and_update_group(leaving.member_id, now_ms);
            }
        }
        response.members.push_back({leaving.member_id, leaving.group_instance_id, error});
    }
    return response;
}

error_code group::validate_offset_commit(const commit_identity& committer, commit_kind kind,
                                         int64_t now_ms) {
    if (state_ == group_state::dead) {
        return error_code::coordinator_not_available;
    }
    bool identified = committer.generation_id >= 0 || !committer.member_id.empty() ||
                      committer.group_instance_id.has_value();
    if (committer.generation_id < 0 && state_ == group_state::empty) {
        // An admin client or a consumer managing its own partitions (a "simple" group).
    } else if (identified) {
        error_code error =
            validate_current_member(committer.member_id, committer.group_instance_id);
        if (error != error_code::none) {
            return error;
        }
        if (committer.generation_id != generation_id_) {
            return error_code::illegal_generation;
        }
    } else if (kind == commit_kind::plain) {
        // Once the group has members, only they commit. Old TxnOffsetCommit versions carry
        // no member fields, so transactional commits are let through.
        return error_code::unknown_member_id;
    }
    if (kind == commit_kind::transactional) {
        return error_code::none;
    }
    switch (state_) {
        case group_state::completing_rebalance:
            // The member has its new generation from JoinGroup but not its assignment yet.
            return error_code::rebalance_in_progress;
        case group_state::stable:
        case group_state::preparing_rebalance:
            // A commit during PreparingRebalance is allowed; the heartbeat response tells
            // the member to rejoin.
            if (group_member* member = members_.find(committer.member_id)) {
                member->reset_session(now_ms);
            }
            return error_code::none;
        case group_state::empty:
        case group_state::dead:
            break;
    }
    return error_code::none;
}

void group::unload(int64_t now_ms) {
    if (state_ == group_state::dead) {
        return;
    }
    for (group_member* member : members_.in_join_order()) {
        if (std::optional<request_token> token = members_.take_join_token(*member)) {
            complete_join_token(
                *token, join_response::failed(member->member_id, error_code::not_coordinator));
        }
        if (member->sync_token) {
            complete_sync_token(*member->sync_token,
                                sync_response::failed(error_code::not_coordinator));
            member->sync_token.reset();
        }
    }
    persists_.clear();
    rebalance_deadline_ms_.reset();
    initial_delay_.reset();
    sync_deadline_ms_.reset();
    transition_to(group_state::dead, now_ms);
}

error_code group::delete_group(int64_t now_ms) {
    switch (state_) {
        case group_state::dead:
            return error_code::group_id_not_found;
        case group_state::empty:
            persists_.clear();
            transition_to(group_state::dead, now_ms);
            return error_code::none;
        default:
            return error_code::non_empty_group;
    }
}

group_effects group::take_effects() {
    return std::exchange(effects_, group_effects{});
}

group_description group::describe() const {
    group_description description;
    description.state = group_state_name(state_);
    description.protocol_type = protocol_type_.value_or("");
    bool stable = state_ == group_state::stable && protocol_name_.has_value();
    if (stable) {
        description.protocol = *protocol_name_;
    }
    for (const group_member* member : members_.in_join_order()) {
        described_member described{member->member_id,
                                   member->group_instance_id,
                                   member->client_id,
                                   member->client_host,
                                   {},
                                   {}};
        if (stable) {
            if (const shared_bytes* metadata = member->metadata_for(*protocol_name_)) {
                described.metadata = *metadata;
            }
            described.assignment = member->assignment;
        }
        description.members.push_back(std::move(described));
    }
    return description;
}

// Kafka's validateCurrentMember: an instance id must map to this member id; without one the
// member id must be a member.
error_code group::validate_current_member(
    std::string_view member_id, const std::optional<std::string>& group_instance_id) const {
    if (group_instance_id) {
        const std::string* current = members_.static_member_id(*group_instance_id);
        if (current == nullptr) {
            return error_code::unknown_member_id;
        }
        return *current == member_id ? error_code::none : error_code::fenced_instance_id;
    }
    return members_.contains(member_id) ? error_code::none : error_code::unknown_member_id;
}

void group::transition_to(group_state next, int64_t now_ms) {
    bool valid = false;
    switch (next) {
        case group_state::preparing_rebalance:
            valid = state_ == group_state::stable || state_ == group_state::completing_rebalance ||
                    state_ == group_state::empty;
            break;
        case group_state::completing_rebalance:
        case group_state::empty:
            valid = state_ == group_state::preparing_rebalance;
            break;
        case group_state::stable:
            valid = state_ == group_state::completing_rebalance;
            break;
        case group_state::dead:
            valid = true;
            break;
    }
    SAMSA_ASSERT(valid, "group %s cannot go from %s to %s", group_id_.c_str(),
                 group_state_name(state_).data(), group_state_name(next).data());
    state_ = next;
    state_timestamp_ms_ = now_ms;
}

void group::maybe_prepare_rebalance(int64_t now_ms) {
    if (state_ == group_state::stable || state_ == group_state::completing_rebalance ||
        state_ == group_state::empty) {
        prepare_rebalance(now_ms);
    }
}

void group::prepare_rebalance(int64_t now_ms) {
    if (state_ == group_state::completing_rebalance) {
        // Members waiting for an assignment of the old generation rejoin instead.
        for (group_member* member : members_.in_join_order()) {
            member->assignment = shared_bytes();
        }
        propagate_assignment(error_code::rebalance_in_progress, now_ms);
    }
    sync_deadline_ms_.reset();
    for (group_member* member : members_.in_join_order()) {
        member->sync_expected = false;
    }
    int64_t rebalance_timeout_ms = members_.max_rebalance_timeout_ms();
    if (state_ == group_state::empty) {
        int64_t delay_ms = config_.initial_rebalance_delay_ms;
        initial_delay_ =
            initial_delay{delay_ms, std::max<int64_t>(rebalance_timeout_ms - delay_ms, 0)};
        rebalance_deadline_ms_ = now_ms + delay_ms;
    } else {
        initial_delay_.reset();
        rebalance_deadline_ms_ = now_ms + rebalance_timeout_ms;
    }
    transition_to(group_state::preparing_rebalance, now_ms);
    maybe_complete_join(now_ms);
}

// Kafka's DelayedJoin.tryComplete: the rebalance ends early once every member rejoined;
// the initial delay always runs its course.
void group::maybe_complete_join(int64_t now_ms) {
    if (state_ == group_state::preparing_rebalance && !initial_delay_ && members_.all_joined()) {
        complete_join(now_ms);
    }
}

// Kafka's onCompleteJoin.
void group::complete_join(int64_t now_ms) {
    rebalance_deadline_ms_.reset();
    initial_delay_.reset();
    new_member_added_ = false;
    // Dynamic members that did not rejoin are gone; static ones keep their place.
    for (group_member* member : members_.in_join_order()) {
        if (!member->awaiting_join() && !member->is_static()) {
            std::optional<group_member> removed = members_.remove(std::string(member->member_id));
            answer_removed_member(*removed);
        }
    }
    if (!members_.elect_joined_leader() && !members_.empty()) {
        // Nobody rejoined: wait another rebalance timeout, or until the sessions of the
        // static members run out.
        rebalance_deadline_ms_ = now_ms + members_.max_rebalance_timeout_ms();
        return;
    }
    start_next_generation(now_ms);
    if (state_ == group_state::empty) {
        // Kafka only logs a failure to write this: no member depends on it.
        request_persist(persist_purpose::empty_group, {}, std::nullopt);
        return;
    }
    for (group_member* member : members_.in_join_order()) {
        if (std::optional<request_token> token = members_.take_join_token(*member)) {
            complete_join_token(*token, current_generation_response(
                                            *member, members_.is_leader(member->member_id)));
        }
        member->reset_session(now_ms);
        member->is_new = false;
        member->sync_expected = true;
    }
    sync_deadline_ms_ = now_ms + members_.max_rebalance_timeout_ms();
}

// Kafka's initNextGeneration.
void group::start_next_generation(int64_t now_ms) {
    ++generation_id_;
    sync_deadline_ms_.reset();
    if (members_.empty()) {
        protocol_name_.reset();
        transition_to(group_state::empty, now_ms);
    } else {
        protocol_name_ = members_.select_protocol();
        transition_to(group_state::completing_rebalance, now_ms);
    }
}

// Answers every waiting SyncGroup: with its assignment, or with error. Their sessions
// restart, since no heartbeat was expected while they waited.
void group::propagate_assignment(error_code error, int64_t now_ms) {
    for (group_member* member : members_.in_join_order()) {
        if (!member->sync_token) {
            continue;
        }
        sync_response response;
        response.error = error;
        if (error == error_code::none) {
            response.protocol_type = protocol_type_;
            response.protocol_name = protocol_name_;
            response.assignment = member->assignment;
        }
        complete_sync_token(*member->sync_token, std::move(response));
        member->sync_token.reset();
        member->reset_session(now_ms);
    }
}

// Kafka's removeMemberAndUpdateGroup (LeaveGroup, session expiry).
void group::remove_member_and_update_group(std::string_view member_id, int64_t now_ms) {
    std::optional<group_member> removed = members_.remove(member_id);
    if (!removed) {
        return;
    }
    answer_removed_member(*removed);
    switch (state_) {
        case group_state::stable:
        case group_state::completing_rebalance:
            maybe_prepare_rebalance(now_ms);
            break;
        case group_state::preparing_rebalance:
            maybe_complete_join(now_ms);
            break;
        case group_state::empty:
        case group_state::dead:
            break;
    }
}

void group::remove_pending_member_and_update_group(std::string_view member_id, int64_t now_ms) {
    members_.remove_pending(member_id);
    maybe_complete_join(now_ms);
}

// A removed member's requests get UNKNOWN_MEMBER_ID, so a client that is still alive
// joins again from scratch.
void group::answer_removed_member(group_member& removed) {
    if (removed.join_token) {
        complete_join_token(*removed.join_token,
                            join_response::failed(std::string(), error_code::unknown_member_id));
        removed.join_token.reset();
    }
    if (removed.sync_token) {
        complete_sync_token(*removed.sync_token,
                            sync_response::failed(error_code::unknown_member_id));
        removed.sync_token.reset();
    }
}

void group::complete_join_token(request_token token, join_response response) {
    effects_.joins.push_back({token, std::move(response)});
}

void group::complete_sync_token(request_token token, sync_response response) {
    effects_.syncs.push_back({token, std::move(response)});
}

}  // namespace samsa::coordinator
