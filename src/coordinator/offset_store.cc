#include "coordinator/offset_store.h"

#include <limits>
#include <utility>

#include "base/assert.h"

namespace samsa::coordinator {
namespace {

// The tombstone of a stored offset. Its group and topic were encoded (or decoded) in an
// OffsetCommitKey before, so they fit one again.
encoded_offsets_record tombstone(const std::string& group, const topic_partition& partition) {
    auto encoded = encode_offsets_record(
        offset_commit_record{.group = group, .partition = partition, .value = std::nullopt});
    SAMSA_ASSERT(encoded.has_value(), "the tombstone of a stored offset of %s cannot be encoded",
                 group.c_str());
    return std::move(*encoded);
}

void add_to_removal(offset_removal& removal, const topic_partition& partition) {
    removal.partitions.push_back(partition);
    removal.records.push_back(tombstone(removal.group, partition));
}

bool is_expired(const offset_and_metadata& committed, int64_t now_ms, int64_t offsets_retention_ms,
                const offset_expiration& rule) {
    if (committed.expire_timestamp_ms) {
        // Committed with an explicit expiry (OffsetCommit v1): Kafka's old semantics.
        return now_ms >= *committed.expire_timestamp_ms;
    }
    int64_t base_ms = rule.since_ms.value_or(committed.commit_timestamp_ms);
    return now_ms - base_ms >= offsets_retention_ms;
}

// The log offset of the index-th record of a batch whose first record is at first.
std::optional<offset> nth_record_offset(std::optional<offset> first, std::size_t index) {
    if (!first) {
        return std::nullopt;
    }
    return offset(first->value() + static_cast<int64_t>(index));
}

}  // namespace

result<std::vector<encoded_offsets_record>, offsets_record_error> offset_store::prepare_commit(
    const std::string& group, std::span<const partition_commit> commits) {
    std::vector<encoded_offsets_record> records;
    records.reserve(commits.size());
    for (const partition_commit& commit : commits) {
        auto encoded = encode_offsets_record(offset_commit_record{
            .group = group, .partition = commit.partition, .value = commit.value});
        if (!encoded) {
            return failure(encoded.error());
        }
        records.push_back(std::move(*encoded));
    }
    // Marked only once every record could be built, so a failure leaves nothing pending.
    pending_counts& pending = pending_[group];
    for (const partition_commit& commit : commits) {
        ++pending[commit.partition];
    }
    return records;
}

void offset_store::complete_commit(const std::string& group,
                                   std::span<const partition_commit> commits,
                                   std::optional<offset> first_record_offset) {
    release_pending(group, commits);
    for (std::size_t i = 0; i < commits.size(); ++i) {
        // Kafka's onOffsetCommitAppend: a commit written after this one may have completed
        // first; it stays.
        set_offset_if_newer(
            group, commits[i].partition,
            logged_offset{commits[i].value, nth_record_offset(first_record_offset, i)});
    }
}

void offset_store::complete_transactional_commit(const std::string& group, producer_id producer,
                                                 std::span<const partition_commit> commits,
                                                 std::optional<offset> first_record_offset) {
    release_pending(group, commits);
    for (std::size_t i = 0; i < commits.size(); ++i) {
        transactional_.add(
            producer, group, commits[i].partition,
            logged_offset{commits[i].value, nth_record_offset(first_record_offset, i)});
    }
}

std::size_t offset_store::complete_transaction(producer_id producer, transaction_result result) {
    std::vector<ended_offset> ended = transactional_.take(producer);
    if (result == transaction_result::commit) {
        for (const ended_offset& each : ended) {
            set_offset_if_newer(each.group, each.partition, each.value);
        }
    }
    return ended.size();
}

void offset_store::abort_commit(const std::string& group,
                                std::span<const partition_commit> commits) {
    release_pending(group, commits);
}

void offset_store::release_pending(const std::string& group,
                                   std::span<const partition_commit> commits) {
    auto group_pending = pending_.find(group);
    SAMSA_ASSERT(group_pending != pending_.end(), "no commit of %s is pending", group.c_str());
    for (const partition_commit& commit : commits) {
        auto count = group_pending->second.find(commit.partition);
        SAMSA_ASSERT(count != group_pending->second.end(), "no commit of %s to %s-%d is pending",
                     group.c_str(), commit.partition.topic.c_str(),
                     commit.partition.partition.value());
        if (--count->second == 0) {
            group_pending->second.erase(count);
        }
    }
    if (group_pending->second.empty()) {
        pending_.erase(group_pending);
    }
}

fetched_offset offset_store::fetch(std::string_view group, const topic_partition& partition,
                                   fetch_stability stability) const {
    const logged_offset* committed = nullptr;
    if (auto group_offsets = offsets_.find(group); group_offsets != offsets_.end()) {
        if (auto found = group_offsets->second.find(partition);
            found != group_offsets->second.end()) {
            committed = &found->second;
        }
    }
    return answer(group, partition, committed, stability);
}

std::vector<fetched_offset> offset_store::fetch_topics(std::string_view group,
                                                       std::span<const std::string> topics,
                                                       fetch_stability stability) const {
    std::vector<fetched_offset> answers;
    auto group_offsets = offsets_.find(group);
    if (group_offsets == offsets_.end()) {
        return answers;
    }
    const partition_offsets& offsets = group_offsets->second;
    std::set<std::string_view> wanted(topics.begin(), topics.end());
    for (std::string_view topic : wanted) {
        topic_partition first{std::string(topic),
                              partition_id(std::numeric_limits<int32_t>::min())};
        for (auto it = offsets.lower_bound(first); it != offsets.end() && it->first.topic == topic;
             ++it) {
            answers.push_back(answer(group, it->first, &it->second, stability));
        }
    }
    return answers;
}

std::vector<fetched_offset> offset_store::fetch_all(std::string_view group,
                                                    fetch_stability stability) const {
    std::vector<fetched_offset> answers;
    if (auto group_offsets = offsets_.find(group); group_offsets != offsets_.end()) {
        answers.reserve(group_offsets->second.size());
        for (const auto& [partition, committed] : group_offsets->second) {
            answers.push_back(answer(group, partition, &committed, stability));
        }
    }
    return answers;
}

fetched_offset offset_store::answer(std::string_view group, const topic_partition& partition,
                                    const logged_offset* committed,
                                    fetch_stability stability) const {
    fetched_offset fetched{.partition = partition};
    if (stability == fetch_stability::require_stable && is_pending(group, partition)) {
        // Kafka answers -1 with the error rather than the offset being replaced.
        fetched.error = protocol::error_code::unstable_offset_commit;
        return fetched;
    }
    if (committed != nullptr) {
        fetched.committed_offset = committed->value.committed_offset;
        fetched.committed_leader_epoch = committed->value.committed_leader_epoch;
        fetched.metadata = committed->value.metadata;
    }
    return fetched;
}

offset_removal offset_store::delete_offsets_records(
    const std::string& group, std::span<const topic_partition> partitions) const {
    offset_removal removal{.group = group, .partitions = {}, .records = {}};
    auto group_offsets = offsets_.find(group);
    std::set<topic_partition> seen;
    for (const topic_partition& partition : partitions) {
        bool committed =
            group_offsets != offsets_.end() && group_offsets->second.contains(partition);
        if ((committed || transactional_.has_pending(group, partition)) &&
            seen.insert(partition).second) {
            add_to_removal(removal, partition);
        }
    }
    return removal;
}

offset_removal offset_store::delete_group_records(const std::string& group) const {
    offset_removal removal{.group = group, .partitions = {}, .records = {}};
    std::set<topic_partition> partitions;
    if (auto group_offsets = offsets_.find(group); group_offsets != offsets_.end()) {
        for (const auto& [partition, committed] : group_offsets->second) {
            partitions.insert(partition);
        }
    }
    // Kafka's deleteAllOffsets: one tombstone per partition, also for those with only a
    // pending transactional offset.
    for (topic_partition& partition : transactional_.partitions(group)) {
        partitions.insert(std::move(partition));
    }
    for (const topic_partition& partition : partitions) {
        add_to_removal(removal, partition);
    }
    return removal;
}

void offset_store::remove(const offset_removal& removal) {
    for (const topic_partition& partition : removal.partitions) {
        erase_offset(removal.group, partition);
        transactional_.remove_partition(removal.group, partition);
    }
}

std::vector<offset_removal> offset_store::expire(int64_t now_ms, int64_t offsets_retention_ms,
                                                 const offset_expiration_policy& policy) const {
    std::vector<offset_removal> removals;
    for (const auto& [group, offsets] : offsets_) {
        std::optional<offset_expiration> rule = policy(group);
        if (!rule) {
            continue;
        }
        if (auto removal = expire_group(group, offsets, now_ms, offsets_retention_ms, *rule)) {
            removals.push_back(std::move(*removal));
        }
    }
    return removals;
}

std::optional<offset_removal> offset_store::expire_group(const std::string& group,
                                                         const partition_offsets& offsets,
                                                         int64_t now_ms,
                                                         int64_t offsets_retention_ms,
                                                         const offset_expiration& rule) const {
    offset_removal removal{.group = group, .partitions = {}, .records = {}};
    for (const auto& [partition, committed] : offsets) {
        if (rule.subscribed_topics.contains(partition.topic) || is_pending(group, partition)) {
            continue;
        }
        if (is_expired(committed.value, now_ms, offsets_retention_ms, rule)) {
            add_to_removal(removal, partition);
        }
    }
    if (removal.partitions.empty()) {
        return std::nullopt;
    }
    return removal;
}

void offset_store::replay(const offsets_record& record, std::optional<offset> record_offset,
                          std::optional<producer_id> transactional_producer) {
    const auto* commit = std::get_if<offset_commit_record>(&record);
    if (commit == nullptr) {
        return;
    }
    if (!commit->value) {
        // Kafka's replay: a tombstone, transactional or not, ends the committed offset and
        // every pending one of the partition.
        erase_offset(commit->group, commit->partition);
        transactional_.remove_partition(commit->group, commit->partition);
        return;
    }
    logged_offset value{*commit->value, record_offset};
    if (transactional_producer) {
        transactional_.add(*transactional_producer, commit->group, commit->partition, value);
    } else {
        // The log's order is the order of the writes: the record read last wins.
        set_offset(commit->group, commit->partition, value);
    }
}

std::vector<std::string> offset_store::groups() const {
    std::set<std::string, std::less<>> names;
    for (const auto& [group, offsets] : offsets_) {
        names.insert(group);
    }
    for (std::string& group : transactional_.groups()) {
        names.insert(std::move(group));
    }
    return {names.begin(), names.end()};
}

bool offset_store::has_offsets(std::string_view group) const {
    return offsets_.contains(group) || transactional_.has_pending(group);
}

bool offset_store::is_pending(std::string_view group, const topic_partition& partition) const {
    auto group_pending = pending_.find(group);
    if (group_pending != pending_.end() && group_pending->second.contains(partition)) {
        return true;
    }
    return transactional_.has_pending(group, partition);
}

void offset_store::set_offset_if_newer(const std::string& group, const topic_partition& partition,
                                       const logged_offset& value) {
    if (auto group_offsets = offsets_.find(group); group_offsets != offsets_.end()) {
        auto current = group_offsets->second.find(partition);
        if (current != group_offsets->second.end() && !written_after(value, current->second)) {
            return;
        }
    }
    set_offset(group, partition, value);
}

void offset_store::set_offset(const std::string& group, const topic_partition& partition,
                              const logged_offset& value) {
    bool inserted = offsets_[group].insert_or_assign(partition, value).second;
    if (inserted) {
        ++offset_count_;
    }
}

void offset_store::erase_offset(std::string_view group, const topic_partition& partition) {
    // Invariant: a group is in offsets_ only while it has at least one offset.
    auto group_offsets = offsets_.find(group);
    if (group_offsets == offsets_.end() || group_offsets->second.erase(partition) == 0) {
        return;
    }
    --offset_count_;
    if (group_offsets->second.empty()) {
        offsets_.erase(group_offsets);
    }
}

}  // namespace samsa::coordinator
