// The group coordinator's offset commits: OffsetCommit, TxnOffsetCommit, and the end of a
// transaction's offsets when its marker is written (group_coordinator.h).

#include <utility>

#include "base/clock.h"
#include "base/log.h"
#include "coordinator/group_coordinator.h"
#include "coordinator/group_coordinator_partition.h"
#include "coordinator/offsets_log.h"

namespace samsa::coordinator {

using protocol::error_code;

asio::awaitable<std::vector<commit_outcome>> group_coordinator::commit_offsets(
    partition_id partition, std::string group_id, commit_identity identity,
    std::vector<std::pair<topic_partition, offset_and_metadata>> offsets) {
    // Named, then moved: g++ 12 and prvalue arguments of co_await (see common rules).
    std::optional<transactional_writer> plain;
    co_return co_await write_commit(partition, std::move(group_id), std::move(identity),
                                    std::move(offsets), plain);
}

asio::awaitable<std::vector<commit_outcome>> group_coordinator::commit_transactional_offsets(
    partition_id partition, std::string group_id, transactional_commit request) {
    std::optional<transactional_writer> writer =
        transactional_writer{.producer = request.producer, .epoch = request.epoch};
    co_return co_await write_commit(partition, std::move(group_id), std::move(request.identity),
                                    std::move(request.offsets), writer);
}

asio::awaitable<std::vector<commit_outcome>> group_coordinator::write_commit(
    partition_id partition, std::string group_id, commit_identity identity,
    std::vector<std::pair<topic_partition, offset_and_metadata>> offsets,
    std::optional<transactional_writer> writer) {
    std::vector<commit_outcome> outcomes;
    auto refuse_all = [&](error_code error) {
        for (const auto& [id, value] : offsets) {
            outcomes.push_back({.partition = id, .error = error});
        }
        return outcomes;
    };
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return refuse_all(state.error());
    }
    int64_t now_ms = wall_clock_ms();
    commit_kind kind = writer ? commit_kind::transactional : commit_kind::plain;
    auto found = state.value()->groups.find(group_id);
    if (found != state.value()->groups.end()) {
        error_code allowed = found->second->validate_offset_commit(identity, kind, now_ms);
        if (allowed != error_code::none) {
            co_return refuse_all(allowed);
        }
    } else if (identity.generation_id >= 0) {
        // Kafka: a generation for a group that does not exist cannot be right.
        co_return refuse_all(error_code::illegal_generation);
    }
    std::vector<partition_commit> commits;
    for (auto& [id, value] : offsets) {
        if (static_cast<int64_t>(value.metadata.size()) > settings_.offset_metadata_max_bytes) {
            outcomes.push_back({.partition = id, .error = error_code::offset_metadata_too_large});
            continue;
        }
        commits.push_back({.partition = id, .value = std::move(value)});
    }
    if (commits.empty()) {
        co_return outcomes;
    }
    auto records = state.value()->offsets.prepare_commit(group_id, commits);
    if (!records) {
        for (const auto& commit : commits) {
            outcomes.push_back(
                {.partition = commit.partition, .error = error_code::offset_metadata_too_large});
        }
        co_return outcomes;
    }
    std::shared_ptr<cluster::partition> hosted = partitions_.find(offsets_partition(partition));
    error_code written = error_code::not_coordinator;
    std::optional<offset> first_record_offset;
    if (hosted != nullptr) {
        auto appended = co_await append_durably(*hosted, records.value(), now_ms, writer);
        written = appended ? error_code::none : appended.error();
        if (appended) {
            first_record_offset = appended.value();
        }
    }
    auto still = loaded_.find(partition.value());
    if (still != loaded_.end()) {
        offset_store& store = still->second->offsets;
        if (written != error_code::none) {
            store.abort_commit(group_id, commits);
        } else if (writer) {
            store.complete_transactional_commit(group_id, writer->producer, commits,
                                                first_record_offset);
        } else {
            store.complete_commit(group_id, commits, first_record_offset);
        }
    }
    for (const auto& commit : commits) {
        outcomes.push_back({.partition = commit.partition, .error = written});
    }
    co_return outcomes;
}

asio::awaitable<error_code> group_coordinator::complete_transaction(partition_id partition,
                                                                    producer_id producer,
                                                                    transaction_result result) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return state.error();
    }
    std::size_t ended = state.value()->offsets.complete_transaction(producer, result);
    if (ended > 0) {
        log::debug("__consumer_offsets-{}: {} {} transactional offsets of producer {}",
                   partition.value(),
                   result == transaction_result::commit ? "committed" : "aborted", ended,
                   producer.value());
    }
    co_return error_code::none;
}

}  // namespace samsa::coordinator
