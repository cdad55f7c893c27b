#pragma once

// Transactional offset commits (TxnOffsetCommit) written to a __consumer_offsets partition and
// waiting for their transaction's end: Kafka's OffsetMetadataManager.pendingTransactionalOffsets
// and openTransactions (GroupMetadata.pendingTransactionalOffsetCommits before it).
//
// A transactional producer's offsets sit in the partition as a transactional batch carrying its
// producer id. They are invisible to OffsetFetch until the transaction coordinator writes the
// producer's COMMIT marker to the partition, which makes them committed; its ABORT marker drops
// them. A marker ends every pending offset of that producer id in the partition, whatever the
// group: a transaction commits offsets of at most one group per partition in practice, but the
// marker does not say which.
//
// Ownership: one per offset_store (one __consumer_offsets partition), used on its shard only.
// Memory: one entry per (producer id, group, partition) written and not yet ended; a producer
// that never ends its transaction is aborted by the transaction coordinator after
// transaction.timeout.ms, whose marker frees its entries.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "coordinator/offset_and_metadata.h"
#include "coordinator/transaction_result.h"

namespace samsa::coordinator {

// An offset as written to __consumer_offsets. record_offset is where its record sits in the
// partition, so that when transactional and plain commits of one partition mix, the one written
// last wins whatever order they complete in (Kafka compares record offsets for the same reason:
// compaction may otherwise materialize the wrong one). nullopt when unknown (a commit completed
// without it): then the later completion wins.
struct logged_offset {
    offset_and_metadata value;
    std::optional<offset> record_offset;

    bool operator==(const logged_offset&) const = default;
};

// Whether candidate replaces current: written after it, or the order is unknown.
bool written_after(const logged_offset& candidate, const logged_offset& current);

// One pending offset handed back when its transaction ends.
struct ended_offset {
    std::string group;
    topic_partition partition;
    logged_offset value;
};

class pending_transactional_offsets {
public:
    // The producer wrote this offset in its transaction; a later one for the same partition
    // replaces it.
    void add(producer_id producer, const std::string& group, const topic_partition& partition,
             const logged_offset& value);

    // The producer's marker: takes every offset it has pending, in (group, partition) order.
    std::vector<ended_offset> take(producer_id producer);

    // A tombstone for the partition: no transaction's offset for it survives (Kafka drops them
    // so a deleted offset is not brought back by a later commit marker).
    void remove_partition(std::string_view group, const topic_partition& partition);

    bool has_pending(std::string_view group, const topic_partition& partition) const;
    bool has_pending(std::string_view group) const;
    bool has_pending_from(producer_id producer) const;
    // The partitions of the group with a pending offset of any producer, in order.
    std::vector<topic_partition> partitions(std::string_view group) const;
    // The groups with a pending offset, in order.
    std::vector<std::string> groups() const;
    // Pending (producer, group, partition) entries.
    std::size_t size() const { return size_; }

private:
    using partition_values = std::map<topic_partition, logged_offset>;
    using producer_offsets = std::map<std::string, partition_values, std::less<>>;
    using partition_producers = std::map<topic_partition, std::set<int64_t>>;

    void forget_open(std::string_view group, const topic_partition& partition,
                     producer_id producer);

    // Invariants: an (id, group, partition) is in by_producer_ exactly when the id is in
    // open_by_group_[group][partition]; no map holds an empty map or set.
    std::map<int64_t, producer_offsets> by_producer_;
    std::map<std::string, partition_producers, std::less<>> open_by_group_;
    std::size_t size_ = 0;
};

}  // namespace samsa::coordinator
