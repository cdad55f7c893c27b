#pragma once

// The committed offsets of the groups of one __consumer_offsets partition (Kafka's
// OffsetMetadataManager, the offsets half of GroupMetadataManager before it).
//
// Ownership: one store per __consumer_offsets partition, owned by the shard that owns that
// partition and used only there.
//
// Sans-I/O: the store never appends. The driver (the group coordinator service) asks it for
// the records of a change, appends them to the partition, and tells it once they are durable;
// OffsetFetch sees nothing before. Completions must be given in the order of the appends, as
// the log replays them: a later record wins.
//
//   OffsetCommit    prepare_commit -> append -> complete_commit (abort_commit if it failed)
//   TxnOffsetCommit prepare_commit -> append as a transactional batch
//                   -> complete_transactional_commit (abort_commit if it failed)
//   marker          complete_transaction, once the producer's COMMIT or ABORT marker is durable
//   OffsetDelete    delete_offsets_records -> append -> remove
//   DeleteGroups    delete_group_records -> append -> remove
//   retention       expire -> append -> remove, for each group it returns
//   load            replay(decoded record, its offset, its batch's producer) for every record
//                   and complete_transaction for every marker of the partition, in log order
//
// Pending commits: between prepare_commit and its completion a partition is pending. Kafka
// does the same (GroupMetadata.pendingOffsetCommits) for two reasons kept here: an OffsetFetch
// with require_stable (v7+) answers UNSTABLE_OFFSET_COMMIT for it, and retention does not
// expire it (the tombstone would land after the new commit and delete it).
//
// Transactional commits: once durable, a TxnOffsetCommit's offsets wait for the producer's
// marker (pending_transactional_offsets.h). Until then they are invisible, and their partitions
// count as pending for require_stable and retention, as in Kafka. On COMMIT each becomes the
// committed offset unless a commit written after it (by record offset) is there already; on
// ABORT they are dropped. A tombstone (OffsetDelete, DeleteGroups) drops them too.
//
// Memory: one entry per (group, topic, partition) committed and not yet deleted or expired,
// Kafka's bound too: groups times the partitions their clients commit. Over time retention
// bounds it (offsets.retention.minutes, 7 days by default), so clients committing for ever
// new group ids grow it until those offsets expire, as in Kafka. Pending commits add one
// counter per partition with an append in flight; the driver bounds appends in flight.
// Transactional offsets add one entry per (producer, group, partition) until their marker.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "coordinator/offset_and_metadata.h"
#include "coordinator/offsets_record.h"
#include "coordinator/pending_transactional_offsets.h"
#include "protocol/error_code.h"

namespace samsa::coordinator {

// Kafka's default offsets.retention.minutes (10080: 7 days), in milliseconds.
inline constexpr int64_t default_offsets_retention_ms = 7 * 24 * 60 * 60 * 1000LL;

// One partition of an OffsetCommit.
struct partition_commit {
    topic_partition partition;
    offset_and_metadata value;
};

enum class fetch_stability : uint8_t {
    any,             // OffsetFetch before v7, or require_stable false
    require_stable,  // a partition with a commit in flight answers UNSTABLE_OFFSET_COMMIT
};

// A partition's answer to OffsetFetch. A partition without a committed offset answers offset
// -1, leader epoch -1, empty metadata and error NONE, as Kafka does.
struct fetched_offset {
    topic_partition partition;
    offset committed_offset = offset(-1);
    leader_epoch committed_leader_epoch = leader_epoch(-1);
    std::string metadata;
    protocol::error_code error = protocol::error_code::none;

    bool operator==(const fetched_offset&) const = default;
};

// Offsets of one group to remove: append the tombstones, then pass this to remove() once they
// are durable.
struct offset_removal {
    std::string group;
    std::vector<topic_partition> partitions;
    std::vector<encoded_offsets_record> records;  // one tombstone per partition, same order
};

// When a group's offsets expire (Kafka's OffsetExpirationCondition). An offset expires once
// offsets_retention_ms have passed since since_ms, or since its own commit timestamp when
// since_ms is nullopt; an offset committed with an explicit expire timestamp (OffsetCommit v1)
// expires at that time instead. Offsets of subscribed_topics never expire.
struct offset_expiration {
    std::optional<int64_t> since_ms;
    std::set<std::string, std::less<>> subscribed_topics;
};

// The rule for one group, from its state (the group state machine owns it), as Kafka's
// ClassicGroup.offsetExpirationCondition decides:
//   - no protocol type (a "simple" group: only commits, never joins; also a group known only
//     by its offsets): {since_ms = nullopt}, each offset from its commit timestamp;
//   - Empty with a protocol type: {since_ms = the time it became Empty, or nullopt if its
//     metadata has no such timestamp (value versions 0-1)};
//   - Stable "consumer" group whose subscriptions are known: {nullopt, subscribed topics};
//   - any other state (members present, rebalancing): nullopt, nothing expires (KIP-211).
using offset_expiration_policy =
    std::function<std::optional<offset_expiration>(const std::string& group)>;

class offset_store {
public:
    // OffsetCommit. The records to append for these commits (OffsetCommitKey v1,
    // OffsetCommitValue v3, or v1 with an expire timestamp); the partitions are pending until
    // complete_commit or abort_commit is called with the same commits. Fails (nothing pending)
    // only with too_long: a group id, topic or metadata an int16 length cannot hold.
    result<std::vector<encoded_offsets_record>, offsets_record_error> prepare_commit(
        const std::string& group, std::span<const partition_commit> commits);
    // The records are durable: the offsets become visible. first_record_offset is the offset
    // of the first record in the log (the others follow it in order); unknown, the commits
    // count as the latest write.
    void complete_commit(const std::string& group, std::span<const partition_commit> commits,
                         std::optional<offset> first_record_offset = std::nullopt);
    // The append failed: the offsets stay as they were. Also for transactional commits.
    void abort_commit(const std::string& group, std::span<const partition_commit> commits);

    // TxnOffsetCommit: the records of prepare_commit were appended as the producer's
    // transactional batch and are durable; the offsets wait for the producer's marker.
    void complete_transactional_commit(const std::string& group, producer_id producer,
                                       std::span<const partition_commit> commits,
                                       std::optional<offset> first_record_offset);
    // The producer's marker is durable (or was read at load): its pending offsets, in every
    // group, become committed (commit) or are dropped (abort). A producer with nothing pending
    // is ignored. Returns how many pending offsets ended.
    std::size_t complete_transaction(producer_id producer, transaction_result result);

    // OffsetFetch for one partition.
    fetched_offset fetch(std::string_view group, const topic_partition& partition,
                         fetch_stability stability) const;
    // The committed partitions of these topics, in (topic, partition) order.
    std::vector<fetched_offset> fetch_topics(std::string_view group,
                                             std::span<const std::string> topics,
                                             fetch_stability stability) const;
    // Every committed partition of the group (OffsetFetch with null topics), in order.
    std::vector<fetched_offset> fetch_all(std::string_view group, fetch_stability stability) const;

    // OffsetDelete: tombstones for those of the partitions that have a committed offset or a
    // pending transactional one (Kafka writes none for the others, and still answers NONE).
    offset_removal delete_offsets_records(const std::string& group,
                                          std::span<const topic_partition> partitions) const;
    // DeleteGroups: tombstones for every offset of the group, committed or pending in a
    // transaction (the group state machine adds the group metadata tombstone).
    offset_removal delete_group_records(const std::string& group) const;
    // The tombstones are durable: the offsets, and the transactional ones pending for those
    // partitions, are gone.
    void remove(const offset_removal& removal);

    // Retention (Kafka's cleanupGroupMetadata): the offsets due to expire at now_ms, one
    // removal per group that has some, in group order. Pending partitions never expire. Once
    // the removals are applied, a group the policy saw as Empty with !has_offsets() is the
    // group state machine's to delete, as Kafka does.
    std::vector<offset_removal> expire(int64_t now_ms, int64_t offsets_retention_ms,
                                       const offset_expiration_policy& policy) const;

    // Replays one record, read from the log at load or known durable: an offset commit sets
    // the partition's offset, its tombstone removes it; group metadata and unknown records
    // are not this store's and are ignored. A record of a transactional batch
    // (transactional_producer set) is pending until that producer's marker (replayed with
    // complete_transaction); a tombstone also drops the pending offsets of its partition.
    void replay(const offsets_record& record, std::optional<offset> record_offset,
                std::optional<producer_id> transactional_producer);
    // replay() of a record outside any transaction, at an unknown offset.
    void apply(const offsets_record& record) { replay(record, std::nullopt, std::nullopt); }

    // The groups with at least one committed or pending transactional offset, in order
    // (ListGroups lists them, Empty, even when the group state machine does not know them).
    std::vector<std::string> groups() const;
    // Kafka's hasOffsets: committed offsets, or transactional ones waiting for their marker.
    bool has_offsets(std::string_view group) const;
    // Committed offsets over all groups.
    std::size_t offset_count() const { return offset_count_; }
    // An append in flight, or a transactional offset waiting for its marker.
    bool is_pending(std::string_view group, const topic_partition& partition) const;
    bool has_pending_transaction(producer_id producer) const {
        return transactional_.has_pending_from(producer);
    }
    std::size_t pending_transactional_count() const { return transactional_.size(); }

private:
    using partition_offsets = std::map<topic_partition, logged_offset>;
    using pending_counts = std::map<topic_partition, int32_t>;

    void set_offset(const std::string& group, const topic_partition& partition,
                    const logged_offset& value);
    // set_offset unless the current offset was written after value.
    void set_offset_if_newer(const std::string& group, const topic_partition& partition,
                             const logged_offset& value);
    void erase_offset(std::string_view group, const topic_partition& partition);
    void release_pending(const std::string& group, std::span<const partition_commit> commits);
    fetched_offset answer(std::string_view group, const topic_partition& partition,
                          const logged_offset* committed, fetch_stability stability) const;
    std::optional<offset_removal> expire_group(const std::string& group,
                                               const partition_offsets& offsets, int64_t now_ms,
                                               int64_t offsets_retention_ms,
                                               const offset_expiration& rule) const;

    std::map<std::string, partition_offsets, std::less<>> offsets_;
    std::map<std::string, pending_counts, std::less<>> pending_;
    pending_transactional_offsets transactional_;
    std::size_t offset_count_ = 0;
};

}  // namespace samsa::coordinator
