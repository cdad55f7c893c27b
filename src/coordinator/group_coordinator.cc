#include "coordinator/group_coordinator.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <random>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "cluster/topic_name.h"
#include "coordinator/checked_spawn.h"
#include "coordinator/group_coordinator_partition.h"
#include "coordinator/offsets_log.h"
#include "runtime/async_event.h"

namespace samsa::coordinator {
namespace {

using protocol::error_code;

// How often the shard looks for expired sessions and rebalance deadlines. Kafka's timers
// fire on time; a tick bounds the work to one pass over the groups, and 100 ms is well
// inside the smallest session timeout (group.min.session.timeout.ms, 6 s).
constexpr auto tick_interval = std::chrono::milliseconds(100);

}  // namespace

// A JoinGroup or SyncGroup whose answer comes later, from the group's effects.
struct group_coordinator::waiting_request {
    explicit waiting_request(const asio::any_io_executor& executor) : answered(executor) {}

    std::optional<join_response> join;
    std::optional<sync_response> sync;
    runtime::async_event answered;
};

group_coordinator::group_coordinator(asio::any_io_executor executor,
                                     cluster::partition_manager& partitions,
                                     coordinator_settings settings)
    : executor_(executor),
      partitions_(partitions),
      settings_(std::move(settings)),
      timer_(executor) {}

group_coordinator::~group_coordinator() = default;

void group_coordinator::spawn(asio::awaitable<void> work, std::string_view what) {
    spawn_checked(executor_, std::move(work), "group coordinator", what);
}

void group_coordinator::start() {
    next_retention_check_ms_ = wall_clock_ms() + settings_.offsets_retention_check_interval_ms;
    spawn(tick_loop(), "the timer");
    // The partitions found on disk are loaded now, so ListGroups sees their groups.
    for (const auto& [id, hosted] : partitions_) {
        if (id.topic == cluster::consumer_offsets_topic &&
            !loaded_.contains(id.partition.value())) {
            loaded_.emplace(id.partition.value(),
                            std::make_unique<loaded_partition>(id.partition, executor_));
            spawn(load(id.partition), "loading __consumer_offsets");
        }
    }
}

void group_coordinator::stop() {
    stopped_ = true;
    timer_.cancel();
    int64_t now_ms = wall_clock_ms();
    for (auto& [partition, state] : loaded_) {
        for (auto& [group_id, each] : state->groups) {
            each->unload(now_ms);
            handle_effects(*state, group_id);
        }
        state->loading = false;
        state->loaded.notify_all();
    }
    loaded_.clear();
}

asio::awaitable<result<group_coordinator::loaded_partition*, error_code>>
group_coordinator::partition_state(partition_id partition) {
    std::shared_ptr<cluster::partition> hosted = partitions_.find(offsets_partition(partition));
    if (stopped_ || hosted == nullptr || hosted->closed()) {
        co_return failure{error_code::not_coordinator};
    }
    auto found = loaded_.find(partition.value());
    if (found == loaded_.end()) {
        found = loaded_
                    .emplace(partition.value(),
                             std::make_unique<loaded_partition>(partition, executor_))
                    .first;
        spawn(load(partition), "loading __consumer_offsets");
    }
    // Requests wait for the load (Kafka answers COORDINATOR_LOAD_IN_PROGRESS and lets the
    // client retry; waiting answers the same request sooner).
    while (true) {
        found = loaded_.find(partition.value());
        if (found == loaded_.end() || stopped_) {
            co_return failure{error_code::not_coordinator};
        }
        if (!found->second->loading) {
            co_return found->second.get();
        }
        co_await found->second->loaded.wait();
    }
}

asio::awaitable<void> group_coordinator::load(partition_id partition) {
    std::shared_ptr<cluster::partition> hosted = partitions_.find(offsets_partition(partition));
    // Read into locals: the partition's entry may be erased (stop) while the read waits.
    offset_store offsets;
    std::map<std::string, protocol::group_metadata_value> groups;
    int64_t skipped = 0;
    offsets_record_visitor visit = [&](const logged_record& record) {
        auto decoded = decode_offsets_record(record.key, record.value);
        if (!decoded) {
            ++skipped;
            return;
        }
        if (const auto* metadata = std::get_if<group_metadata_record>(&decoded.value())) {
            if (metadata->value) {
                groups[metadata->group] = *metadata->value;
            } else {
                groups.erase(metadata->group);
            }
            return;
        }
        offsets.replay(decoded.value(), record.record_offset, record.transactional_producer);
    };
    // Transactional offsets read before their marker become committed or are dropped here;
    // those whose marker is not written yet stay pending (complete_transaction ends them).
    transaction_marker_visitor visit_marker = [&](const logged_marker& marker) {
        offsets.complete_transaction(marker.producer, marker.committed ? transaction_result::commit
                                                                       : transaction_result::abort);
    };
    result<std::monostate, std::string> read = failure{std::string("not hosted")};
    if (hosted != nullptr) {
        read = co_await read_all_records(*hosted, visit, visit_marker);
    }
    install_loaded(partition, read, std::move(offsets), std::move(groups), skipped);
}

// Apart from load(): g++ 12 warns falsely (mismatched-new-delete) on the larger frame.
void group_coordinator::install_loaded(partition_id partition,
                                       const result<std::monostate, std::string>& read,
                                       offset_store offsets,
                                       std::map<std::string, protocol::group_metadata_value> groups,
                                       int64_t skipped) {
    auto entry = loaded_.find(partition.value());
    if (entry == loaded_.end()) {
        return;  // stopped meanwhile
    }
    if (!read) {
        // Serving what was read would answer -1 for offsets that exist: forget the
        // partition; its waiting requests get NOT_COORDINATOR and the next one loads again.
        log::error("loading __consumer_offsets-{}: {}", partition.value(), read.error());
        std::unique_ptr<loaded_partition> failed = std::move(entry->second);
        loaded_.erase(entry);
        failed->loaded.notify_all();
        return;
    }
    if (skipped > 0) {
        log::warn("loading __consumer_offsets-{}: skipped {} unreadable records", partition.value(),
                  skipped);
    }
    loaded_partition& state = *entry->second;
    state.offsets = std::move(offsets);
    int64_t now_ms = wall_clock_ms();
    for (auto& [group_id, value] : groups) {
        auto made = group::load(group_id, value, settings_.groups,
                                random_member_id_suffixes(std::random_device{}()), now_ms);
        if (!made) {
            log::warn("group {} of __consumer_offsets-{} cannot be loaded", group_id,
                      partition.value());
            continue;
        }
        state.groups.emplace(group_id, std::make_unique<group>(std::move(made).value()));
    }
    log::info("loaded __consumer_offsets-{}: {} groups, {} with offsets", partition.value(),
              state.groups.size(), state.offsets.groups().size());
    state.loading = false;
    state.loaded.notify_all();
}

void group_coordinator::handle_effects(loaded_partition& state, const std::string& group_id) {
    auto found = state.groups.find(group_id);
    if (found == state.groups.end()) {
        return;
    }
    group_effects effects = found->second->take_effects();
    auto deliver = [this](auto& completions, auto slot) {
        for (auto& completion : completions) {
            auto waiter = waiting_.find(completion.token);
            if (waiter != waiting_.end()) {
                (*waiter->second).*slot = std::move(completion.response);
                waiter->second->answered.notify_all();
                waiting_.erase(waiter);
            }
        }
    };
    deliver(effects.joins, &waiting_request::join);
    deliver(effects.syncs, &waiting_request::sync);
    for (auto& request : effects.persists) {
        spawn(persist(state.id, group_id, std::move(request)), "writing group metadata");
    }
}

asio::awaitable<void> group_coordinator::persist(partition_id partition, std::string group_id,
                                                 persist_request request) {
    error_code error = error_code::not_coordinator;
    std::shared_ptr<cluster::partition> hosted = partitions_.find(offsets_partition(partition));
    auto encoded =
        encode_offsets_record(group_metadata_record{.group = group_id, .value = request.value});
    if (!encoded) {
        error = error_code::unknown_server_error;
    } else if (hosted != nullptr) {
        std::vector<encoded_offsets_record> records{std::move(encoded).value()};
        auto appended = co_await append_durably(*hosted, records, wall_clock_ms());
        error = appended ? error_code::none : appended.error();
    }
    auto state = loaded_.find(partition.value());
    if (state == loaded_.end()) {
        co_return;
    }
    auto found = state->second->groups.find(group_id);
    if (found == state->second->groups.end()) {
        co_return;
    }
    found->second->on_persisted(request.persist_id, error, wall_clock_ms());
    handle_effects(*state->second, group_id);
}

// A JoinGroup or SyncGroup: ask(token) puts the request to the group, which answers at once
// or later through its effects (handle_effects fills the waiter's slot).
template <typename Response, typename Ask>
asio::awaitable<Response> group_coordinator::answer_or_wait(
    loaded_partition& state, const std::string& group_id, Ask ask,
    std::optional<Response> waiting_request::*slot) {
    request_token token = next_token_++;
    auto waiter = std::make_shared<waiting_request>(executor_);
    waiting_.emplace(token, waiter);
    std::optional<Response> answer = ask(token);
    if (answer) {
        waiting_.erase(token);
    }
    handle_effects(state, group_id);
    if (answer) {
        co_return std::move(*answer);
    }
    while (!((*waiter).*slot)) {
        co_await waiter->answered.wait();
    }
    co_return std::move(*((*waiter).*slot));
}

asio::awaitable<join_response> group_coordinator::join_group(partition_id partition,
                                                             std::string group_id,
                                                             join_request request) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return join_response::failed(request.member_id, state.error());
    }
    int64_t now_ms = wall_clock_ms();
    auto found = state.value()->groups.find(group_id);
    if (found == state.value()->groups.end()) {
        if (!request.member_id.empty()) {
            // Kafka: a member id for a group that does not exist is unknown.
            co_return join_response::failed(request.member_id, error_code::unknown_member_id);
        }
        auto made = std::make_unique<group>(
            group_id, settings_.groups, random_member_id_suffixes(std::random_device{}()), now_ms);
        found = state.value()->groups.emplace(group_id, std::move(made)).first;
    }
    group& joined = *found->second;
    auto ask = [&joined, &request, now_ms](request_token token) {
        return joined.join(token, std::move(request), now_ms);
    };
    co_return co_await answer_or_wait<join_response>(*state.value(), group_id, ask,
                                                     &waiting_request::join);
}

asio::awaitable<sync_response> group_coordinator::sync_group(partition_id partition,
                                                             std::string group_id,
                                                             sync_request request) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return sync_response::failed(state.error());
    }
    auto found = state.value()->groups.find(group_id);
    if (found == state.value()->groups.end()) {
        co_return sync_response::failed(error_code::unknown_member_id);
    }
    group& syncing = *found->second;
    auto ask = [&syncing, &request](request_token token) {
        return syncing.sync(token, std::move(request), wall_clock_ms());
    };
    co_return co_await answer_or_wait<sync_response>(*state.value(), group_id, ask,
                                                     &waiting_request::sync);
}

asio::awaitable<error_code> group_coordinator::heartbeat(partition_id partition,
                                                         std::string group_id,
                                                         heartbeat_request request) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return state.error();
    }
    auto found = state.value()->groups.find(group_id);
    if (found == state.value()->groups.end()) {
        co_return error_code::unknown_member_id;
    }
    error_code error = found->second->heartbeat(request, wall_clock_ms());
    handle_effects(*state.value(), group_id);
    co_return error;
}

asio::awaitable<leave_response> group_coordinator::leave_group(partition_id partition,
                                                               std::string group_id,
                                                               leave_request request) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return leave_response{.error = state.error()};
    }
    auto found = state.value()->groups.find(group_id);
    if (found == state.value()->groups.end()) {
        // Kafka: every member named is unknown.
        leave_response response;
        for (auto& member : request.members) {
            response.members.push_back({.member_id = std::move(member.member_id),
                                        .group_instance_id = std::move(member.group_instance_id),
                                        .error = error_code::unknown_member_id});
        }
        co_return response;
    }
    leave_response response = found->second->leave(request, wall_clock_ms());
    handle_effects(*state.value(), group_id);
    co_return response;
}

asio::awaitable<fetch_outcome> group_coordinator::fetch_offsets(
    partition_id partition, std::string group_id,
    std::optional<std::vector<topic_partition>> partitions, fetch_stability stability) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return fetch_outcome{.error = state.error()};
    }
    const offset_store& store = state.value()->offsets;
    fetch_outcome outcome;
    if (!partitions) {
        outcome.offsets = store.fetch_all(group_id, stability);
        co_return outcome;
    }
    for (const auto& each : *partitions) {
        outcome.offsets.push_back(store.fetch(group_id, each, stability));
    }
    co_return outcome;
}

asio::awaitable<described_group> group_coordinator::describe_group(partition_id partition,
                                                                   std::string group_id) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return described_group{.error = state.error(),
                                  .description = {.state = group_state_name(group_state::dead)}};
    }
    auto found = state.value()->groups.find(group_id);
    if (found != state.value()->groups.end()) {
        co_return described_group{.description = found->second->describe()};
    }
    // Kafka: a group known only by its offsets is Empty; one not known at all is Dead.
    bool has_offsets = state.value()->offsets.has_offsets(group_id);
    co_return described_group{
        .description = {
            .state = group_state_name(has_offsets ? group_state::empty : group_state::dead)}};
}

std::vector<listed_group> group_coordinator::list_groups() const {
    std::vector<listed_group> listed;
    for (const auto& [partition, state] : loaded_) {
        if (state->loading) {
            continue;
        }
        for (const auto& [group_id, each] : state->groups) {
            if (each->state() == group_state::dead) {
                continue;
            }
            listed.push_back({.group_id = group_id,
                              .protocol_type = each->protocol_type().value_or(""),
                              .state = group_state_name(each->state())});
        }
        for (const auto& group_id : state->offsets.groups()) {
            if (state->groups.find(group_id) == state->groups.end()) {
                listed.push_back({.group_id = group_id,
                                  .protocol_type = "",
                                  .state = group_state_name(group_state::empty)});
            }
        }
    }
    return listed;
}

asio::awaitable<error_code> group_coordinator::delete_group(partition_id partition,
                                                            std::string group_id) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return state.error();
    }
    auto found = state.value()->groups.find(group_id);
    if (found != state.value()->groups.end()) {
        error_code deletable = found->second->delete_group(wall_clock_ms());
        if (deletable != error_code::none) {
            co_return deletable;
        }
    } else if (!state.value()->offsets.has_offsets(group_id)) {
        co_return error_code::group_id_not_found;
    }
    offset_removal removal = state.value()->offsets.delete_group_records(group_id);
    std::vector<encoded_offsets_record> records = removal.records;
    auto tombstone = encode_offsets_record(group_metadata_record{.group = group_id});
    if (tombstone) {
        records.push_back(std::move(tombstone).value());
    }
    // The group is Dead from here on; a retry after a failed write finds it gone.
    state.value()->groups.erase(group_id);
    co_return co_await write_removal(partition, std::move(records), std::move(removal));
}

asio::awaitable<error_code> group_coordinator::delete_offsets(
    partition_id partition, std::string group_id, std::vector<topic_partition> partitions) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return state.error();
    }
    auto found = state.value()->groups.find(group_id);
    if (found != state.value()->groups.end()) {
        if (found->second->state() == group_state::dead) {
            co_return error_code::group_id_not_found;
        }
        if (found->second->member_count() > 0) {
            co_return error_code::non_empty_group;
        }
    } else if (!state.value()->offsets.has_offsets(group_id)) {
        co_return error_code::group_id_not_found;
    }
    offset_removal removal = state.value()->offsets.delete_offsets_records(group_id, partitions);
    std::vector<encoded_offsets_record> records = removal.records;
    co_return co_await write_removal(partition, std::move(records), std::move(removal));
}

// Appends the tombstones, then removes the offsets from the store once they are durable.
asio::awaitable<error_code> group_coordinator::write_removal(
    partition_id partition, std::vector<encoded_offsets_record> records, offset_removal removal) {
    std::shared_ptr<cluster::partition> hosted = partitions_.find(offsets_partition(partition));
    if (hosted == nullptr) {
        co_return error_code::not_coordinator;
    }
    auto written = co_await append_durably(*hosted, records, wall_clock_ms());
    if (!written) {
        co_return written.error();
    }
    auto still = loaded_.find(partition.value());
    if (still != loaded_.end()) {
        still->second->offsets.remove(removal);
    }
    co_return error_code::none;
}

asio::awaitable<void> group_coordinator::tick_loop() {
    while (!stopped_) {
        timer_.expires_after(tick_interval);
        co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (stopped_) {
            break;
        }
        expire_deadlines(wall_clock_ms());
    }
}

void group_coordinator::expire_deadlines(int64_t now_ms) {
    bool check_retention = now_ms >= next_retention_check_ms_;
    if (check_retention) {
        next_retention_check_ms_ = now_ms + settings_.offsets_retention_check_interval_ms;
    }
    for (auto& [partition, state] : loaded_) {
        if (state->loading) {
            continue;
        }
        for (auto& [group_id, each] : state->groups) {
            std::optional<int64_t> deadline = each->next_deadline_ms();
            if (deadline && *deadline <= now_ms) {
                each->expire(now_ms);
                handle_effects(*state, group_id);
            }
        }
        forget_idle_groups(*state);
        if (check_retention) {
            spawn(expire_offsets(partition_id(partition), now_ms), "expiring offsets");
        }
    }
}

// An Empty group with nobody in it (no members, none pending, no deadline) and no offsets
// holds nothing worth keeping: a JoinGroup that was refused leaves one behind. Its metadata,
// if it was ever written, says Empty, so reloading it would make the same group.
void group_coordinator::forget_idle_groups(loaded_partition& state) {
    std::erase_if(state.groups, [&state](const auto& entry) {
        const group& each = *entry.second;
        return each.state() == group_state::empty && each.member_count() == 0 &&
               !each.next_deadline_ms() && !state.offsets.has_offsets(entry.first);
    });
}

// Kafka's cleanupGroupMetadata, for offsets: an offset of a group without members expires
// offsets.retention.minutes after its commit (an explicit expiry of OffsetCommit v2-4 wins);
// groups with members keep theirs (KIP-211).
asio::awaitable<void> group_coordinator::expire_offsets(partition_id partition, int64_t now_ms) {
    auto entry = loaded_.find(partition.value());
    std::shared_ptr<cluster::partition> hosted = partitions_.find(offsets_partition(partition));
    if (entry == loaded_.end() || hosted == nullptr) {
        co_return;
    }
    loaded_partition& state = *entry->second;
    offset_expiration_policy policy =
        [&state](const std::string& group_id) -> std::optional<offset_expiration> {
        auto found = state.groups.find(group_id);
        if (found == state.groups.end() || found->second->state() == group_state::empty) {
            return offset_expiration{};
        }
        return std::nullopt;
    };
    std::vector<offset_removal> removals =
        state.offsets.expire(now_ms, settings_.offsets_retention_ms, policy);
    for (const offset_removal& removal : removals) {
        auto written = co_await append_durably(*hosted, removal.records, now_ms);
        auto still = loaded_.find(partition.value());
        if (!written || still == loaded_.end()) {
            co_return;
        }
        still->second->offsets.remove(removal);
        log::info("expired {} offsets of group {}", removal.partitions.size(), removal.group);
    }
}

}  // namespace samsa::coordinator
