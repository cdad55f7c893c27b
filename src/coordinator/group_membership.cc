#include "coordinator/group_membership.h"

#include <algorithm>
#include <set>

#include "base/assert.h"

namespace samsa::coordinator {

group_member* group_membership::find(std::string_view member_id) {
    auto found = members_.find(member_id);
    return found == members_.end() ? nullptr : &found->second;
}

const group_member* group_membership::find(std::string_view member_id) const {
    auto found = members_.find(member_id);
    return found == members_.end() ? nullptr : &found->second;
}

group_member& group_membership::add(group_member member) {
    SAMSA_ASSERT(!contains(member.member_id), "member %s added twice", member.member_id.c_str());
    if (member.group_instance_id) {
        bool inserted = static_members_.emplace(*member.group_instance_id, member.member_id).second;
        SAMSA_ASSERT(inserted, "instance %s is already a member",
                     member.group_instance_id->c_str());
    }
    pending_.erase(member.member_id);
    member.join_sequence = next_join_sequence_++;
    if (member.join_token) {
        ++awaiting_join_;
    }
    count_protocols(member, +1);
    if (leader_id_.empty()) {
        leader_id_ = member.member_id;
    }
    std::string key = member.member_id;
    return members_.emplace(std::move(key), std::move(member)).first->second;
}

std::optional<group_member> group_membership::remove(std::string_view member_id) {
    pending_.erase(std::string(member_id));
    auto found = members_.find(member_id);
    if (found == members_.end()) {
        return std::nullopt;
    }
    group_member removed = std::move(found->second);
    members_.erase(found);
    count_protocols(removed, -1);
    if (removed.join_token) {
        --awaiting_join_;
    }
    if (removed.group_instance_id) {
        static_members_.erase(*removed.group_instance_id);
    }
    if (leader_id_ == removed.member_id) {
        leader_id_.clear();
        std::vector<group_member*> remaining = in_join_order();
        if (!remaining.empty()) {
            leader_id_ = remaining.front()->member_id;
        }
    }
    return removed;
}

group_member& group_membership::rename(std::string_view old_id, std::string new_id) {
    auto found = members_.find(old_id);
    SAMSA_ASSERT(found != members_.end(), "renaming a member that is not one");
    SAMSA_ASSERT(!contains(new_id), "renaming onto member %s", new_id.c_str());
    auto node = members_.extract(found);
    node.key() = new_id;
    node.mapped().member_id = new_id;
    if (leader_id_ == old_id) {
        leader_id_ = new_id;
    }
    if (node.mapped().group_instance_id) {
        static_members_[*node.mapped().group_instance_id] = new_id;
    }
    return members_.insert(std::move(node)).position->second;
}

const std::string* group_membership::static_member_id(std::string_view group_instance_id) const {
    auto found = static_members_.find(group_instance_id);
    return found == static_members_.end() ? nullptr : &found->second;
}

bool group_membership::is_pending(std::string_view member_id) const {
    return pending_.find(member_id) != pending_.end();
}

void group_membership::add_pending(std::string member_id, int64_t deadline_ms) {
    SAMSA_ASSERT(!contains(member_id), "member %s cannot be pending", member_id.c_str());
    pending_[std::move(member_id)] = deadline_ms;
}

bool group_membership::remove_pending(std::string_view member_id) {
    auto found = pending_.find(member_id);
    if (found == pending_.end()) {
        return false;
    }
    pending_.erase(found);
    return true;
}

std::optional<std::pair<int64_t, std::string>> group_membership::earliest_pending() const {
    std::optional<std::pair<int64_t, std::string>> earliest;
    for (const auto& [member_id, deadline_ms] : pending_) {
        if (!earliest || deadline_ms < earliest->first) {
            earliest.emplace(deadline_ms, member_id);
        }
    }
    return earliest;
}

std::optional<std::pair<int64_t, std::string>> group_membership::earliest_expiry() const {
    const group_member* earliest = nullptr;
    int64_t earliest_ms = 0;
    for (const auto& [member_id, member] : members_) {
        std::optional<int64_t> deadline_ms = member.expiry_deadline_ms();
        if (deadline_ms && (earliest == nullptr || *deadline_ms < earliest_ms)) {
            earliest = &member;
            earliest_ms = *deadline_ms;
        }
    }
    if (earliest == nullptr) {
        return std::nullopt;
    }
    return std::make_pair(earliest_ms, earliest->member_id);
}

void group_membership::set_protocols(group_member& member, std::vector<member_protocol> protocols) {
    count_protocols(member, -1);
    member.protocols = std::move(protocols);
    count_protocols(member, +1);
}

// Each distinct name counts once per member, so a member listing a protocol twice cannot
// make it look supported by everyone.
void group_membership::count_protocols(const group_member& member, int32_t delta) {
    std::set<std::string_view> names;
    for (const member_protocol& protocol : member.protocols) {
        if (!names.insert(protocol.name).second) {
            continue;
        }
        auto [entry, inserted] = protocol_support_.try_emplace(protocol.name, 0);
        entry->second += delta;
        SAMSA_ASSERT(entry->second >= 0, "protocol %s counted below zero", protocol.name.c_str());
        if (entry->second == 0) {
            protocol_support_.erase(entry);
        }
    }
}

bool group_membership::supports_any(const std::vector<member_protocol>& protocols) const {
    return std::any_of(protocols.begin(), protocols.end(), [&](const member_protocol& protocol) {
        auto found = protocol_support_.find(protocol.name);
        int32_t supporters = found == protocol_support_.end() ? 0 : found->second;
        return supporters == size();
    });
}

std::string group_membership::select_protocol() const {
    SAMSA_ASSERT(!empty(), "selecting a protocol for a group without members");
    // Candidates in the order of their first vote, so a tie is broken deterministically.
    std::vector<std::pair<std::string_view, int32_t>> votes;
    for (const group_member* member : in_join_order()) {
        auto choice = std::find_if(
            member->protocols.begin(), member->protocols.end(), [&](const member_protocol& p) {
                auto found = protocol_support_.find(p.name);
                return found != protocol_support_.end() && found->second == size();
            });
        SAMSA_ASSERT(choice != member->protocols.end(), "member %s supports no common protocol",
                     member->member_id.c_str());
        auto tally = std::find_if(votes.begin(), votes.end(),
                                  [&](const auto& vote) { return vote.first == choice->name; });
        if (tally == votes.end()) {
            votes.emplace_back(choice->name, 1);
        } else {
            ++tally->second;
        }
    }
    auto winner = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
        return a.second < b.second;
    });
    return std::string(winner->first);
}

std::optional<request_token> group_membership::await_join(group_member& member,
                                                          request_token token) {
    std::optional<request_token> replaced = member.join_token;
    if (!replaced) {
        ++awaiting_join_;
    }
    member.join_token = token;
    return replaced;
}

std::optional<request_token> group_membership::take_join_token(group_member& member) {
    std::optional<request_token> token = member.join_token;
    if (token) {
        --awaiting_join_;
        member.join_token.reset();
    }
    return token;
}

void group_membership::set_leader(std::string member_id) {
    SAMSA_ASSERT(contains(member_id), "leader %s is not a member", member_id.c_str());
    leader_id_ = std::move(member_id);
}

bool group_membership::elect_joined_leader() {
    if (leader_id_.empty()) {
        return false;
    }
    if (find(leader_id_)->awaiting_join()) {
        return true;
    }
    for (const group_member* member : in_join_order()) {
        if (member->awaiting_join()) {
            leader_id_ = member->member_id;
            return true;
        }
    }
    return false;
}

std::vector<group_member*> group_membership::in_join_order() {
    std::vector<group_member*> ordered;
    ordered.reserve(members_.size());
    for (auto& [member_id, member] : members_) {
        ordered.push_back(&member);
    }
    std::sort(ordered.begin(), ordered.end(), [](const group_member* a, const group_member* b) {
        return a->join_sequence < b->join_sequence;
    });
    return ordered;
}

std::vector<const group_member*> group_membership::in_join_order() const {
    std::vector<const group_member*> ordered;
    ordered.reserve(members_.size());
    for (const auto& [member_id, member] : members_) {
        ordered.push_back(&member);
    }
    std::sort(ordered.begin(), ordered.end(), [](const group_member* a, const group_member* b) {
        return a->join_sequence < b->join_sequence;
    });
    return ordered;
}

int32_t group_membership::max_rebalance_timeout_ms() const {
    int32_t longest = 0;
    for (const auto& [member_id, member] : members_) {
        longest = std::max(longest, member.rebalance_timeout_ms);
    }
    return longest;
}

}  // namespace samsa::coordinator
