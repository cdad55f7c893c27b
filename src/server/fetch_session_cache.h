#pragma once

// Kafka's incremental fetch sessions (KIP-227) for one shard: which partitions a Fetch
// reads, and which of them its response lists.
//
// A fetcher (consumer or follower) opens a session with a full Fetch (session id 0, epoch
// 0); the response carries a new session id. Later Fetches name the session with the next
// epoch and carry only what changed: partitions to add or update, and forgotten ones to
// drop. The broker reads every partition of the session and its response lists only the
// partitions with something new (records, high watermark, last stable offset, log start
// offset, an error). Epoch -1 closes a session; epoch 0 with an id replaces it. Requests
// below v7 have no session fields and are always sessionless. docs/fetch-sessions.md
// describes the rules and where Samsa differs from Kafka.
//
// Sans-I/O: requests, read results and a clock in, decisions out. A Fetch is two calls:
//
//     fetch_plan plan = cache.plan(request, version, topic_name_of, now_ms);
//     ... read plan.targets (skipping those with an error), as fetched_partition ...
//     fetch_completion done = cache.complete(plan, results, now_ms);
//     ... respond with done.error, done.session_id and the targets done.included marks
//
// The reads between the two calls may suspend, so another request on the same session can
// run in between; complete() detects that and answers INVALID_FETCH_SESSION_EPOCH, as
// Kafka does when a session moved on while a Fetch was being served.
//
// Ownership: one cache per shard, owned by that shard and used only on its thread (a
// connection lives on one shard, so its sessions do too). Session ids carry the shard:
// shard i of n hands out ids in [max(1, i * r), (i + 1) * r) with r = INT32_MAX / n.
//
// Bounded memory: at most max_sessions sessions holding at most max_cached_partitions
// partitions together; a full Fetch that does not fit (after eviction) is served without
// a session, and an incremental Fetch that would overflow drops its session.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "base/uuid.h"
#include "protocol/error_code.h"
#include "protocol/generated/fetch_request.h"

namespace samsa::server {

struct fetch_session_limits {
    // This shard's share of max.incremental.fetch.session.cache.slots (Kafka: 1000 per
    // broker, divided evenly among its cache shards).
    int32_t max_sessions = 1000;
    // A session unused for longer is stale and the first to go; a session created longer
    // ago may be evicted by a bigger or more privileged one. Kafka: 120 s, not configurable.
    int64_t eviction_timeout_ms = 120'000;
    // The partitions all sessions of this shard cache together (Kafka has no such bound).
    int64_t max_cached_partitions = 100'000;
    // Which slice of the session id space this shard hands out (see above).
    int32_t shard_index = 0;
    int32_t shard_count = 1;
    // Seeds the session id generator; production passes a random value, tests a constant.
    uint64_t random_seed = 0;
};

// Which of Kafka's fetch contexts a request resolved to (FetchManager.newContext).
enum class fetch_context : uint8_t {
    session_error,  // the response is plan.error alone: no session, no partitions
    sessionless,    // read and list every target; no session
    full,           // read and list every target; complete() tries to create a session
    incremental,    // read every target of the session; list only those that changed
};

// How a session names topics: by name before Fetch v13, by topic id from v13.
enum class topic_naming : uint8_t { by_name, by_id };

// Followers (replica id >= 0) are Kafka's "privileged" fetchers: their sessions are harder
// to evict.
enum class fetcher_kind : uint8_t { consumer, follower };

// One partition a fetch reads, in the order the response lists it.
struct fetch_target {
    std::string topic;  // on v13+ resolved from id; empty when the id is unknown
    topic_id id;        // zero before v13
    partition_id partition{0};
    offset fetch_offset{0};
    int32_t partition_max_bytes = 0;
    leader_epoch current_leader_epoch{-1};
    leader_epoch last_fetched_epoch{-1};
    offset log_start_offset{-1};  // the follower's; -1 for consumers
    // UNKNOWN_TOPIC_ID for an id the metadata image lacks: not read, listed with this error.
    protocol::error_code error = protocol::error_code::none;
};

struct fetch_plan {
    fetch_context context = fetch_context::sessionless;
    // Set only with fetch_context::session_error: FETCH_SESSION_ID_NOT_FOUND,
    // INVALID_FETCH_SESSION_EPOCH or FETCH_SESSION_TOPIC_ID_ERROR.
    protocol::error_code error = protocol::error_code::none;
    // The incremental session this request used, and the epoch it expects next; 0 and -1
    // for the other contexts (a full fetch's session is created by complete()).
    int32_t session_id = 0;
    int32_t next_epoch = -1;
    fetcher_kind fetcher = fetcher_kind::consumer;
    topic_naming naming = topic_naming::by_name;
    std::vector<fetch_target> targets;  // every partition to read; empty on a session error
};

// What the read found for one target, for deciding what an incremental response lists.
struct fetched_partition {
    protocol::error_code error = protocol::error_code::none;
    offset high_watermark{-1};
    offset last_stable_offset{-1};
    offset log_start_offset{-1};
    bool has_records = false;
    // Kafka lists these partitions whatever else changed.
    bool has_diverging_epoch = false;
    bool has_preferred_read_replica = false;
};

// What the response carries.
struct fetch_completion {
    // The top-level error; when set, the response lists no partitions.
    protocol::error_code error = protocol::error_code::none;
    int32_t session_id = 0;      // 0: no session
    std::vector<bool> included;  // per target of the plan, whether the response lists it
};

class fetch_session;

class fetch_session_cache {
public:
    // Maps a topic id to its name in the current metadata image; nullopt when unknown.
    using topic_name_lookup = std::function<std::optional<std::string>(const topic_id&)>;

    // Preconditions: max_sessions >= 0, 0 <= shard_index < shard_count, and max_sessions
    // well below the shard's id range (so a free id is always found quickly).
    explicit fetch_session_cache(fetch_session_limits limits);
    ~fetch_session_cache();
    fetch_session_cache(const fetch_session_cache&) = delete;
    fetch_session_cache& operator=(const fetch_session_cache&) = delete;

    // Resolves a Fetch (version 4..16) against the session it names, as Kafka's
    // FetchManager.newContext: epoch -1 is sessionless (closing the named session, if
    // any); epoch 0 is a full fetch (replacing the named session); any other epoch updates
    // the named session, which must exist, expect that epoch and name topics as this
    // version does. topic_name_of is consulted only from v13.
    fetch_plan plan(const protocol::fetch_request& request, int16_t version,
                    const topic_name_lookup& topic_name_of, int64_t now_ms);

    // After reading: results[i] is what the read of plan.targets[i] found (a target with an
    // error is passed back with that error). Creates the session of a full fetch if there
    // is room, updates an incremental session's cached state as Kafka's CachedPartition
    // does, and decides which partitions the response lists.
    fetch_completion complete(const fetch_plan& plan, std::span<const fetched_partition> results,
                              int64_t now_ms);

    // Sessions and partitions currently cached (Kafka's NumIncrementalFetchSessions and
    // NumIncrementalFetchPartitionsCached).
    std::size_t size() const { return sessions_.size(); }
    int64_t cached_partitions() const { return cached_partitions_; }
    // Sessions removed to make room for others (IncrementalFetchSessionEvictionsPerSec).
    int64_t evictions() const { return evictions_; }

private:
    fetch_session* find(int32_t session_id);
    void remove(int32_t session_id);
    fetch_plan update_session(fetch_session& session, const protocol::fetch_request& request,
                              fetch_plan request_plan, const topic_name_lookup& topic_name_of,
                              int64_t now_ms);
    fetch_completion complete_incremental(const fetch_plan& plan,
                                          std::span<const fetched_partition> results);
    int32_t try_create_session(const fetch_plan& plan, std::span<const fetched_partition> results,
                               int64_t now_ms);
    bool try_evict(fetcher_kind fetcher, int64_t size, int64_t now_ms);
    int32_t new_session_id();

    fetch_session_limits limits_;
    int32_t first_session_id_;
    int32_t end_session_id_;  // exclusive
    std::mt19937_64 random_;
    std::unordered_map<int32_t, std::unique_ptr<fetch_session>> sessions_;
    int64_t cached_partitions_ = 0;
    int64_t evictions_ = 0;
};

}  // namespace samsa::server
