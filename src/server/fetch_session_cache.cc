#include "server/fetch_session_cache.h"

#include <algorithm>
#include <limits>
#include <list>
#include <string_view>
#include <tuple>
#include <utility>

#include "base/assert.h"

namespace samsa::server {

namespace {

using protocol::error_code;

// Kafka's FetchMetadata: session id 0 is "no session"; epoch 0 asks for a new session and
// epoch -1 for none (closing the named one); an open session expects 1, 2, ... wrapping
// from INT32_MAX to 1.
constexpr int32_t no_session_id = 0;
constexpr int32_t initial_epoch = 0;
constexpr int32_t final_epoch = -1;

constexpr int16_t first_session_version = 7;
constexpr int16_t first_topic_id_version = 13;
constexpr int16_t first_replica_state_version = 15;

int32_t next_epoch(int32_t epoch) {
    if (epoch < 0) {
        return final_epoch;
    }
    return epoch == std::numeric_limits<int32_t>::max() ? 1 : epoch + 1;
}

// A partition's identity within a session: (topic id, partition) when the session names
// topics by id, (name, partition) otherwise; the unused half is empty. The name is a view
// of a string that outlives the key (a cached_partition's, or the request's).
struct partition_key {
    topic_id id;
    std::string_view topic;
    partition_id partition;

    bool operator==(const partition_key&) const = default;
};

struct partition_key_hash {
    std::size_t operator()(const partition_key& key) const noexcept {
        std::size_t hash = std::hash<topic_id>{}(key.id);
        hash = hash * 31 + std::hash<std::string_view>{}(key.topic);
        return hash * 31 + std::hash<partition_id>{}(key.partition);
    }
};

partition_key key_of(topic_naming naming, const topic_id& id, std::string_view topic,
                     partition_id partition) {
    if (naming == topic_naming::by_id) {
        return partition_key{id, {}, partition};
    }
    return partition_key{topic_id(), topic, partition};
}

// One partition of a session (Kafka's CachedPartition): what the fetcher last asked for,
// and what the last response told it, to decide what the next response must list.
struct cached_partition {
    topic_id id;        // by_id sessions
    std::string topic;  // by_name sessions; empty in by_id ones (names are resolved per fetch)
    partition_id partition;

    offset fetch_offset;
    int32_t partition_max_bytes;
    leader_epoch current_leader_epoch;
    leader_epoch last_fetched_epoch;
    offset fetcher_log_start_offset;

    // -1 until a response carried them; an error resets the high watermark to -1 so that
    // the partition is listed again once the error clears.
    offset high_watermark{-1};
    offset last_stable_offset{-1};
    offset local_log_start_offset{-1};

    void update_request(const fetch_target& target) {
        fetch_offset = target.fetch_offset;
        partition_max_bytes = target.partition_max_bytes;
        current_leader_epoch = target.current_leader_epoch;
        last_fetched_epoch = target.last_fetched_epoch;
        fetcher_log_start_offset = target.log_start_offset;
    }

    // Kafka's maybeUpdateResponseData, also tracking the last stable offset.
    bool must_list(const fetched_partition& result) {
        bool must =
            result.has_records || result.has_diverging_epoch || result.has_preferred_read_replica;
        if (high_watermark != result.high_watermark) {
            high_watermark = result.high_watermark;
            must = true;
        }
        if (last_stable_offset != result.last_stable_offset) {
            last_stable_offset = result.last_stable_offset;
            must = true;
        }
        if (local_log_start_offset != result.log_start_offset) {
            local_log_start_offset = result.log_start_offset;
            must = true;
        }
        if (result.error != error_code::none) {
            high_watermark = offset(-1);
            must = true;
        }
        return must;
    }
};

}  // namespace

// A fetch session (Kafka's FetchSession). Invariant: index holds exactly one entry per
// element of partitions, keyed by that element's key; keys view the elements' names, which
// std::list never moves.
class fetch_session {
public:
    using partition_list = std::list<cached_partition>;

    fetch_session(int32_t id, fetcher_kind fetcher, topic_naming naming, int64_t now_ms)
        : id(id),
          epoch(next_epoch(initial_epoch)),
          fetcher(fetcher),
          naming(naming),
          created_ms(now_ms),
          last_used_ms(now_ms) {}

    partition_key key_of(const cached_partition& partition) const {
        return server::key_of(naming, partition.id, partition.topic, partition.partition);
    }
    partition_key key_of(const fetch_target& target) const {
        return server::key_of(naming, target.id, target.topic, target.partition);
    }

    // Returns the partition and whether it is new.
    std::pair<partition_list::iterator, bool> add_or_update(const fetch_target& target) {
        if (auto found = index.find(key_of(target)); found != index.end()) {
            found->second->update_request(target);
            return {found->second, false};
        }
        cached_partition added{
            .id = naming == topic_naming::by_id ? target.id : topic_id(),
            .topic = naming == topic_naming::by_name ? target.topic : std::string(),
            .partition = target.partition,
        };
        added.update_request(target);
        auto position = partitions.insert(partitions.end(), std::move(added));
        index.emplace(key_of(*position), position);
        return {position, true};
    }

    bool forget(const partition_key& key) {
        auto found = index.find(key);
        if (found == index.end()) {
            return false;
        }
        auto position = found->second;
        index.erase(found);
        partitions.erase(position);
        return true;
    }

    int64_t size() const { return static_cast<int64_t>(partitions.size()); }

    // Kafka's EvictableKey: the smaller, the sooner evicted.
    std::tuple<bool, int64_t, int32_t> value() const {
        return {fetcher == fetcher_kind::follower, size(), id};
    }

    const int32_t id;
    int32_t epoch;  // the epoch the next incremental request must carry
    const fetcher_kind fetcher;
    const topic_naming naming;
    const int64_t created_ms;
    int64_t last_used_ms;
    partition_list partitions;  // in the order responses list them
    std::unordered_map<partition_key, partition_list::iterator, partition_key_hash> index;
};

namespace {

fetcher_kind fetcher_of(const protocol::fetch_request& request, int16_t version) {
    node_id replica = version >= first_replica_state_version ? request.replica_state.replica_id
                                                             : request.replica_id;
    return replica.value() >= 0 ? fetcher_kind::follower : fetcher_kind::consumer;
}

// The request's partitions in request order. A partition listed twice keeps its first
// position and its last parameters, as Kafka's LinkedHashMap of the request does.
std::vector<fetch_target> request_targets(
    const protocol::fetch_request& request, topic_naming naming,
    const fetch_session_cache::topic_name_lookup& topic_name_of) {
    std::size_t count = 0;
    for (const auto& topic : request.topics) {
        count += topic.partitions.size();
    }
    std::vector<fetch_target> targets;
    targets.reserve(count);
    std::unordered_map<partition_key, std::size_t, partition_key_hash> position_of;
    position_of.reserve(count);

    for (const auto& topic : request.topics) {
        std::string name = topic.topic;
        topic_id id;
        error_code error = error_code::none;
        if (naming == topic_naming::by_id) {
            id = topic.topic_id;
            std::optional<std::string> resolved;
            if (!id.is_zero()) {
                resolved = topic_name_of(id);
            }
            name = resolved.value_or(std::string());
            error = resolved ? error_code::none : error_code::unknown_topic_id;
        }
        for (const auto& partition : topic.partitions) {
            fetch_target target{
                .topic = name,
                .id = id,
                .partition = partition.partition,
                .fetch_offset = partition.fetch_offset,
                .partition_max_bytes = partition.partition_max_bytes,
                .current_leader_epoch = partition.current_leader_epoch,
                .last_fetched_epoch = partition.last_fetched_epoch,
                .log_start_offset = partition.log_start_offset,
                .error = error,
            };
            // The key views the request's own name, which outlives this function's map.
            auto key = key_of(naming, id, topic.topic, partition.partition);
            auto [found, inserted] = position_of.try_emplace(key, targets.size());
            if (inserted) {
                targets.push_back(std::move(target));
            } else {
                targets[found->second] = std::move(target);
            }
        }
    }
    return targets;
}

// A session's partitions as targets, in session order, naming topics by the current image
// when the session uses ids (a deleted topic's partitions get UNKNOWN_TOPIC_ID).
std::vector<fetch_target> session_targets(
    const fetch_session& session, const fetch_session_cache::topic_name_lookup& topic_name_of) {
    std::vector<fetch_target> targets;
    targets.reserve(session.partitions.size());
    // Partitions of a topic are usually adjacent: resolve each run once.
    std::optional<topic_id> last_id;
    std::optional<std::string> last_name;
    for (const auto& cached : session.partitions) {
        fetch_target target{
            .topic = cached.topic,
            .id = cached.id,
            .partition = cached.partition,
            .fetch_offset = cached.fetch_offset,
            .partition_max_bytes = cached.partition_max_bytes,
            .current_leader_epoch = cached.current_leader_epoch,
            .last_fetched_epoch = cached.last_fetched_epoch,
            .log_start_offset = cached.fetcher_log_start_offset,
        };
        if (session.naming == topic_naming::by_id) {
            if (last_id != cached.id) {
                last_id = cached.id;
                last_name = cached.id.is_zero() ? std::nullopt : topic_name_of(cached.id);
            }
            target.topic = last_name.value_or(std::string());
            target.error = last_name ? error_code::none : error_code::unknown_topic_id;
        }
        targets.push_back(std::move(target));
    }
    return targets;
}

fetch_plan session_error(fetch_plan plan, error_code error) {
    plan.context = fetch_context::session_error;
    plan.error = error;
    plan.targets.clear();
    return plan;
}

}  // namespace

fetch_session_cache::fetch_session_cache(fetch_session_limits limits)
    : limits_(limits), random_(limits.random_seed) {
    SAMSA_ASSERT(limits_.shard_count > 0 && limits_.shard_index >= 0 &&
                     limits_.shard_index < limits_.shard_count,
                 "shard %d of %d", limits_.shard_index, limits_.shard_count);
    SAMSA_ASSERT(limits_.max_sessions >= 0 && limits_.max_cached_partitions >= 0,
                 "negative fetch session limits");
    int64_t range = std::numeric_limits<int32_t>::max() / limits_.shard_count;
    first_session_id_ = static_cast<int32_t>(std::max<int64_t>(1, limits_.shard_index * range));
    end_session_id_ = static_cast<int32_t>((limits_.shard_index + 1) * range);
    SAMSA_ASSERT(limits_.max_sessions < (end_session_id_ - first_session_id_) / 2,
                 "%d sessions for %d session ids", limits_.max_sessions,
                 end_session_id_ - first_session_id_);
}

fetch_session_cache::~fetch_session_cache() = default;

fetch_plan fetch_session_cache::plan(const protocol::fetch_request& request, int16_t version,
                                     const topic_name_lookup& topic_name_of, int64_t now_ms) {
    fetch_plan plan{
        .fetcher = fetcher_of(request, version),
        .naming = version >= first_topic_id_version ? topic_naming::by_id : topic_naming::by_name,
    };
    // Before v7 the fields are absent: every request is sessionless.
    int32_t session_id = version >= first_session_version ? request.session_id : no_session_id;
    int32_t epoch = version >= first_session_version ? request.session_epoch : final_epoch;

    if (epoch == initial_epoch || epoch == final_epoch) {
        // A full request closes the session it names, then opens a new one unless it asked
        // for none.
        if (session_id != no_session_id) {
            remove(session_id);
        }
        plan.context = epoch == final_epoch ? fetch_context::sessionless : fetch_context::full;
        plan.targets = request_targets(request, plan.naming, topic_name_of);
        return plan;
    }

    fetch_session* session = find(session_id);
    if (session == nullptr) {
        return session_error(std::move(plan), error_code::fetch_session_id_not_found);
    }
    if (session->epoch != epoch) {
        return session_error(std::move(plan), error_code::invalid_fetch_session_epoch);
    }
    if (session->naming != plan.naming) {
        return session_error(std::move(plan), error_code::fetch_session_topic_id_error);
    }
    return update_session(*session, request, std::move(plan), topic_name_of, now_ms);
}

fetch_plan fetch_session_cache::update_session(fetch_session& session,
                                               const protocol::fetch_request& request,
                                               fetch_plan plan,
                                               const topic_name_lookup& topic_name_of,
                                               int64_t now_ms) {
    std::vector<fetch_target> requested = request_targets(request, plan.naming, topic_name_of);
    for (const auto& target : requested) {
        if (session.add_or_update(target).second) {
            ++cached_partitions_;
        }
    }
    for (const auto& topic : request.forgotten_topics_data) {
        for (partition_id partition : topic.partitions) {
            if (session.forget(key_of(plan.naming, topic.topic_id, topic.topic, partition))) {
                --cached_partitions_;
            }
        }
    }

    const int32_t session_id = session.id;
    if (session.partitions.empty()) {
        // Kafka: a session that forgot its last partition closes, and the request is
        // served sessionless.
        remove(session_id);
        plan.context = fetch_context::sessionless;
        plan.targets = std::move(requested);
        return plan;
    }
    if (cached_partitions_ > limits_.max_cached_partitions) {
        // Not Kafka: the session outgrew the bound. The fetcher opens a new session with a
        // full request, which is admitted or served sessionless by the usual rules.
        remove(session_id);
        return session_error(std::move(plan), error_code::fetch_session_id_not_found);
    }

    session.last_used_ms = now_ms;
    session.epoch = next_epoch(session.epoch);
    plan.context = fetch_context::incremental;
    plan.session_id = session_id;
    plan.next_epoch = session.epoch;
    plan.targets = session_targets(session, topic_name_of);
    return plan;
}

fetch_completion fetch_session_cache::complete(const fetch_plan& plan,
                                               std::span<const fetched_partition> results,
                                               int64_t now_ms) {
    SAMSA_ASSERT(results.size() == plan.targets.size(), "%zu results for %zu targets",
                 results.size(), plan.targets.size());
    switch (plan.context) {
        case fetch_context::session_error:
            return fetch_completion{.error = plan.error};
        case fetch_context::sessionless:
            return fetch_completion{.included = std::vector<bool>(plan.targets.size(), true)};
        case fetch_context::full:
            return fetch_completion{
                .session_id = try_create_session(plan, results, now_ms),
                .included = std::vector<bool>(plan.targets.size(), true),
            };
        case fetch_context::incremental:
            return complete_incremental(plan, results);
    }
    SAMSA_ASSERT(false, "unknown fetch context %d", static_cast<int>(plan.context));
    return {};
}

fetch_completion fetch_session_cache::complete_incremental(
    const fetch_plan& plan, std::span<const fetched_partition> results) {
    fetch_completion done{.session_id = plan.session_id};
    fetch_session* session = find(plan.session_id);
    if (session == nullptr) {
        // Closed or evicted while the partitions were read: nothing to compare with, so
        // list everything; the fetcher's next request learns the session is gone.
        done.included.assign(plan.targets.size(), true);
        return done;
    }
    if (session->epoch != plan.next_epoch) {
        // Another request used the session while this one was read (Kafka: "possible
        // duplicate request").
        done.error = error_code::invalid_fetch_session_epoch;
        done.included.assign(plan.targets.size(), false);
        return done;
    }

    done.included.resize(plan.targets.size());
    std::vector<fetch_session::partition_list::iterator> with_records;
    for (std::size_t i = 0; i < plan.targets.size(); ++i) {
        auto found = session->index.find(session->key_of(plan.targets[i]));
        if (found == session->index.end()) {
            // Only a recycled session id with a coinciding epoch gets here.
            done.included[i] = true;
            continue;
        }
        done.included[i] = found->second->must_list(results[i]);
        if (done.included[i] && results[i].has_records) {
            with_records.push_back(found->second);
        }
    }
    // Kafka rotates partitions that returned records to the end, so that when the
    // response's max_bytes runs out the others are read first next time.
    for (auto position : with_records) {
        session->partitions.splice(session->partitions.end(), session->partitions, position);
    }
    return done;
}

int32_t fetch_session_cache::try_create_session(const fetch_plan& plan,
                                                std::span<const fetched_partition> results,
                                                int64_t now_ms) {
    const auto size = static_cast<int64_t>(plan.targets.size());
    if (limits_.max_sessions == 0 || size > limits_.max_cached_partitions) {
        return no_session_id;
    }
    // Each round removes a session, so this ends.
    while (static_cast<int64_t>(sessions_.size()) >= limits_.max_sessions ||
           cached_partitions_ + size > limits_.max_cached_partitions) {
        if (!try_evict(plan.fetcher, size, now_ms)) {
            return no_session_id;
        }
    }

    const int32_t id = new_session_id();
    auto session = std::make_unique<fetch_session>(id, plan.fetcher, plan.naming, now_ms);
    for (std::size_t i = 0; i < plan.targets.size(); ++i) {
        auto [cached, added] = session->add_or_update(plan.targets[i]);
        SAMSA_ASSERT(added, "a full fetch plan lists a partition twice");
        const fetched_partition& result = results[i];
        cached->high_watermark =
            result.error == error_code::none ? result.high_watermark : offset(-1);
        cached->last_stable_offset = result.last_stable_offset;
        cached->local_log_start_offset = result.log_start_offset;
    }
    cached_partitions_ += size;
    sessions_.emplace(id, std::move(session));
    return id;
}

// Kafka's FetchSessionCacheShard.tryEvict. A new session of the given kind and size may
// evict: the least recently used session if it is stale (unused for eviction_timeout_ms);
// otherwise the least valuable (consumer before follower, then fewer partitions) among
// those it may displace, if the new one is worth strictly more. Any session created more
// than eviction_timeout_ms ago may be displaced; a follower may also displace younger
// consumer sessions.
bool fetch_session_cache::try_evict(fetcher_kind fetcher, int64_t size, int64_t now_ms) {
    // At most max_sessions sessions, and this runs only when creating one: a scan is
    // cheaper to keep right than Kafka's two ordered indexes.
    fetch_session* least_recent = nullptr;
    fetch_session* least_valuable = nullptr;
    for (auto& [id, session] : sessions_) {
        if (least_recent == nullptr ||
            std::pair(session->last_used_ms, id) <
                std::pair(least_recent->last_used_ms, least_recent->id)) {
            least_recent = session.get();
        }
        bool old = now_ms - session->created_ms > limits_.eviction_timeout_ms;
        bool displaceable = old || (fetcher == fetcher_kind::follower &&
                                    session->fetcher == fetcher_kind::consumer);
        if (displaceable &&
            (least_valuable == nullptr || session->value() < least_valuable->value())) {
            least_valuable = session.get();
        }
    }
    if (least_recent == nullptr) {
        return false;
    }
    fetch_session* victim = nullptr;
    if (now_ms - least_recent->last_used_ms > limits_.eviction_timeout_ms) {
        victim = least_recent;
    } else if (least_valuable != nullptr && std::tuple(fetcher == fetcher_kind::follower, size,
                                                       no_session_id) > least_valuable->value()) {
        victim = least_valuable;
    }
    if (victim == nullptr) {
        return false;
    }
    remove(victim->id);
    ++evictions_;
    return true;
}

int32_t fetch_session_cache::new_session_id() {
    std::uniform_int_distribution<int32_t> pick(first_session_id_, end_session_id_ - 1);
    int32_t id = pick(random_);
    // Probe upwards from a random start: ends because sessions are far fewer than ids.
    while (sessions_.contains(id)) {
        id = id + 1 == end_session_id_ ? first_session_id_ : id + 1;
    }
    return id;
}

fetch_session* fetch_session_cache::find(int32_t session_id) {
    auto found = sessions_.find(session_id);
    return found == sessions_.end() ? nullptr : found->second.get();
}

void fetch_session_cache::remove(int32_t session_id) {
    auto found = sessions_.find(session_id);
    if (found == sessions_.end()) {
        return;
    }
    cached_partitions_ -= found->second->size();
    sessions_.erase(found);
}

}  // namespace samsa::server
