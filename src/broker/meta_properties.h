#pragma once

// meta.properties: the identity a KRaft node writes into each of its log directories,
// in Kafka's format (version 1), so that a data directory moved between Kafka and Samsa
// is recognised by both:
//
//     #
//     #Thu Jun 15 13:00:00 UTC 2023
//     node.id=1
//     directory.id=Y2FmZWJhYmVkZWFkYmVlZg
//     version=1
//     cluster.id=MkU3OEVBNTcwNTJENDM2Qk
//
// cluster.id and directory.id are Kafka uuids (22 characters of URL-safe base64); node.id
// is a base-10 int. The comment lines are Java's Properties.store header (an empty comment,
// then the time written); readers ignore them. Version 0 files, written by ZooKeeper-mode
// brokers (broker.id instead of node.id), are refused.
//
// Every log directory of a node holds one, with the same cluster.id and node.id and its own
// directory.id. Kafka requires `kafka-storage.sh format` before the first start; Samsa
// formats on first start instead (see ensure_meta_properties).
//
// Writes are atomic: meta.properties.tmp is written and fsynced, renamed over
// meta.properties, and the directory fsynced, so a crash leaves the old file or the new one.

#include <chrono>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "base/uuid.h"

namespace samsa::broker {

inline constexpr std::string_view meta_properties_file_name = "meta.properties";

struct meta_properties {
    // Kept as written: Kafka keeps cluster.id as a string, and ids in the wild rely on it
    // (Kafka's example "MkU3OEVBNTcwNTJENDM2Qk" is not the canonical text of its uuid,
    // whose last character would be 'g'). It must parse as a Kafka uuid.
    std::string cluster_id;
    node_id node;
    std::optional<uuid> directory_id;  // absent in files written before Kafka 3.7

    bool operator==(const meta_properties&) const = default;
};

// Every message names the file or directory concerned.
struct meta_properties_error {
    std::string message;
};

// The meta.properties of `log_dir`: nullopt when the file (or the directory) does not
// exist, an error when it cannot be read or is not a valid version 1 file.
result<std::optional<meta_properties>, meta_properties_error> load_meta_properties(
    const std::filesystem::path& log_dir);

// The text of a meta.properties file; `written_at` goes into the header comment.
std::string format_meta_properties(const meta_properties& properties,
                                   std::chrono::system_clock::time_point written_at);

// Writes `log_dir`/meta.properties atomically (see above); `log_dir` must exist.
result<std::monostate, meta_properties_error> write_meta_properties(
    const std::filesystem::path& log_dir, const meta_properties& properties);

struct log_dir_identity {
    std::filesystem::path dir;
    uuid directory_id;
};

// Who this node is, as its log directories say.
struct node_identity {
    std::string cluster_id;
    node_id node;
    std::vector<log_dir_identity> dirs;  // in the order given
};

// Makes sure every directory holds a meta.properties that agrees with the others, and
// returns the node's identity. On first start (no directory has one) it generates a
// cluster id and takes `configured_node_id`, or 1 when not configured. On later starts it
// checks that every file agrees on cluster.id and node.id, that a configured node id
// matches the stored one, and that directory ids are distinct and not reserved. A
// directory without a meta.properties (new, or added to log.dirs) gets one; a file without
// a directory.id gets one. Missing directories are created.
result<node_identity, meta_properties_error> ensure_meta_properties(
    std::span<const std::filesystem::path> log_dirs, std::optional<node_id> configured_node_id);

// Kafka's Uuid.randomUuid: a random (version 4) uuid that is neither zero nor the metadata
// topic's id, and whose text does not start with '-' (it would read as a command-line flag).
uuid random_kafka_uuid();

// Kafka's DirectoryId.random: a random uuid outside the reserved ids (most significant bits
// zero and least significant bits below 100: unassigned, lost, migrating, ...).
uuid random_directory_id();
bool is_reserved_directory_id(const uuid& id);

}  // namespace samsa::broker
