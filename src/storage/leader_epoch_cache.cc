#include "storage/leader_epoch_cache.h"

#include <algorithm>

#include "base/assert.h"
#include "base/log.h"

namespace samsa::storage {

io_result<leader_epoch_cache> leader_epoch_cache::open(file_system& fs,
                                                       std::filesystem::path partition_dir) {
    auto loaded = read_leader_epoch_checkpoint(fs, partition_dir);
    if (!loaded) {
        return failure{loaded.error()};
    }
    leader_epoch_cache cache(fs, std::move(partition_dir));
    for (const epoch_entry& entry : loaded.value()) {
        cache.apply_assign(entry);
    }
    if (cache.entries_.size() != loaded.value().size()) {
        log::warn("{}: dropped {} conflicting entries of {} when loading",
                  (cache.partition_dir_ / leader_epoch_checkpoint_file_name).string(),
                  loaded.value().size() - cache.entries_.size(), loaded.value().size());
    }
    cache.check_invariant();
    return cache;
}

bool leader_epoch_cache::apply_assign(const epoch_entry& entry) {
    if (!entries_.empty()) {
        const epoch_entry& latest = entries_.back();
        if (entry.epoch == latest.epoch && entry.start_offset >= latest.start_offset) {
            return false;
        }
    }
    while (!entries_.empty() && (entries_.back().epoch >= entry.epoch ||
                                 entries_.back().start_offset >= entry.start_offset)) {
        entries_.pop_back();
    }
    entries_.push_back(entry);
    return true;
}

io_status leader_epoch_cache::assign(leader_epoch epoch, offset start_offset) {
    SAMSA_ASSERT(epoch.value() >= 0 && start_offset.value() >= 0,
                 "leader epoch %d at offset %lld cannot be assigned", epoch.value(),
                 static_cast<long long>(start_offset.value()));
    if (!apply_assign(epoch_entry{epoch, start_offset})) {
        return io_ok();
    }
    check_invariant();
    return persist();
}

io_status leader_epoch_cache::truncate_from_end(offset end_offset) {
    if (end_offset.value() < 0 || entries_.empty() || entries_.back().start_offset < end_offset) {
        return io_ok();
    }
    while (!entries_.empty() && entries_.back().start_offset >= end_offset) {
        entries_.pop_back();
    }
    check_invariant();
    return persist();
}

io_status leader_epoch_cache::truncate_from_start(offset start_offset) {
    // The entries starting at or before start_offset; the last of them survives, moved.
    auto first_kept = std::find_if(entries_.begin(), entries_.end(), [&](const epoch_entry& e) {
        return e.start_offset > start_offset;
    });
    if (first_kept == entries_.begin()) {
        return io_ok();
    }
    epoch_entry moved{std::prev(first_kept)->epoch, start_offset};
    if (first_kept - entries_.begin() == 1 && entries_.front() == moved) {
        return io_ok();  // the first entry already starts exactly there
    }
    entries_.erase(entries_.begin(), std::prev(first_kept));
    entries_.front() = moved;
    check_invariant();
    return persist();
}

io_status leader_epoch_cache::clear() {
    entries_.clear();
    return persist();
}

void leader_epoch_cache::move_to(std::filesystem::path partition_dir) {
    partition_dir_ = std::move(partition_dir);
}

epoch_end_offset leader_epoch_cache::end_offset_for(leader_epoch requested,
                                                    offset log_end_offset) const {
    const epoch_end_offset undefined{undefined_epoch, undefined_epoch_offset};
    if (requested == undefined_epoch) {
        // A bootstrapping follower, or one on a message format without leader epochs.
        return undefined;
    }
    if (!entries_.empty() && entries_.back().epoch == requested) {
        // The epoch still being written: it ends where the log ends.
        return {requested, log_end_offset};
    }
    auto higher = std::upper_bound(
        entries_.begin(), entries_.end(), requested,
        [](leader_epoch epoch, const epoch_entry& entry) { return epoch < entry.epoch; });
    if (higher == entries_.end()) {
        return undefined;
    }
    if (higher == entries_.begin()) {
        // Older than anything the log still holds: the follower replicates from the start
        // of the first epoch we know.
        return {requested, higher->start_offset};
    }
    return {std::prev(higher)->epoch, higher->start_offset};
}

std::optional<leader_epoch> leader_epoch_cache::epoch_for_offset(offset at) const {
    auto after = std::upper_bound(
        entries_.begin(), entries_.end(), at,
        [](offset value, const epoch_entry& entry) { return value < entry.start_offset; });
    if (after == entries_.begin()) {
        return std::nullopt;
    }
    return std::prev(after)->epoch;
}

std::optional<epoch_entry> leader_epoch_cache::latest_entry() const {
    if (entries_.empty()) {
        return std::nullopt;
    }
    return entries_.back();
}

std::optional<leader_epoch> leader_epoch_cache::latest_epoch() const {
    if (entries_.empty()) {
        return std::nullopt;
    }
    return entries_.back().epoch;
}

std::optional<epoch_entry> leader_epoch_cache::earliest_entry() const {
    if (entries_.empty()) {
        return std::nullopt;
    }
    return entries_.front();
}

std::optional<epoch_entry> leader_epoch_cache::entry_for(leader_epoch epoch) const {
    auto found = std::find_if(entries_.begin(), entries_.end(),
                              [&](const epoch_entry& entry) { return entry.epoch == epoch; });
    if (found == entries_.end()) {
        return std::nullopt;
    }
    return *found;
}

std::optional<leader_epoch> leader_epoch_cache::previous_epoch(leader_epoch epoch) const {
    std::optional<leader_epoch> previous;
    for (const epoch_entry& entry : entries_) {
        if (entry.epoch >= epoch) {
            break;
        }
        previous = entry.epoch;
    }
    return previous;
}

std::optional<leader_epoch> leader_epoch_cache::next_epoch(leader_epoch epoch) const {
    for (const epoch_entry& entry : entries_) {
        if (entry.epoch > epoch) {
            return entry.epoch;
        }
    }
    return std::nullopt;
}

io_status leader_epoch_cache::persist() {
    return write_leader_epoch_checkpoint(*fs_, partition_dir_, entries_);
}

void leader_epoch_cache::check_invariant() const {
    for (std::size_t i = 1; i < entries_.size(); ++i) {
        SAMSA_ASSERT(entries_[i - 1].epoch < entries_[i].epoch &&
                         entries_[i - 1].start_offset < entries_[i].start_offset,
                     "leader epoch entries out of order: epoch %d at %lld before epoch %d at %lld",
                     entries_[i - 1].epoch.value(),
                     static_cast<long long>(entries_[i - 1].start_offset.value()),
                     entries_[i].epoch.value(),
                     static_cast<long long>(entries_[i].start_offset.value()));
    }
}

}  // namespace samsa::storage
