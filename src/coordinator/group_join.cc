// JoinGroup (Kafka's GroupCoordinator.handleJoinGroup and the paths it takes): new dynamic
// members (with the MEMBER_ID_REQUIRED round trip of v4+), new and restarted static
// members, and current members rejoining.

#include "base/assert.h"
#include "coordinator/group.h"

namespace samsa::coordinator {

using protocol::error_code;

std::optional<join_response> group::join(request_token token, join_request request,
                                         int64_t now_ms) {
    if (request.session_timeout_ms < config_.min_session_timeout_ms ||
        request.session_timeout_ms > config_.max_session_timeout_ms) {
        return join_response::failed(request.member_id, error_code::invalid_session_timeout);
    }
    std::optional<join_response> answer;
    if (!accepts_joining_member(request.member_id)) {
        // A member the group has no room for is shed, even one it knew.
        if (std::optional<group_member> removed = members_.remove(request.member_id)) {
            answer_removed_member(*removed);
        }
        answer = join_response::failed(std::string(), error_code::group_max_size_reached);
    } else if (request.member_id.empty()) {
        answer = join_new_member(token, request, now_ms);
    } else {
        answer = join_current_member(token, request, now_ms);
    }
    maybe_complete_join(now_ms);
    return answer;
}

// Kafka's acceptJoiningMember. During PreparingRebalance the members that rejoined are
// counted, not all members, so shrinking group.max.size sheds the last to rejoin.
bool group::accepts_joining_member(std::string_view member_id) const {
    const group_member* member = members_.find(member_id);
    switch (state_) {
        case group_state::empty:
        case group_state::dead:
            return true;
        case group_state::preparing_rebalance:
            return (member && member->awaiting_join()) ||
                   members_.awaiting_join_count() < config_.max_size;
        case group_state::completing_rebalance:
        case group_state::stable:
            return member || members_.size() < config_.max_size;
    }
    return false;
}

std::optional<join_response> group::join_new_member(request_token token, join_request& request,
                                                    int64_t now_ms) {
    if (state_ == group_state::dead) {
        return join_response::failed(std::string(), error_code::coordinator_not_available);
    }
    if (!supports_protocols(request)) {
        return join_response::failed(std::string(), error_code::inconsistent_group_protocol);
    }
    std::string member_id = make_member_id(request);
    if (request.group_instance_id) {
        if (const std::string* old_member_id =
                members_.static_member_id(*request.group_instance_id)) {
            return rejoin_static_member(token, request, *old_member_id, std::move(member_id),
                                        now_ms);
        }
        add_member_and_rebalance(token, request, std::move(member_id), now_ms);
        return std::nullopt;
    }
    if (request.member_ids == member_id_policy::require_known_member_id) {
        if (members_.pending_count() >= config_.max_pending_members) {
            return join_response::failed(std::string(), error_code::group_max_size_reached);
        }
        // The member must come back with this id; until then it counts as one the
        // rebalance waits for, for at most its session timeout.
        members_.add_pending(member_id, now_ms + request.session_timeout_ms);
        return join_response::failed(std::move(member_id), error_code::member_id_required);
    }
    add_member_and_rebalance(token, request, std::move(member_id), now_ms);
    return std::nullopt;
}

std::optional<join_response> group::join_current_member(request_token token, join_request& request,
                                                        int64_t now_ms) {
    const std::string& member_id = request.member_id;
    if (state_ == group_state::dead) {
        return join_response::failed(member_id, error_code::coordinator_not_available);
    }
    if (!supports_protocols(request)) {
        return join_response::failed(member_id, error_code::inconsistent_group_protocol);
    }
    if (members_.is_pending(member_id)) {
        if (request.group_instance_id) {
            // Pending ids are only handed to dynamic members; Kafka fails the request.
            return join_response::failed(member_id, error_code::unknown_server_error);
        }
        add_member_and_rebalance(token, request, member_id, now_ms);
        return std::nullopt;
    }
    error_code error = validate_current_member(member_id, request.group_instance_id);
    if (error != error_code::none) {
        return join_response::failed(member_id, error);
    }
    group_member& member = *members_.find(member_id);
    switch (state_) {
        case group_state::preparing_rebalance:
            update_member_and_rebalance(member, token, request, now_ms);
            return std::nullopt;
        case group_state::completing_rebalance:
            // Unchanged metadata: the member probably lost the JoinGroup response.
            if (member.matches(request.protocols)) {
                return current_generation_response(member, members_.is_leader(member_id));
            }
            update_member_and_rebalance(member, token, request, now_ms);
            return std::nullopt;
        case group_state::stable:
            // A rejoining leader asks for a rebalance (its metadata, topics say, changed
            // in ways the member metadata does not show).
            if (members_.is_leader(member_id) || !member.matches(request.protocols)) {
                update_member_and_rebalance(member, token, request, now_ms);
                return std::nullopt;
            }
            return current_generation_response(member, false);
        case group_state::empty:
        case group_state::dead:
            break;
    }
    return join_response::failed(member_id, error_code::unknown_member_id);
}

// Kafka's updateStaticMemberAndRebalance: a static member restarted and joins without its
// member id. The new id takes the old one's place (the old instance is fenced). A Stable
// group whose selected protocol stays the same does not rebalance: the member keeps its
// assignment once the new id is persisted.
std::optional<join_response> group::rejoin_static_member(request_token token, join_request& request,
                                                         std::string old_member_id,
                                                         std::string new_member_id,
                                                         int64_t now_ms) {
    std::string leader_before = members_.leader_id();
    group_member& old_member = *members_.find(old_member_id);
    if (std::optional<request_token> waiting = members_.take_join_token(old_member)) {
        complete_join_token(*waiting,
                            join_response::failed(old_member_id, error_code::fenced_instance_id));
    }
    if (old_member.sync_token) {
        complete_sync_token(*old_member.sync_token,
                            sync_response::failed(error_code::fenced_instance_id));
        old_member.sync_token.reset();
    }
    group_member& member = members_.rename(old_member_id, new_member_id);
    member.reset_session(now_ms);

    static_rejoin rejoin{token,
                         std::move(old_member_id),
                         std::move(new_member_id),
                         std::move(leader_before),
                         member.protocols,
                         member.rebalance_timeout_ms,
                         member.session_timeout_ms,
                         request.skip_assignment};
    members_.set_protocols(member, std::move(request.protocols));
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    member.session_timeout_ms = request.session_timeout_ms;
    await_join(member, token);

    switch (state_) {
        case group_state::stable:
            if (protocol_name_ == members_.select_protocol()) {
                request_persist(persist_purpose::static_rejoin, {}, std::move(rejoin));
            } else {
                maybe_prepare_rebalance(now_ms);
            }
            break;
        case group_state::completing_rebalance:
            // The leader may be assigning to the old id: start over.
            prepare_rebalance(now_ms);
            break;
        case group_state::preparing_rebalance:
            break;
        case group_state::empty:
        case group_state::dead:
            SAMSA_ASSERT(false, "group %s has a static member while %s", group_id_.c_str(),
                         group_state_name(state_).data());
    }
    return std::nullopt;
}

void group::add_member_and_rebalance(request_token token, join_request& request,
                                     std::string member_id, int64_t now_ms) {
    group_member member;
    member.member_id = std::move(member_id);
    member.group_instance_id = request.group_instance_id;
    member.client_id = request.client_id;
    member.client_host = request.client_host;
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    member.session_timeout_ms = request.session_timeout_ms;
    member.protocols = std::move(request.protocols);
    member.is_new = true;
    // It cannot heartbeat before it has its id, and a client whose JoinGroup timed out
    // simply joins again: a new member that never completes a join is dropped after this.
    member.session_deadline_ms = now_ms + new_member_join_timeout_ms;
    if (state_ == group_state::preparing_rebalance && generation_id_ == 0) {
        new_member_added_ = true;
    }
    if (members_.empty()) {
        protocol_type_ = request.protocol_type;
    }
    group_member& added = members_.add(std::move(member));
    await_join(added, token);
    maybe_prepare_rebalance(now_ms);
}

void group::update_member_and_rebalance(group_member& member, request_token token,
                                        join_request& request, int64_t now_ms) {
    members_.set_protocols(member, std::move(request.protocols));
    member.rebalance_timeout_ms = request.rebalance_timeout_ms;
    member.session_timeout_ms = request.session_timeout_ms;
    await_join(member, token);
    maybe_prepare_rebalance(now_ms);
}

// A member waits with one JoinGroup at a time; an older one still waiting is answered
// REBALANCE_IN_PROGRESS (its client has given up on it and will rejoin anyway).
void group::await_join(group_member& member, request_token token) {
    if (std::optional<request_token> replaced = members_.await_join(member, token)) {
        complete_join_token(
            *replaced, join_response::failed(member.member_id, error_code::rebalance_in_progress));
    }
}

join_response group::current_generation_response(const group_member& member,
                                                 bool with_members) const {
    join_response response;
    response.generation_id = generation_id_;
    response.protocol_type = protocol_type_;
    response.protocol_name = protocol_name_;
    response.leader_id = members_.leader_id();
    response.member_id = member.member_id;
    if (with_members) {
        response.members = current_member_metadata();
    }
    return response;
}

// What the leader assigns from: every member with its metadata for the selected protocol.
std::vector<join_response_member> group::current_member_metadata() const {
    SAMSA_ASSERT(protocol_name_.has_value(), "group %s has no protocol", group_id_.c_str());
    std::vector<join_response_member> listed;
    for (const group_member* member : members_.in_join_order()) {
        const shared_bytes* metadata = member->metadata_for(*protocol_name_);
        SAMSA_ASSERT(metadata != nullptr, "member %s does not support %s",
                     member->member_id.c_str(), protocol_name_->c_str());
        listed.push_back({member->member_id, member->group_instance_id, *metadata});
    }
    return listed;
}

// "<client id>-<suffix>", or "<instance id>-<suffix>" for a static member, as Kafka.
std::string group::make_member_id(const join_request& request) {
    const std::string& prefix =
        request.group_instance_id ? *request.group_instance_id : request.client_id;
    // A suffix source repeating itself is a bug, not input: a few tries, then abort.
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::string member_id = prefix + "-" + member_ids_();
        if (!members_.contains(member_id) && !members_.is_pending(member_id)) {
            return member_id;
        }
    }
    SAMSA_ASSERT(false, "group %s: the member id source keeps repeating itself", group_id_.c_str());
    return std::string();
}

// Kafka's supportsProtocols: an Empty group takes any protocol type and protocols; otherwise
// the type must match and some protocol must be one every member supports.
bool group::supports_protocols(const join_request& request) const {
    if (state_ == group_state::empty) {
        return !request.protocol_type.empty() && !request.protocols.empty();
    }
    return protocol_type_ == request.protocol_type && members_.supports_any(request.protocols);
}

}  // namespace samsa::coordinator
