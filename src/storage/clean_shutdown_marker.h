#pragma once

// .kafka_cleanshutdown: the file a broker leaves in each of its log directories when it
// stops cleanly (Kafka's CleanShutdownFileHandler). Its presence at the next start means
// every log in the directory was flushed and closed, so log recovery can trust the
// recovery points and skip scanning segments. Since KIP-966 (Kafka 3.7) it also holds the
// broker epoch the broker had when it stopped, which it presents at registration as
// previousBrokerEpoch to prove the restart is clean:
//
//     {"version":0,"brokerEpoch":42}
//
// (one line of JSON, no newline; Kafka before 3.7 wrote an empty file, which still marks a
// clean shutdown but proves no epoch). See docs/formats/clean-shutdown-marker.md.
//
// The protocol, per log directory:
//   shutdown: after every log in the directory is flushed and closed, write the marker;
//   start:    read the broker epoch (every directory must agree, see Kafka's
//             LogManager.readBrokerEpochFromCleanShutdownFiles), note whether the marker
//             exists, then remove it *before* loading the logs, so that a crash during
//             loading makes the next start unclean (KAFKA-10471).
//
// Unlike Kafka, the marker is written atomically (tmp file, fsync, rename, fsync of the
// directory): a crash while writing it leaves no marker rather than a truncated one.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "storage/file_system.h"

namespace samsa::storage {

inline constexpr std::string_view clean_shutdown_file_name = ".kafka_cleanshutdown";
inline constexpr int32_t clean_shutdown_marker_version = 0;

std::string format_clean_shutdown_marker(int64_t broker_epoch);
// The broker epoch in a marker's text: nullopt unless it is a JSON object with
// "version": 0 and an integer "brokerEpoch" (other fields are ignored, as Kafka ignores
// them).
std::optional<int64_t> parse_clean_shutdown_marker(std::string_view text);

// Writes `log_dir`/.kafka_cleanshutdown atomically. Blocking.
io_status write_clean_shutdown_marker(file_system& fs, const std::filesystem::path& log_dir,
                                      int64_t broker_epoch);
io_result<bool> clean_shutdown_marker_exists(file_system& fs, const std::filesystem::path& log_dir);
// The broker epoch the marker holds. Every failure (no marker, an unreadable or empty
// one, other content) is nullopt, as in Kafka: the restart simply cannot be proven clean.
std::optional<int64_t> read_clean_shutdown_broker_epoch(file_system& fs,
                                                        const std::filesystem::path& log_dir);
// Removes the marker and makes the removal durable (fsyncs the directory); no marker is
// not an error.
io_status remove_clean_shutdown_marker(file_system& fs, const std::filesystem::path& log_dir);

}  // namespace samsa::storage
