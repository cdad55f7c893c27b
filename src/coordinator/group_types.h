#pragma once

// The vocabulary of the classic group state machine (group.h): its states, its
// configuration, and the requests, responses and effects that cross its API. The structs
// carry exactly what Kafka's JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit
// and DescribeGroups need; the driver (server/handlers) copies them to and from the
// generated wire messages.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/shared_bytes.h"
#include "protocol/error_code.h"
#include "protocol/generated/group_metadata_value.h"

namespace samsa::coordinator {

// Kafka's classic group states (GroupMetadata.scala). Valid transitions:
//     Empty -> PreparingRebalance -> CompletingRebalance -> Stable
//     PreparingRebalance -> Empty (every member left)
//     CompletingRebalance, Stable -> PreparingRebalance
//     any -> Dead (unloaded or deleted; final)
enum class group_state : uint8_t { empty, preparing_rebalance, completing_rebalance, stable, dead };

// The name Kafka gives the state in DescribeGroups and ListGroups ("PreparingRebalance").
std::string_view group_state_name(group_state state);

// Kafka's broker settings for classic groups, under their property names.
struct group_config {
    // group.initial.rebalance.delay.ms: how long the first rebalance of an Empty group
    // waits for more members, so a starting fleet does not rebalance once per member.
    int32_t initial_rebalance_delay_ms = 3000;
    // group.max.size
    int32_t max_size = std::numeric_limits<int32_t>::max();
    // group.min.session.timeout.ms and group.max.session.timeout.ms
    int32_t min_session_timeout_ms = 6000;
    int32_t max_session_timeout_ms = 1'800'000;
    // Samsa's own bound on members that were handed an id (MEMBER_ID_REQUIRED) and have not
    // joined with it yet; Kafka lets them pile up until their session timeout.
    int32_t max_pending_members = 10'000;
};

// Kafka's NewMemberJoinTimeoutMs: a member that joined for the first time and is waiting
// for the rebalance is dropped after this long (it cannot heartbeat without its id).
inline constexpr int64_t new_member_join_timeout_ms = 5 * 60 * 1000;

// A request's caller-chosen handle for a response that may come later (join, sync).
using request_token = uint64_t;

// Whether a JoinGroup version makes a new dynamic member fetch its id first (v4+).
enum class member_id_policy : uint8_t { assign_on_join, require_known_member_id };
// Whether the client understands JoinGroup's SkipAssignment (v9+).
enum class skip_assignment_support : uint8_t { unsupported, supported };

// One entry of a member's protocol list, in the member's order of preference.
struct member_protocol {
    std::string name;
    shared_bytes metadata;
    bool operator==(const member_protocol&) const = default;
};

struct join_request {
    std::string member_id;  // empty for a member without one yet
    std::optional<std::string> group_instance_id;
    std::string protocol_type;
    std::vector<member_protocol> protocols;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;  // JoinGroup v0 has none: pass the session timeout
    std::string client_id;
    std::string client_host;
    member_id_policy member_ids = member_id_policy::require_known_member_id;
    skip_assignment_support skip_assignment = skip_assignment_support::unsupported;
};

struct join_response_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    shared_bytes metadata;  // for the selected protocol
    bool operator==(const join_response_member&) const = default;
};

struct join_response {
    protocol::error_code error = protocol::error_code::none;
    int32_t generation_id = -1;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    std::string leader_id;
    bool skip_assignment = false;
    std::string member_id;
    std::vector<join_response_member> members;  // the leader's only

    static join_response failed(std::string member_id, protocol::error_code error) {
        join_response response;
        response.error = error;
        response.member_id = std::move(member_id);
        return response;
    }
};

struct member_assignment {
    std::string member_id;
    shared_bytes assignment;
};

struct sync_request {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int32_t generation_id = -1;
    std::optional<std::string> protocol_type;    // v5+
    std::optional<std::string> protocol_name;    // v5+
    std::vector<member_assignment> assignments;  // the leader's only
};

struct sync_response {
    protocol::error_code error = protocol::error_code::none;
    std::optional<std::string> protocol_type;
    std::optional<std::string> protocol_name;
    shared_bytes assignment;

    static sync_response failed(protocol::error_code error) {
        sync_response response;
        response.error = error;
        return response;
    }
};

struct heartbeat_request {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int32_t generation_id = -1;
};

// A LeaveGroup names members by id, by instance id (an administrator removing a static
// member leaves the id empty), or both. v0-2 name one member by id.
struct leaving_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
};

struct leave_request {
    std::vector<leaving_member> members;
};

struct leaving_member_result {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    protocol::error_code error = protocol::error_code::none;
};

struct leave_response {
    protocol::error_code error = protocol::error_code::none;
    std::vector<leaving_member_result> members;  // empty when error is set
};

// Who commits offsets: OffsetCommit's (or TxnOffsetCommit's) member fields.
struct commit_identity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int32_t generation_id = -1;
};

// TxnOffsetCommit is checked more leniently (old versions carry no member fields) and
// does not count as a sign of life.
enum class commit_kind : uint8_t { plain, transactional };

struct described_member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    shared_bytes metadata;    // empty unless the group is Stable
    shared_bytes assignment;  // empty unless the group is Stable
};

struct group_description {
    std::string_view state;  // group_state_name()
    std::string protocol_type;
    std::string protocol;  // empty unless the group is Stable
    std::vector<described_member> members;
};

// Responses that waited: the token the request came with and its answer.
struct join_completion {
    request_token token = 0;
    join_response response;
};

struct sync_completion {
    request_token token = 0;
    sync_response response;
};

// "Write this group metadata to __consumer_offsets, then call group::on_persisted(id, ...)".
// Every request must be answered, in any order, unless the group is dropped or unloaded.
struct persist_request {
    uint64_t persist_id = 0;
    protocol::group_metadata_value value;
};

// What the group asks of its driver after an input: responses to deliver and writes to
// make. Drained with group::take_effects().
struct group_effects {
    std::vector<join_completion> joins;
    std::vector<sync_completion> syncs;
    std::vector<persist_request> persists;

    bool empty() const { return joins.empty() && syncs.empty() && persists.empty(); }
};

}  // namespace samsa::coordinator
