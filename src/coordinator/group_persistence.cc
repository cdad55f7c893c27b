// The group as persisted in __consumer_offsets (GroupMetadataValue): loading it, producing
// it, and what happens when a write the group asked for completes.

#include <algorithm>

#include "base/assert.h"
#include "coordinator/group.h"

namespace samsa::coordinator {

using protocol::error_code;

namespace {

// Kafka's GroupMetadataManager.storeGroup turns append errors into errors a member acts on.
error_code member_facing_store_error(error_code error) {
    switch (error) {
        case error_code::unknown_topic_or_partition:
        case error_code::not_enough_replicas:
        case error_code::not_enough_replicas_after_append:
            return error_code::coordinator_not_available;
        case error_code::not_leader_or_follower:
        case error_code::kafka_storage_error:
            return error_code::not_coordinator;
        case error_code::request_timed_out:
            return error_code::rebalance_in_progress;
        case error_code::message_too_large:
        case error_code::record_list_too_large:
        case error_code::invalid_fetch_size:
            return error_code::unknown_server_error;
        default:
            return error;
    }
}

}  // namespace

result<group, group_load_error> group::load(std::string group_id,
                                            const protocol::group_metadata_value& value,
                                            group_config config, member_id_suffix_source member_ids,
                                            int64_t now_ms) {
    if (!value.members.empty() && value.protocol_type.empty()) {
        return failure{group_load_error::missing_protocol_type};
    }
    if (!value.members.empty() && (!value.protocol || value.protocol->empty())) {
        return failure{group_load_error::missing_protocol};
    }
    group loaded(std::move(group_id), config, std::move(member_ids), now_ms);
    loaded.generation_id_ = value.generation;
    if (!value.protocol_type.empty()) {
        loaded.protocol_type_ = value.protocol_type;
    }
    if (value.current_state_timestamp >= 0) {
        loaded.state_timestamp_ms_ = value.current_state_timestamp;
    }
    for (const auto& persisted : value.members) {
        if (persisted.member_id.empty()) {
            return failure{group_load_error::empty_member_id};
        }
        if (loaded.members_.contains(persisted.member_id)) {
            return failure{group_load_error::duplicate_member_id};
        }
        if (persisted.group_instance_id &&
            loaded.members_.static_member_id(*persisted.group_instance_id)) {
            return failure{group_load_error::duplicate_group_instance_id};
        }
        group_member member;
        member.member_id = persisted.member_id;
        member.group_instance_id = persisted.group_instance_id;
        member.client_id = persisted.client_id;
        member.client_host = persisted.client_host;
        member.session_timeout_ms = persisted.session_timeout;
        // Version 0 has no rebalance timeout (-1): it was the session timeout then.
        member.rebalance_timeout_ms = persisted.rebalance_timeout < 0 ? persisted.session_timeout
                                                                      : persisted.rebalance_timeout;
        member.protocols = {{*value.protocol, persisted.subscription}};
        member.assignment = persisted.assignment;
        member.reset_session(now_ms);
        loaded.members_.add(std::move(member));
    }
    if (!loaded.members_.empty()) {
        loaded.protocol_name_ = value.protocol;
        if (value.leader && loaded.members_.contains(*value.leader)) {
            loaded.members_.set_leader(*value.leader);
        }
        loaded.state_ = group_state::stable;
    }
    // Kafka's onGroupLoaded: give the members of an oversized group a chance to commit
    // before rebalancing the extra ones out.
    if (loaded.members_.size() > config.max_size) {
        loaded.prepare_rebalance(now_ms);
    }
    return loaded;
}

protocol::group_metadata_value group::to_metadata_value() const {
    return metadata_value_with(nullptr);
}

// The group's metadata with assignments in place of the members' own, when given (the
// leader's assignment is persisted before it takes effect).
protocol::group_metadata_value group::metadata_value_with(
    const std::vector<member_assignment>* assignments) const {
    protocol::group_metadata_value value;
    value.protocol_type = protocol_type_.value_or("");
    value.generation = generation_id_;
    value.protocol = protocol_name_;
    value.leader = members_.leader_id().empty() ? std::nullopt
                                                : std::optional<std::string>(members_.leader_id());
    value.current_state_timestamp = state_timestamp_ms_;
    for (const group_member* member : members_.in_join_order()) {
        protocol::group_metadata_value::member_metadata persisted;
        persisted.member_id = member->member_id;
        persisted.group_instance_id = member->group_instance_id;
        persisted.client_id = member->client_id;
        persisted.client_host = member->client_host;
        persisted.rebalance_timeout = member->rebalance_timeout_ms;
        persisted.session_timeout = member->session_timeout_ms;
        if (protocol_name_) {
            if (const shared_bytes* metadata = member->metadata_for(*protocol_name_)) {
                persisted.subscription = *metadata;
            }
        }
        persisted.assignment = member->assignment;
        if (assignments) {
            auto given = std::find_if(assignments->begin(), assignments->end(), [&](const auto& a) {
                return a.member_id == member->member_id;
            });
            persisted.assignment = given == assignments->end() ? shared_bytes() : given->assignment;
        }
        value.members.push_back(std::move(persisted));
    }
    return value;
}

uint64_t group::request_persist(persist_purpose purpose, std::vector<member_assignment> assignments,
                                std::optional<static_rejoin> rejoin) {
    pending_persist persist;
    persist.persist_id = next_persist_id_++;
    persist.purpose = purpose;
    persist.generation_id = generation_id_;
    persist.assignments = std::move(assignments);
    persist.rejoin = std::move(rejoin);
    effects_.persists.push_back(
        {persist.persist_id,
         metadata_value_with(purpose == persist_purpose::assignment ? &persist.assignments
                                                                    : nullptr)});
    persists_.push_back(std::move(persist));
    return persists_.back().persist_id;
}

void group::on_persisted(uint64_t persist_id, error_code error, int64_t now_ms) {
    auto found = std::find_if(persists_.begin(), persists_.end(),
                              [&](const pending_persist& p) { return p.persist_id == persist_id; });
    if (found == persists_.end()) {
        return;
    }
    pending_persist persist = std::move(*found);
    persists_.erase(found);
    error = member_facing_store_error(error);
    switch (persist.purpose) {
        case persist_purpose::assignment:
            on_assignment_persisted(persist, error, now_ms);
            break;
        case persist_purpose::static_rejoin:
            on_static_rejoin_persisted(*persist.rejoin, error, now_ms);
            break;
        case persist_purpose::empty_group:
            // Nothing waits on it; on failure the previous generation comes back after a
            // failover, and it has no live members either.
            break;
    }
}

// The leader's assignment is written: every waiting SyncGroup gets its part and the group
// is Stable. If the group moved on meanwhile (a member joined or left), nothing happens.
void group::on_assignment_persisted(const pending_persist& persist, error_code error,
                                    int64_t now_ms) {
    if (state_ != group_state::completing_rebalance || persist.generation_id != generation_id_) {
        return;
    }
    for (group_member* member : members_.in_join_order()) {
        member->assignment = shared_bytes();
        if (error == error_code::none) {
            auto given =
                std::find_if(persist.assignments.begin(), persist.assignments.end(),
                             [&](const auto& a) { return a.member_id == member->member_id; });
            if (given != persist.assignments.end()) {
                member->assignment = given->assignment;
            }
        }
    }
    propagate_assignment(error, now_ms);
    if (error == error_code::none) {
        transition_to(group_state::stable, now_ms);
    } else {
        maybe_prepare_rebalance(now_ms);
    }
}

// A restarted static member's new id is written: it is answered with the current
// generation. A v9+ leader is told it leads but must skip the assignment (the group is
// Stable and would ignore a new one); an older client is told the leader is the old id, so
// a restarted leader does not assign. If the write failed the old id comes back.
void group::on_static_rejoin_persisted(const static_rejoin& rejoin, error_code error,
                                       int64_t now_ms) {
    group_member* member = members_.find(rejoin.new_member_id);
    if (member == nullptr || member->join_token != rejoin.token) {
        return;  // answered since: removed, fenced again, or swept into a rebalance
    }
    members_.take_join_token(*member);
    if (error != error_code::none) {
        members_.set_protocols(*member, rejoin.old_protocols);
        member->rebalance_timeout_ms = rejoin.old_rebalance_timeout_ms;
        member->session_timeout_ms = rejoin.old_session_timeout_ms;
        group_member& restored = members_.rename(rejoin.new_member_id, rejoin.old_member_id);
        restored.reset_session(now_ms);
        join_response response = current_generation_response(restored, false);
        response.error = error;
        response.member_id.clear();
        response.leader_id = rejoin.leader_before;
        complete_join_token(rejoin.token, std::move(response));
        return;
    }
    // No heartbeat was expected while the write was in flight.
    member->reset_session(now_ms);
    bool leader = members_.is_leader(member->member_id);
    join_response response;
    if (rejoin.skip_assignment == skip_assignment_support::supported) {
        response = current_generation_response(*member, leader);
        response.skip_assignment = leader;
    } else {
        response = current_generation_response(*member, false);
        response.leader_id = rejoin.leader_before;
    }
    complete_join_token(rejoin.token, std::move(response));
}

}  // namespace samsa::coordinator
