#pragma once

// The group coordinator of one shard: the classic groups, and the committed offsets, of
// the __consumer_offsets partitions this shard hosts. It drives the sans-I/O state
// machines (group.h, offset_store.h) with requests and the clock, writes what they ask to
// __consumer_offsets (offsets_log.h) and answers once it is durable.
//
// A group lives in partition group_partition(group id) (group_partition.h); the server
// sends each request to the shard that owns that partition, so a group is touched only
// on one shard, and nothing here locks.
//
// Loading: start() loads every partition the shard hosts from its log start (Kafka loads
// when it becomes leader), and a partition created later is loaded by its first request.
// Requests wait for the load rather than being answered COORDINATOR_LOAD_IN_PROGRESS; a
// load that fails is forgotten and its requests answered NOT_COORDINATOR (retriable: the
// next request loads again). A partition this shard does not host is NOT_COORDINATOR.
//
// Transactions: TxnOffsetCommit writes a producer's offsets as its transactional batch; the
// transaction coordinator later writes the producer's marker to the same partition and calls
// complete_transaction() here, which commits or drops them (offset_store.h). A load replays
// the markers it reads the same way.
//
// Time: one timer per shard wakes the groups whose deadlines (session timeouts, rebalance
// timeouts, the initial rebalance delay) have passed, forgets groups that are Empty with no
// members, pending members or offsets, and every offsets.retention.check.interval.ms
// expires offsets (offsets.retention.minutes after their commit, for groups without
// members). Bounds: members per group (group.max.size), waiting joins and syncs (at most
// one per member), groups and offsets (what clients create, as in Kafka).

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/partition_manager.h"
#include "coordinator/group.h"
#include "coordinator/group_types.h"
#include "coordinator/offset_and_metadata.h"
#include "coordinator/offset_store.h"
#include "coordinator/offsets_log.h"
#include "coordinator/pending_transactional_offsets.h"
#include "protocol/error_code.h"

namespace samsa::coordinator {

struct coordinator_settings {
    group_config groups;
    int64_t offsets_retention_ms = 7LL * 24 * 60 * 60 * 1000;  // offsets.retention.minutes
    int64_t offsets_retention_check_interval_ms = 600'000;
    int32_t offset_metadata_max_bytes = 4096;  // offset.metadata.max.bytes
};

// One partition's outcome of an OffsetCommit.
struct commit_outcome {
    topic_partition partition;
    protocol::error_code error = protocol::error_code::none;
};

// A TxnOffsetCommit: offsets a transactional producer commits for a group as part of its
// transaction. identity carries v3's generation, member id and group instance id (defaults
// before v3, which the group lets through for transactional commits, as Kafka does).
struct transactional_commit {
    producer_id producer;
    producer_epoch epoch;
    commit_identity identity;
    std::vector<std::pair<topic_partition, offset_and_metadata>> offsets;
};

struct fetch_outcome {
    protocol::error_code error = protocol::error_code::none;
    std::vector<fetched_offset> offsets;
};

struct listed_group {
    std::string group_id;
    std::string protocol_type;
    std::string_view state;
};

struct described_group {
    protocol::error_code error = protocol::error_code::none;
    group_description description;
};

class group_coordinator {
public:
    group_coordinator(asio::any_io_executor executor, cluster::partition_manager& partitions,
                      coordinator_settings settings);
    ~group_coordinator();
    group_coordinator(const group_coordinator&) = delete;
    group_coordinator& operator=(const group_coordinator&) = delete;

    // Starts the shard's timer. Call once, on the shard.
    void start();
    // Cancels the timer and forgets every group; waiting requests are answered
    // NOT_COORDINATOR. Call before the partitions close.
    void stop();

    asio::awaitable<join_response> join_group(partition_id partition, std::string group_id,
                                              join_request request);
    asio::awaitable<sync_response> sync_group(partition_id partition, std::string group_id,
                                              sync_request request);
    asio::awaitable<protocol::error_code> heartbeat(partition_id partition, std::string group_id,
                                                    heartbeat_request request);
    asio::awaitable<leave_response> leave_group(partition_id partition, std::string group_id,
                                                leave_request request);
    asio::awaitable<std::vector<commit_outcome>> commit_offsets(
        partition_id partition, std::string group_id, commit_identity identity,
        std::vector<std::pair<topic_partition, offset_and_metadata>> offsets);
    // TxnOffsetCommit: the group checks the committer as for OffsetCommit, leniently
    // (commit_kind::transactional); the offsets are written as the producer's transactional
    // batch and, once durable, wait for the producer's marker (complete_transaction): until
    // then OffsetFetch does not see them, and with require_stable answers
    // UNSTABLE_OFFSET_COMMIT for their partitions. Per partition: NONE,
    // OFFSET_METADATA_TOO_LARGE, or the error of the check or of the write.
    asio::awaitable<std::vector<commit_outcome>> commit_transactional_offsets(
        partition_id partition, std::string group_id, transactional_commit commit);
    // THE TRANSACTION COORDINATOR'S ENTRY POINT. Call on the shard that owns
    // __consumer_offsets partition `offsets_partition` once the producer's COMMIT or ABORT
    // marker is durable in that partition's log (WriteTxnMarkers, after the append): the
    // producer's pending transactional offsets of every group of the partition become
    // committed (commit; one written later by a plain commit stays) or are dropped (abort).
    // Waits for a load in progress (a load that reads the marker ends them itself; calling
    // again is harmless: a producer with nothing pending is ignored). NONE, or NOT_COORDINATOR
    // when this shard does not host the partition (whoever loads it replays the marker).
    asio::awaitable<protocol::error_code> complete_transaction(partition_id offsets_partition,
                                                               producer_id producer,
                                                               transaction_result result);
    // topics nullopt: every partition the group has committed (OffsetFetch with null topics).
    asio::awaitable<fetch_outcome> fetch_offsets(
        partition_id partition, std::string group_id,
        std::optional<std::vector<topic_partition>> partitions, fetch_stability stability);
    asio::awaitable<described_group> describe_group(partition_id partition, std::string group_id);
    // The groups of every loaded partition of this shard.
    std::vector<listed_group> list_groups() const;
    // DeleteGroups: an Empty group (or one known only by its offsets) and its offsets, with
    // tombstones; NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND when unknown.
    asio::awaitable<protocol::error_code> delete_group(partition_id partition,
                                                       std::string group_id);
    // OffsetDelete: the group's offsets of these partitions, with tombstones. The error is
    // the request's: GROUP_ID_NOT_FOUND, or NON_EMPTY_GROUP while the group has members
    // (Kafka's answer when it cannot tell which topics the members consume).
    asio::awaitable<protocol::error_code> delete_offsets(partition_id partition,
                                                         std::string group_id,
                                                         std::vector<topic_partition> partitions);

private:
    struct loaded_partition;
    struct waiting_request;

    // The loaded state of a hosted partition, loading it first if needed; the error
    // otherwise (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS).
    asio::awaitable<result<loaded_partition*, protocol::error_code>> partition_state(
        partition_id partition);
    asio::awaitable<void> load(partition_id partition);
    // OffsetCommit (writer nullopt) and TxnOffsetCommit: check, write, complete.
    asio::awaitable<std::vector<commit_outcome>> write_commit(
        partition_id partition, std::string group_id, commit_identity identity,
        std::vector<std::pair<topic_partition, offset_and_metadata>> offsets,
        std::optional<transactional_writer> writer);
    template <typename Response, typename Ask>
    asio::awaitable<Response> answer_or_wait(loaded_partition& state, const std::string& group_id,
                                             Ask ask,
                                             std::optional<Response> waiting_request::*slot);
    // The end of a load: what was read becomes the partition's state, or the partition is
    // forgotten when the read failed.
    void install_loaded(partition_id partition, const result<std::monostate, std::string>& read,
                        offset_store offsets,
                        std::map<std::string, protocol::group_metadata_value> groups,
                        int64_t skipped);
    // Delivers what a group asked for after an input: answers to waiting requests, writes.
    void handle_effects(loaded_partition& state, const std::string& group_id);
    asio::awaitable<void> persist(partition_id partition, std::string group_id,
                                  persist_request request);
    asio::awaitable<void> tick_loop();
    void expire_deadlines(int64_t now_ms);
    void forget_idle_groups(loaded_partition& state);
    asio::awaitable<void> expire_offsets(partition_id partition, int64_t now_ms);
    asio::awaitable<protocol::error_code> write_removal(partition_id partition,
                                                        std::vector<encoded_offsets_record> records,
                                                        offset_removal removal);
    // Runs a coroutine of this coordinator on the shard; an exception escaping it is a
    // broken invariant (waiting requests would never be answered): logged, then abort.
    void spawn(asio::awaitable<void> work, std::string_view what);

    asio::any_io_executor executor_;
    cluster::partition_manager& partitions_;
    coordinator_settings settings_;
    std::map<int32_t, std::unique_ptr<loaded_partition>> loaded_;
    std::map<request_token, std::shared_ptr<waiting_request>> waiting_;
    request_token next_token_ = 1;
    asio::steady_timer timer_;
    bool stopped_ = false;
    int64_t next_retention_check_ms_ = 0;
};

}  // namespace samsa::coordinator
