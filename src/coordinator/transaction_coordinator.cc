#include "coordinator/transaction_coordinator.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "coordinator/checked_spawn.h"
#include "coordinator/offsets_log.h"
#include "runtime/async_event.h"

namespace samsa::coordinator {
namespace {

using protocol::error_code;

// How often the timer looks at the clock; the cleanup intervals are multiples of it.
constexpr auto tick_interval = std::chrono::milliseconds(500);
// Tombstones per expiry pass, so one pass never writes without bound.
constexpr std::size_t max_expired_per_pass = 1000;

storage::topic_partition state_partition(partition_id partition) {
    return {std::string(transaction_state_topic), partition};
}

}  // namespace

struct transaction_coordinator::loaded_partition {
    loaded_partition(partition_id id, asio::any_io_executor executor)
        : id(id), manager(transaction_manager_config{}), loaded(executor) {}

    partition_id id;
    transaction_manager manager;
    bool loading = true;
    // Set when the partition is no longer served here: coroutines still holding it stop.
    bool gone = false;
    runtime::async_event loaded;
};

transaction_coordinator::transaction_coordinator(asio::any_io_executor executor,
                                                 cluster::partition_manager& partitions,
                                                 transaction_marker_writer& markers,
                                                 transaction_coordinator_settings settings)
    : executor_(executor),
      partitions_(partitions),
      markers_(markers),
      settings_(settings),
      timer_(executor) {}

transaction_coordinator::~transaction_coordinator() = default;

void transaction_coordinator::spawn(asio::awaitable<void> work, std::string_view what) {
    spawn_checked(executor_, std::move(work), "transaction coordinator", what);
}

void transaction_coordinator::start() {
    int64_t now_ms = wall_clock_ms();
    next_abort_check_ms_ = now_ms + settings_.abort_timed_out_interval_ms;
    next_expiry_check_ms_ = now_ms + settings_.remove_expired_interval_ms;
    spawn(tick_loop(), "the timer");
    for (const auto& [id, hosted] : partitions_) {
        if (id.topic == transaction_state_topic && !loaded_.contains(id.partition.value())) {
            auto state = std::make_shared<loaded_partition>(id.partition, executor_);
            loaded_.emplace(id.partition.value(), state);
            spawn(load(state), "loading __transaction_state");
        }
    }
}

void transaction_coordinator::stop() {
    stopped_ = true;
    timer_.cancel();
    for (auto& [partition, state] : loaded_) {
        state->gone = true;
        state->loading = false;
        state->loaded.notify_all();
    }
    loaded_.clear();
}

asio::awaitable<result<std::shared_ptr<transaction_coordinator::loaded_partition>, error_code>>
transaction_coordinator::partition_state(partition_id partition) {
    std::shared_ptr<cluster::partition> hosted = partitions_.find(state_partition(partition));
    if (stopped_ || hosted == nullptr || hosted->closed()) {
        co_return failure{error_code::not_coordinator};
    }
    auto found = loaded_.find(partition.value());
    if (found == loaded_.end()) {
        auto state = std::make_shared<loaded_partition>(partition, executor_);
        found = loaded_.emplace(partition.value(), state).first;
        spawn(load(state), "loading __transaction_state");
    }
    std::shared_ptr<loaded_partition> state = found->second;
    while (state->loading) {
        co_await state->loaded.wait();
    }
    if (state->gone) {
        co_return failure{error_code::not_coordinator};
    }
    co_return state;
}

asio::awaitable<void> transaction_coordinator::load(std::shared_ptr<loaded_partition> state) {
    std::shared_ptr<cluster::partition> hosted = partitions_.find(state_partition(state->id));
    if (hosted == nullptr) {
        state->gone = true;
        state->loading = false;
        state->loaded.notify_all();
        loaded_.erase(state->id.value());
        co_return;
    }
    // Every marker this coordinator writes carries the partition's leader epoch, so a
    // coordinator that lost the partition cannot complete a transaction behind a new one.
    transaction_manager manager(transaction_manager_config{
        .coordinator_epoch = hosted->epoch(),
        .transaction_max_timeout_ms = settings_.transaction_max_timeout_ms,
        .transactional_id_expiration_ms = settings_.transactional_id_expiration_ms});
    int64_t skipped = 0;
    offsets_record_visitor visit = [&](const logged_record& record) {
        auto decoded = decode_transaction_log_record(record.key, record.value);
        if (!decoded) {
            ++skipped;
            return;
        }
        manager.replay(decoded.value());
    };
    // __transaction_state holds no transactions of its own.
    transaction_marker_visitor ignore_markers = [](const logged_marker&) {};
    auto read = co_await read_all_records(*hosted, visit, ignore_markers);
    if (state->gone) {
        co_return;
    }
    if (!read) {
        log::warn("cannot load __transaction_state-{}: {}", state->id.value(), read.error());
        state->gone = true;
        state->loading = false;
        state->loaded.notify_all();
        loaded_.erase(state->id.value());
        co_return;
    }
    if (skipped > 0) {
        log::warn("__transaction_state-{}: skipped {} unreadable records", state->id.value(),
                  skipped);
    }
    state->manager = std::move(manager);
    std::vector<transaction_markers> unfinished = state->manager.after_load(wall_clock_ms());
    log::info("loaded __transaction_state-{}: {} transactional ids, {} transactions to complete",
              state->id.value(), state->manager.size(), unfinished.size());
    state->loading = false;
    state->loaded.notify_all();
    for (auto& markers : unfinished) {
        spawn(complete_with_markers(state, std::move(markers)), "completing a transaction");
    }
}

asio::awaitable<write_completion> transaction_coordinator::perform_write(
    std::shared_ptr<loaded_partition> state, transaction_log_write write) {
    std::shared_ptr<cluster::partition> hosted = partitions_.find(state_partition(state->id));
    error_code append_error = error_code::not_coordinator;
    if (hosted != nullptr && !state->gone) {
        std::vector<encoded_offsets_record> records(1);
        records[0].key = std::move(write.record.key);
        records[0].value = std::move(write.record.value);
        auto appended = co_await append_durably(*hosted, records, wall_clock_ms());
        append_error = appended ? error_code::none : appended.error();
    }
    if (state->gone) {
        write_completion lost;
        lost.error = error_code::not_coordinator;
        co_return lost;
    }
    write_completion completion =
        state->manager.write_completed(write.write_id, append_error, wall_clock_ms());
    follow_up(state, completion);
    co_return completion;
}

void transaction_coordinator::follow_up(const std::shared_ptr<loaded_partition>& state,
                                        const write_completion& completion) {
    if (completion.markers) {
        spawn(complete_with_markers(state, *completion.markers), "writing transaction markers");
    }
    if (completion.retry) {
        auto retry = [](transaction_coordinator* self, std::shared_ptr<loaded_partition> held,
                        transaction_log_write write) -> asio::awaitable<void> {
            co_await self->perform_write(std::move(held), std::move(write));
        };
        spawn(retry(this, state, *completion.retry), "retrying a transaction log write");
    }
}

asio::awaitable<void> transaction_coordinator::complete_with_markers(
    std::shared_ptr<loaded_partition> state, transaction_markers markers) {
    while (!state->gone) {
        error_code written = co_await markers_.write_markers(markers);
        if (written == error_code::none || state->gone) {
            break;
        }
        log::debug("markers of transactional id {}: {}; retrying", markers.transactional_id,
                   protocol::error_code_name(written));
        asio::steady_timer backoff(executor_,
                                   std::chrono::milliseconds(settings_.marker_retry_backoff_ms));
        co_await backoff.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    if (state->gone) {
        co_return;
    }
    std::optional<transaction_log_write> complete =
        state->manager.markers_written(markers.transactional_id);
    if (complete) {
        co_await perform_write(state, std::move(*complete));
    }
}

asio::awaitable<init_producer_id_answer> transaction_coordinator::init_producer_id(
    partition_id partition, std::string transactional_id, int32_t timeout_ms,
    std::optional<producer_id_and_epoch> expected, producer_id fresh_producer_id) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return init_producer_id_answer{.error = state.error()};
    }
    init_producer_id_outcome outcome = state.value()->manager.init_producer_id(
        transactional_id, timeout_ms, expected, wall_clock_ms(), fresh_producer_id);
    if (!outcome.write) {
        co_return init_producer_id_answer{
            .error = outcome.error, .pid = outcome.pid, .epoch = outcome.epoch};
    }
    write_completion done = co_await perform_write(state.value(), std::move(*outcome.write));
    co_return init_producer_id_answer{.error = done.error, .pid = done.pid, .epoch = done.epoch};
}

asio::awaitable<error_code> transaction_coordinator::finish(std::shared_ptr<loaded_partition> state,
                                                            transaction_outcome outcome) {
    if (!outcome.write) {
        co_return outcome.error;
    }
    write_completion done = co_await perform_write(std::move(state), std::move(*outcome.write));
    co_return done.error;
}

asio::awaitable<error_code> transaction_coordinator::add_partitions(
    partition_id partition, std::string transactional_id, producer_id pid, producer_epoch epoch,
    transaction_partitions partitions) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return state.error();
    }
    transaction_outcome outcome = state.value()->manager.add_partitions(
        transactional_id, pid, epoch, partitions, wall_clock_ms());
    co_return co_await finish(state.value(), std::move(outcome));
}

asio::awaitable<error_code> transaction_coordinator::add_offsets(
    partition_id partition, std::string transactional_id, producer_id pid, producer_epoch epoch,
    partition_id consumer_offsets_partition) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return state.error();
    }
    transaction_outcome outcome = state.value()->manager.add_offsets(
        transactional_id, pid, epoch, consumer_offsets_partition, wall_clock_ms());
    co_return co_await finish(state.value(), std::move(outcome));
}

asio::awaitable<error_code> transaction_coordinator::end_transaction(partition_id partition,
                                                                     std::string transactional_id,
                                                                     producer_id pid,
                                                                     producer_epoch epoch,
                                                                     transaction_result result) {
    auto state = co_await partition_state(partition);
    if (!state) {
        co_return state.error();
    }
    transaction_outcome outcome = state.value()->manager.end_transaction(
        transactional_id, pid, epoch, result, wall_clock_ms());
    co_return co_await finish(state.value(), std::move(outcome));
}

asio::awaitable<transaction_description> transaction_coordinator::describe(
    partition_id partition, std::string transactional_id) {
    auto state = co_await partition_state(partition);
    if (!state) {
        transaction_description refused;
        refused.transactional_id = transactional_id;
        refused.error = state.error();
        co_return refused;
    }
    std::vector<std::string> ids{transactional_id};
    co_return state.value()->manager.describe(ids).front();
}

transaction_listing transaction_coordinator::list(
    const std::vector<std::string>& state_filters,
    const std::vector<producer_id>& producer_id_filters,
    std::optional<int64_t> min_duration_ms) const {
    transaction_listing all;
    int64_t now_ms = wall_clock_ms();
    for (const auto& [partition, state] : loaded_) {
        if (state->loading || state->gone) {
            continue;
        }
        transaction_listing listed =
            state->manager.list(state_filters, producer_id_filters, min_duration_ms, now_ms);
        all.transactions.insert(all.transactions.end(), listed.transactions.begin(),
                                listed.transactions.end());
    }
    // The filters are checked apart from the partitions: none may be loaded (yet).
    transaction_manager none(transaction_manager_config{});
    all.unknown_state_filters =
        none.list(state_filters, producer_id_filters, min_duration_ms, now_ms)
            .unknown_state_filters;
    return all;
}

asio::awaitable<void> transaction_coordinator::tick_loop() {
    while (!stopped_) {
        timer_.expires_after(tick_interval);
        co_await timer_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (stopped_) {
            break;
        }
        int64_t now_ms = wall_clock_ms();
        bool abort_due = now_ms >= next_abort_check_ms_;
        bool expiry_due = now_ms >= next_expiry_check_ms_;
        if (abort_due) {
            next_abort_check_ms_ = now_ms + settings_.abort_timed_out_interval_ms;
        }
        if (expiry_due) {
            next_expiry_check_ms_ = now_ms + settings_.remove_expired_interval_ms;
        }
        if (!abort_due && !expiry_due) {
            continue;
        }
        for (auto& [partition, state] : loaded_) {
            if (state->loading || state->gone) {
                continue;
            }
            std::vector<transaction_log_write> writes;
            if (abort_due) {
                writes = state->manager.abort_timed_out_transactions(now_ms);
            }
            if (expiry_due) {
                auto expired =
                    state->manager.expire_transactional_ids(now_ms, max_expired_per_pass);
                writes.insert(writes.end(), std::make_move_iterator(expired.begin()),
                              std::make_move_iterator(expired.end()));
            }
            for (auto& write : writes) {
                auto perform = [](transaction_coordinator* self,
                                  std::shared_ptr<loaded_partition> held,
                                  transaction_log_write each) -> asio::awaitable<void> {
                    co_await self->perform_write(std::move(held), std::move(each));
                };
                spawn(perform(this, state, std::move(write)), "a timed transaction log write");
            }
        }
    }
}

}  // namespace samsa::coordinator
