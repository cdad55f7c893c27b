#pragma once

// One classic consumer group (Kafka's GroupMetadata with the rules of its
// GroupCoordinator): membership through JoinGroup, SyncGroup, Heartbeat and LeaveGroup,
// static membership (KIP-345), session and rebalance timeouts, and whether an offset
// commit is allowed. States and transitions are in group_types.h.
//
// Sans-I/O: requests and a clock (now_ms, Kafka's milliseconds) go in; responses and
// effects come out. The driver, per input:
//
//     auto answer = g.join(token, std::move(request), now_ms);  // or sync, heartbeat, ...
//     if (answer) respond(token, *answer);                      // else it comes later
//     group_effects effects = g.take_effects();
//     ... respond to effects.joins and effects.syncs by token; write effects.persists to
//         __consumer_offsets and call g.on_persisted(persist_id, error, now_ms) for each
//     rearm the group's one timer at g.next_deadline_ms(); when it fires, g.expire(now_ms)
//
// Every token handed to join() or sync() is answered exactly once: at once, or by a
// completion in a later take_effects(). unload() answers all that still wait.
//
// Ownership: one object per group id, owned by the shard that leads the group's
// __consumer_offsets partition, used only on that shard. Bounded: members by
// group_config::max_size (when it applies, as in Kafka), pending ids by
// max_pending_members, waiting responses by two per member, persists in flight by one
// per generation plus one per static member rejoining.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "coordinator/group_member.h"
#include "coordinator/group_membership.h"
#include "coordinator/group_types.h"

namespace samsa::coordinator {

// Why a persisted GroupMetadataValue cannot become a group.
enum class group_load_error : uint8_t {
    empty_member_id,
    duplicate_member_id,
    duplicate_group_instance_id,
    missing_protocol_type,  // members but no protocol type
    missing_protocol,       // members but no selected protocol
};

class group {
public:
    // A new, Empty group. member_ids makes the unique part of the ids handed to members.
    group(std::string group_id, group_config config, member_id_suffix_source member_ids,
          int64_t now_ms);

    // A group as persisted (Kafka's GroupMetadataManager.loadGroup and onGroupLoaded):
    // Stable with its members and their assignments, or Empty without members. Members get
    // a fresh session from now_ms; a group over max_size starts rebalancing.
    static result<group, group_load_error> load(std::string group_id,
                                                const protocol::group_metadata_value& value,
                                                group_config config,
                                                member_id_suffix_source member_ids, int64_t now_ms);

    // JoinGroup. An answer now, or nullopt when it comes later as a join_completion.
    std::optional<join_response> join(request_token token, join_request request, int64_t now_ms);
    // SyncGroup. An answer now, or nullopt when it comes later as a sync_completion.
    std::optional<sync_response> sync(request_token token, sync_request request, int64_t now_ms);
    protocol::error_code heartbeat(const heartbeat_request& request, int64_t now_ms);
    leave_response leave(const leave_request& request, int64_t now_ms);

    // Whether OffsetCommit (or TxnOffsetCommit) from this member may commit now (Kafka's
    // validateOffsetCommit and the state checks of doCommitOffsets); a plain commit allowed
    // from a member counts as its heartbeat. A group that does not exist is the driver's:
    // Kafka creates one (Empty) for generation < 0 and answers ILLEGAL_GENERATION otherwise.
    protocol::error_code validate_offset_commit(const commit_identity& committer, commit_kind kind,
                                                int64_t now_ms);

    // The outcome of a persist_request: NONE, or the error of the append (mapped as
    // Kafka's storeGroup maps them). Unknown or stale ids are ignored.
    void on_persisted(uint64_t persist_id, protocol::error_code error, int64_t now_ms);

    // Acts on every deadline at or before now_ms: sessions, the rebalance and initial
    // delay, the wait for SyncGroups.
    void expire(int64_t now_ms);
    // When expire() next has something to do; nullopt when nothing is scheduled.
    std::optional<int64_t> next_deadline_ms() const;

    // The group moves to another coordinator: Dead, and every waiting request is answered
    // NOT_COORDINATOR. Persists in flight are forgotten.
    void unload(int64_t now_ms);
    // DeleteGroups: NONE (and Dead) for an Empty group, NON_EMPTY_GROUP for one with
    // members, GROUP_ID_NOT_FOUND for a Dead one.
    protocol::error_code delete_group(int64_t now_ms);

    group_effects take_effects();

    group_description describe() const;
    // The group as Kafka persists it, with every member's current assignment.
    protocol::group_metadata_value to_metadata_value() const;

    const std::string& group_id() const { return group_id_; }
    group_state state() const { return state_; }
    int32_t generation_id() const { return generation_id_; }
    const std::optional<std::string>& protocol_type() const { return protocol_type_; }
    const std::optional<std::string>& protocol_name() const { return protocol_name_; }
    const std::string& leader_id() const { return members_.leader_id(); }
    int32_t member_count() const { return members_.size(); }
    bool has_member(std::string_view member_id) const { return members_.contains(member_id); }

private:
    // The first rebalance of an Empty group (Kafka's InitialDelayedJoin): it waits delay_ms,
    // then again while members keep arriving, until remaining_ms is used up.
    struct initial_delay {
        int64_t delay_ms = 0;
        int64_t remaining_ms = 0;
    };

    // A static member that rejoined a Stable group under a new id, waiting for the group
    // to be persisted before it is answered; reverted if that fails.
    struct static_rejoin {
        request_token token = 0;
        std::string old_member_id;
        std::string new_member_id;
        std::string leader_before;
        std::vector<member_protocol> old_protocols;
        int32_t old_rebalance_timeout_ms = 0;
        int32_t old_session_timeout_ms = 0;
        skip_assignment_support skip_assignment = skip_assignment_support::unsupported;
    };

    enum class persist_purpose : uint8_t { assignment, static_rejoin, empty_group };

    struct pending_persist {
        uint64_t persist_id = 0;
        persist_purpose purpose = persist_purpose::empty_group;
        int32_t generation_id = 0;
        std::vector<member_assignment> assignments;  // purpose assignment: one per member
        std::optional<static_rejoin> rejoin;         // purpose static_rejoin
    };

    // group_join.cc: the JoinGroup paths.
    bool accepts_joining_member(std::string_view member_id) const;
    std::optional<join_response> join_new_member(request_token token, join_request& request,
                                                 int64_t now_ms);
    std::optional<join_response> join_current_member(request_token token, join_request& request,
                                                     int64_t now_ms);
    std::optional<join_response> rejoin_static_member(request_token token, join_request& request,
                                                      std::string old_member_id,
                                                      std::string new_member_id, int64_t now_ms);
    void add_member_and_rebalance(request_token token, join_request& request, std::string member_id,
                                  int64_t now_ms);
    void update_member_and_rebalance(group_member& member, request_token token,
                                     join_request& request, int64_t now_ms);
    void await_join(group_member& member, request_token token);
    join_response current_generation_response(const group_member& member, bool with_members) const;
    std::vector<join_response_member> current_member_metadata() const;
    std::string make_member_id(const join_request& request);
    bool supports_protocols(const join_request& request) const;

    // group.cc: checks shared by the APIs, and the rebalance.
    protocol::error_code validate_current_member(
        std::string_view member_id, const std::optional<std::string>& group_instance_id) const;
    void transition_to(group_state next, int64_t now_ms);
    void maybe_prepare_rebalance(int64_t now_ms);
    void prepare_rebalance(int64_t now_ms);
    void maybe_complete_join(int64_t now_ms);
    void complete_join(int64_t now_ms);
    void start_next_generation(int64_t now_ms);
    void propagate_assignment(protocol::error_code error, int64_t now_ms);
    void remove_member_and_update_group(std::string_view member_id, int64_t now_ms);
    void remove_pending_member_and_update_group(std::string_view member_id, int64_t now_ms);
    void complete_join_token(request_token token, join_response response);
    void complete_sync_token(request_token token, sync_response response);
    void answer_removed_member(group_member& removed);
    std::optional<sync_response> sync_in_completing_rebalance(request_token token,
                                                              const sync_request& request);

    // group_timers.cc: deadlines.
    void on_rebalance_deadline(int64_t now_ms);
    void on_sync_deadline(int64_t now_ms);
    void on_member_expired(std::string_view member_id, int64_t now_ms);

    // group_persistence.cc: persisted metadata.
    uint64_t request_persist(persist_purpose purpose, std::vector<member_assignment> assignments,
                             std::optional<static_rejoin> rejoin);
    protocol::group_metadata_value metadata_value_with(
        const std::vector<member_assignment>* assignments) const;
    void on_assignment_persisted(const pending_persist& persist, protocol::error_code error,
                                 int64_t now_ms);
    void on_static_rejoin_persisted(const static_rejoin& rejoin, protocol::error_code error,
                                    int64_t now_ms);

    std::string group_id_;
    group_config config_;
    member_id_suffix_source member_ids_;

    group_state state_ = group_state::empty;
    int64_t state_timestamp_ms_ = 0;
    int32_t generation_id_ = 0;
    std::optional<std::string> protocol_type_;
    std::optional<std::string> protocol_name_;
    group_membership members_;

    // PreparingRebalance: when the wait for members ends (rebalance timeout or initial delay).
    std::optional<int64_t> rebalance_deadline_ms_;
    std::optional<initial_delay> initial_delay_;
    // A member joined a new group (generation 0) during its initial delay.
    bool new_member_added_ = false;
    // CompletingRebalance and Stable: when members that have not sent SyncGroup are removed.
    std::optional<int64_t> sync_deadline_ms_;

    uint64_t next_persist_id_ = 1;
    std::vector<pending_persist> persists_;
    group_effects effects_;
};

}  // namespace samsa::coordinator
