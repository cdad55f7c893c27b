#pragma once

// One member of a classic group (Kafka's MemberMetadata), and how member ids are made.
//
// A member waits for at most one JoinGroup response (join_token) and one SyncGroup
// response (sync_token) at a time: a newer request supersedes the older one. That is what
// bounds the responses a group holds to two per member.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/shared_bytes.h"
#include "coordinator/group_types.h"

namespace samsa::coordinator {

struct group_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // set for a static member (KIP-345)
    std::string client_id;
    std::string client_host;
    int32_t rebalance_timeout_ms = 0;
    int32_t session_timeout_ms = 0;
    // In the member's order of preference. Changed only through group_membership, which
    // counts how many members support each protocol.
    std::vector<member_protocol> protocols;
    shared_bytes assignment;  // from the leader's SyncGroup; empty until then
    // Order of arrival: listings follow it and a new leader is the earliest member.
    uint64_t join_sequence = 0;
    // The JoinGroup waiting for the rebalance; changed only through group_membership, which
    // counts the waiting members.
    std::optional<request_token> join_token;
    std::optional<request_token> sync_token;  // the SyncGroup waiting for the assignment
    // Joined for the first time and not yet through a rebalance: such a member cannot
    // heartbeat, so its session is new_member_join_timeout_ms, waiting or not.
    bool is_new = false;
    // Joined this generation and has not sent SyncGroup yet (Kafka's pending sync members).
    bool sync_expected = false;
    int64_t session_deadline_ms = 0;

    bool is_static() const { return group_instance_id.has_value(); }
    bool awaiting_join() const { return join_token.has_value(); }
    bool awaiting_sync() const { return sync_token.has_value(); }

    // Same protocols, in the same order, with the same metadata.
    bool matches(const std::vector<member_protocol>& other) const { return protocols == other; }

    // The metadata the member sent for protocol, or null when it does not support it.
    const shared_bytes* metadata_for(std::string_view protocol) const;

    // When the session expires, or nothing while it cannot: a member waiting for a
    // rebalance (join or sync) needs no heartbeats, except a new one (Kafka's
    // MemberMetadata.hasSatisfiedHeartbeat). The deadline is reset when the wait ends.
    std::optional<int64_t> expiry_deadline_ms() const;

    void reset_session(int64_t now_ms) { session_deadline_ms = now_ms + session_timeout_ms; }
};

// Makes the unique part of member ids ("<client id>-<suffix>"): Kafka uses a random UUID.
// Tests pass a counter so ids are predictable.
using member_id_suffix_source = std::function<std::string()>;

// UUID-shaped suffixes ("0f1e2d3c-...") from a generator seeded with seed; production seeds
// it randomly.
member_id_suffix_source random_member_id_suffixes(uint64_t seed);

}  // namespace samsa::coordinator
