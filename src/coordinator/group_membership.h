#pragma once

// The members of one classic group and the indexes Kafka's GroupMetadata keeps over them:
// static members by instance id, members handed an id that have not joined with it yet
// ("pending"), how many members support each protocol, how many wait for the rebalance,
// and the leader. Pure bookkeeping: the rules of the protocol live in group.h.
//
// Invariants (asserted): every static member's instance id maps to its member id and no
// other; the leader is a member, or empty when there are none; a pending id is not a
// member; awaiting_join_count() is the number of members with a join token.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coordinator/group_member.h"

namespace samsa::coordinator {

class group_membership {
public:
    group_member* find(std::string_view member_id);
    const group_member* find(std::string_view member_id) const;
    bool contains(std::string_view member_id) const { return find(member_id) != nullptr; }
    int32_t size() const { return static_cast<int32_t>(members_.size()); }
    bool empty() const { return members_.empty(); }

    // Adds a member (its join token counts as waiting; it stops being pending). The first
    // member becomes the leader. Precondition: neither its id nor its instance id is taken.
    group_member& add(group_member member);
    // Removes a member and returns it, so the caller can answer the requests it waited with.
    // A leaving leader hands over to the earliest remaining member.
    std::optional<group_member> remove(std::string_view member_id);
    // Gives a static member a new id (a restarted instance); the leader role follows.
    // Precondition: old_id is a member, new_id is not.
    group_member& rename(std::string_view old_id, std::string new_id);

    // The member id a static instance id maps to.
    const std::string* static_member_id(std::string_view group_instance_id) const;

    bool is_pending(std::string_view member_id) const;
    // Precondition: member_id is not a member.
    void add_pending(std::string member_id, int64_t deadline_ms);
    bool remove_pending(std::string_view member_id);
    int32_t pending_count() const { return static_cast<int32_t>(pending_.size()); }
    // The earliest pending member's deadline and id, if any.
    std::optional<std::pair<int64_t, std::string>> earliest_pending() const;

    // The member whose session runs out first, and when. Members waiting for a rebalance
    // have no deadline (group_member::expiry_deadline_ms).
    std::optional<std::pair<int64_t, std::string>> earliest_expiry() const;

    void set_protocols(group_member& member, std::vector<member_protocol> protocols);
    // Whether some protocol of the list is supported by every member (Kafka's
    // supportsProtocols for a non-empty group; any protocol when there are no members).
    bool supports_any(const std::vector<member_protocol>& protocols) const;
    // Kafka's selectProtocol: among the protocols every member supports, each member votes
    // for its most preferred one; the most votes win, a tie goes to the earliest vote.
    // Precondition: not empty.
    std::string select_protocol() const;

    // Makes member wait for the rebalance with token; returns the token it replaces.
    std::optional<request_token> await_join(group_member& member, request_token token);
    // Ends member's wait and returns the token it waited with, if any.
    std::optional<request_token> take_join_token(group_member& member);
    int32_t awaiting_join_count() const { return awaiting_join_; }
    // Kafka's hasAllMembersJoined: every member waits and no pending member may still come.
    bool all_joined() const { return awaiting_join_ == size() && pending_.empty(); }

    const std::string& leader_id() const { return leader_id_; }
    bool is_leader(std::string_view member_id) const {
        return !leader_id_.empty() && leader_id_ == member_id;
    }
    // Precondition: member_id is a member.
    void set_leader(std::string member_id);
    // Kafka's maybeElectNewJoinedLeader: keeps a leader that rejoined, else picks the
    // earliest member that did. False when there is no leader or nobody rejoined.
    bool elect_joined_leader();

    std::vector<group_member*> in_join_order();
    std::vector<const group_member*> in_join_order() const;
    // The group's rebalance timeout: the longest of its members'.
    int32_t max_rebalance_timeout_ms() const;

private:
    void count_protocols(const group_member& member, int32_t delta);

    std::map<std::string, group_member, std::less<>> members_;
    std::map<std::string, std::string, std::less<>> static_members_;  // instance id -> member id
    std::map<std::string, int64_t, std::less<>> pending_;           // member id -> session deadline
    std::map<std::string, int32_t, std::less<>> protocol_support_;  // protocol -> members
    std::string leader_id_;
    int32_t awaiting_join_ = 0;
    uint64_t next_join_sequence_ = 0;
};

}  // namespace samsa::coordinator
