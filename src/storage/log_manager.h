#pragma once

// The partition logs of one node across its log.dirs (Kafka's LogManager): finding and
// loading them at start-up, placing new ones, and the per-directory files that describe
// them all: recovery-point-offset-checkpoint, log-start-offset-checkpoint,
// cleaner-offset-checkpoint and the clean-shutdown marker (docs/formats/).
//
// Ownership: the log manager runs at start-up and shutdown on one thread, and its
// checkpoint writes are fed the offsets the shards report; the partition_logs it loads are
// handed to the shards that own them and never touched here again.
//
// Start-up: in every log dir, the clean-shutdown marker is read and removed (so a crash
// from now on is noticed next time), the checkpoints are read, and every partition
// directory ("<topic>-<partition>") is opened with its recovery point and log start
// offset, num.recovery.threads.per.data.dir directories at a time per log dir.
// Shutdown: once every log is closed, the checkpoints are written and then the marker.
//
// DeleteRecords cannot wait for the next periodic checkpoint (Kafka's
// log.flush.start.offset.checkpoint.interval.ms, a minute by default): a crash meanwhile
// would bring the deleted records back. persist_log_start_offsets writes the moved offsets
// at once, and remembers them until a periodic write_checkpoints reports them, so a periodic
// write whose offsets were gathered before the move never writes the older start back.
// Checkpoint writes are serialized by a mutex: they may come from the periodic writer's
// thread and from the log manager's own background thread at the same time.

#include <asio/awaitable.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "base/uuid.h"
#include "storage/file_system.h"
#include "storage/log_config.h"
#include "storage/offset_checkpoint.h"
#include "storage/partition_log.h"
#include "storage/topic_partition.h"

namespace samsa::storage {

struct log_manager_config {
    std::vector<std::filesystem::path> log_dirs;
    int32_t recovery_threads_per_dir = 2;  // num.recovery.threads.per.data.dir
};

struct loaded_log {
    topic_partition partition;
    std::filesystem::path log_dir;
    std::optional<topic_id> topic;  // from partition.metadata, when present
    std::unique_ptr<partition_log> log;
};

// What a shard reports about a log for the checkpoints.
struct log_offsets {
    topic_partition partition;
    std::filesystem::path log_dir;
    offset recovery_point;
    offset log_start_offset;
    // The cleaner checkpoint of a compacted log; nullopt for a log the cleaner never cleans.
    std::optional<offset> cleaner_checkpoint;
};

// The metadata log's directory in the metadata log dir: the controller's, never loaded as
// a partition.
inline constexpr std::string_view metadata_log_dir_name = "__cluster_metadata-0";

// "orders-3" -> {orders, 3}; nullopt for anything else (including Kafka's "-delete" and
// "-future" directories and the metadata log).
std::optional<topic_partition> parse_partition_dir_name(std::string_view name);
std::string partition_dir_name(const topic_partition& partition);

class log_manager {
public:
    using config_lookup = std::function<log_config(const topic_partition&)>;

    log_manager(file_system& fs, log_manager_config config);
    ~log_manager();
    log_manager(const log_manager&) = delete;
    log_manager& operator=(const log_manager&) = delete;

    // Loads every log in every log dir (see above). A log that cannot be loaded fails the
    // start-up with a message naming it, as Kafka stops on an unreadable log dir.
    storage_result<std::vector<loaded_log>> load_all(const config_lookup& config_for,
                                                     int64_t now_ms);

    // A new, empty log in the log dir holding the fewest partitions; partition.metadata
    // records its topic id.
    storage_result<loaded_log> create_log(const topic_partition& partition, const topic_id& topic,
                                          const log_config& config, int64_t now_ms);

    // Writes both checkpoints of every log dir from the offsets reported. A log start offset
    // persisted by persist_log_start_offsets wins over a smaller one reported.
    storage_result<std::monostate> write_checkpoints(const std::vector<log_offsets>& offsets);
    // Updates the log-start-offset-checkpoint of each log dir named in `moved` with their log
    // start offsets, keeping every other entry (see above). Blocking; callable from any thread.
    storage_result<std::monostate> persist_log_start_offsets(const std::vector<log_offsets>& moved);
    // persist_log_start_offsets on a thread of the log manager's own, so that an event loop
    // never blocks on its fsyncs; the caller resumes on its own executor. nullopt when done.
    // A plain function returning the awaitable (g++ 12: see the coroutine rules).
    asio::awaitable<std::optional<storage_error>> persist_log_start_offsets_in_background(
        std::vector<log_offsets> moved);
    // After every log closed cleanly: checkpoints, then the clean-shutdown marker.
    storage_result<std::monostate> mark_clean_shutdown(const std::vector<log_offsets>& offsets);

    const std::vector<std::filesystem::path>& log_dirs() const { return config_.log_dirs; }

private:
    struct checkpoint_state;

    // Under checkpoint_state::mutex: the persisted log start offsets of one log dir laid over
    // the offsets a periodic write is about to write there.
    void apply_persisted_starts(const std::filesystem::path& dir, partition_offsets& starts);

    file_system& fs_;
    log_manager_config config_;
    std::map<std::filesystem::path, std::size_t> partitions_per_dir_;
    // Declared last: its background thread uses the members above until it is joined.
    std::unique_ptr<checkpoint_state> checkpoints_;
};

}  // namespace samsa::storage
