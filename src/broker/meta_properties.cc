#include "broker/meta_properties.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <system_error>

#include "base/log.h"
#include "base/properties.h"

namespace samsa::broker {
namespace {

constexpr std::string_view temporary_file_name = "meta.properties.tmp";

meta_properties_error error(std::string message) {
    return {std::move(message)};
}

std::string errno_text(int error_number) {
    return std::strerror(error_number);
}

std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') {
        text.remove_suffix(1);
    }
    return text;
}

const std::string* find_property(const std::vector<property>& properties, std::string_view key) {
    for (const auto& entry : properties) {
        if (entry.key == key) {
            return &entry.value;
        }
    }
    return nullptr;
}

std::optional<int32_t> parse_int(std::string_view text) {
    text = trim_blanks(text);
    int32_t value = 0;
    auto [end, result] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// Reads a whole file; nullopt when it does not exist.
result<std::optional<std::string>, meta_properties_error> read_file(
    const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return std::optional<std::string>();
        }
        return failure{error("cannot read " + path.string() + ": " + errno_text(errno))};
    }
    std::string text;
    char buffer[4096];
    while (true) {
        ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            int read_error = errno;
            ::close(fd);
            return failure{error("cannot read " + path.string() + ": " + errno_text(read_error))};
        }
        if (count == 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(fd);
    return std::optional<std::string>(std::move(text));
}

result<meta_properties, meta_properties_error> parse_meta_properties(
    const std::filesystem::path& path, std::string_view text) {
    auto properties = parse_properties(text);
    if (!properties) {
        return failure{error(path.string() + ":" + std::to_string(properties.error().line) + ": " +
                             properties.error().message)};
    }
    auto invalid = [&](std::string why) { return failure{error(path.string() + ": " + why)}; };

    // Kafka reads a file without `version` as version 0.
    const std::string* version = find_property(*properties, "version");
    if (version == nullptr || trim_blanks(*version) == "0") {
        return invalid(
            "version 0 meta.properties (written by a ZooKeeper-mode Kafka broker); "
            "Samsa reads KRaft's version 1 only");
    }
    if (trim_blanks(*version) != "1") {
        return invalid("unknown meta.properties version " + *version);
    }
    meta_properties meta;
    const std::string* node = find_property(*properties, "node.id");
    if (node == nullptr) {
        return invalid("node.id is missing");
    }
    auto node_value = parse_int(*node);
    if (!node_value || *node_value < 0) {
        return invalid("node.id " + *node + " is not a non-negative base-10 number");
    }
    meta.node = node_id(*node_value);
    const std::string* cluster = find_property(*properties, "cluster.id");
    if (cluster == nullptr) {
        return invalid("cluster.id was not specified in the version 1 file");
    }
    meta.cluster_id = std::string(trim_blanks(*cluster));
    if (!uuid::from_string(meta.cluster_id)) {
        return invalid("cluster.id " + *cluster + " is not a Kafka uuid (22 base64 characters)");
    }
    if (const std::string* directory = find_property(*properties, "directory.id")) {
        auto directory_id = uuid::from_string(trim_blanks(*directory));
        if (!directory_id) {
            return invalid("directory.id " + *directory + " is not a Kafka uuid");
        }
        meta.directory_id = *directory_id;
    }
    return meta;
}

// Java's Date.toString, in UTC: "Thu Jun 15 13:00:00 UTC 2023".
std::string java_date(std::chrono::system_clock::time_point time) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[64];
    std::size_t length = std::strftime(text, sizeof text, "%a %b %d %H:%M:%S UTC %Y", &utc);
    return std::string(text, length);
}

result<std::monostate, meta_properties_error> write_all(int fd, std::string_view text,
                                                        const std::filesystem::path& path) {
    while (!text.empty()) {
        ssize_t written = ::write(fd, text.data(), text.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written < 0) {
            return failure{error("cannot write " + path.string() + ": " + errno_text(errno))};
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
    return std::monostate{};
}

result<std::monostate, meta_properties_error> fsync_path(const std::filesystem::path& path,
                                                         int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
        return failure{error("cannot open " + path.string() + ": " + errno_text(errno))};
    }
    int synced = ::fsync(fd);
    int sync_error = errno;
    ::close(fd);
    if (synced != 0) {
        return failure{error("cannot fsync " + path.string() + ": " + errno_text(sync_error))};
    }
    return std::monostate{};
}

uuid random_uuid_v4(std::random_device& random) {
    auto next64 = [&] { return (uint64_t{random()} << 32) | random(); };
    // Version 4, IETF variant, as java.util.UUID.randomUUID sets them.
    uint64_t most = (next64() & ~uint64_t{0xf000}) | 0x4000;
    uint64_t least = (next64() & ~(uint64_t{0xc0} << 56)) | (uint64_t{0x80} << 56);
    return uuid(most, least);
}

// The identity the files agree on, checked as Kafka's MetaPropertiesEnsemble.verify does.
struct stored_identity {
    std::optional<std::string> cluster_id;
    std::optional<node_id> node;
    std::filesystem::path node_source;  // the file the node id came from; empty: config
};

std::optional<meta_properties_error> check_agreement(stored_identity& identity,
                                                     const std::filesystem::path& file,
                                                     const meta_properties& meta) {
    if (!identity.cluster_id) {
        identity.cluster_id = meta.cluster_id;
    } else if (*identity.cluster_id != meta.cluster_id) {
        return error("invalid cluster.id in " + file.string() + ": expected " +
                     *identity.cluster_id + ", but read " + meta.cluster_id);
    }
    if (!identity.node) {
        identity.node = meta.node;
        identity.node_source = file;
    } else if (*identity.node != meta.node) {
        std::string stored = "stored node id " + std::to_string(meta.node.value()) + " in " +
                             file.string() + " does not match ";
        if (identity.node_source.empty()) {
            return error(stored + "configured node id " + std::to_string(identity.node->value()) +
                         ". If you moved your data, make sure your configured node.id matches; "
                         "if you intend to create a new node, remove all data in your log "
                         "directories");
        }
        return error(stored + "node id " + std::to_string(identity.node->value()) + " stored in " +
                     identity.node_source.string());
    }
    return std::nullopt;
}

}  // namespace

bool is_reserved_directory_id(const uuid& id) {
    return id.most_significant_bits() == 0 && id.least_significant_bits() < 100;
}

uuid random_kafka_uuid() {
    std::random_device random;
    while (true) {
        uuid id = random_uuid_v4(random);
        if (!id.is_zero() && id != uuid(0, 1) && !id.to_string().starts_with('-')) {
            return id;
        }
    }
}

uuid random_directory_id() {
    while (true) {
        uuid id = random_kafka_uuid();
        if (!is_reserved_directory_id(id)) {
            return id;
        }
    }
}

result<std::optional<meta_properties>, meta_properties_error> load_meta_properties(
    const std::filesystem::path& log_dir) {
    std::filesystem::path path = log_dir / meta_properties_file_name;
    auto text = read_file(path);
    if (!text) {
        return failure{text.error()};
    }
    if (!text->has_value()) {
        return std::optional<meta_properties>();
    }
    auto meta = parse_meta_properties(path, **text);
    if (!meta) {
        return failure{meta.error()};
    }
    return std::optional<meta_properties>(*meta);
}

std::string format_meta_properties(const meta_properties& properties,
                                   std::chrono::system_clock::time_point written_at) {
    std::string text = "#\n#" + java_date(written_at) + "\n";
    text += "node.id=" + std::to_string(properties.node.value()) + "\n";
    if (properties.directory_id) {
        text += "directory.id=" + properties.directory_id->to_string() + "\n";
    }
    text += "version=1\n";
    text += "cluster.id=" + properties.cluster_id + "\n";
    return text;
}

result<std::monostate, meta_properties_error> write_meta_properties(
    const std::filesystem::path& log_dir, const meta_properties& properties) {
    std::filesystem::path temporary = log_dir / temporary_file_name;
    std::filesystem::path target = log_dir / meta_properties_file_name;
    std::string text = format_meta_properties(properties, std::chrono::system_clock::now());

    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return failure{error("cannot create " + temporary.string() + ": " + errno_text(errno))};
    }
    auto written = write_all(fd, text, temporary);
    if (written && ::fsync(fd) != 0) {
        written = failure{error("cannot fsync " + temporary.string() + ": " + errno_text(errno))};
    }
    ::close(fd);
    if (written && ::rename(temporary.c_str(), target.c_str()) != 0) {
        written = failure{error("cannot rename " + temporary.string() + " to " + target.string() +
                                ": " + errno_text(errno))};
    }
    if (!written) {
        ::unlink(temporary.c_str());
        return written;
    }
    // The rename is durable only once the directory entry is.
    return fsync_path(log_dir, O_RDONLY | O_DIRECTORY);
}

result<node_identity, meta_properties_error> ensure_meta_properties(
    std::span<const std::filesystem::path> log_dirs, std::optional<node_id> configured_node_id) {
    stored_identity identity;
    identity.node = configured_node_id;

    std::vector<std::optional<meta_properties>> stored;
    for (const auto& dir : log_dirs) {
        auto meta = load_meta_properties(dir);
        if (!meta) {
            return failure{meta.error()};
        }
        if (*meta) {
            auto file = dir / meta_properties_file_name;
            if (auto disagreement = check_agreement(identity, file, **meta)) {
                return failure{*disagreement};
            }
            if (const auto& id = (*meta)->directory_id) {
                if (is_reserved_directory_id(*id)) {
                    return failure{error("invalid reserved directory id " + id->to_string() +
                                         " in " + file.string())};
                }
                for (std::size_t i = 0; i < stored.size(); ++i) {
                    if (stored[i] && stored[i]->directory_id == id) {
                        return failure{error("duplicate directory id " + id->to_string() + " in " +
                                             file.string() + " and " +
                                             (log_dirs[i] / meta_properties_file_name).string())};
                    }
                }
            }
        }
        stored.push_back(*std::move(meta));
    }

    bool first_start = !identity.cluster_id;
    node_identity ensured{identity.cluster_id.value_or(""), identity.node.value_or(node_id(1)), {}};
    if (first_start) {
        ensured.cluster_id = random_kafka_uuid().to_string();
        log::info("first start: formatting log directories for cluster {} as node {}",
                  ensured.cluster_id, ensured.node.value());
    }
    for (std::size_t i = 0; i < log_dirs.size(); ++i) {
        const auto& dir = log_dirs[i];
        if (stored[i] && stored[i]->directory_id) {
            ensured.dirs.push_back({dir, *stored[i]->directory_id});
            continue;
        }
        meta_properties meta{ensured.cluster_id, ensured.node, random_directory_id()};
        std::error_code created;
        std::filesystem::create_directories(dir, created);
        if (created) {
            return failure{
                error("cannot create log directory " + dir.string() + ": " + created.message())};
        }
        auto written = write_meta_properties(dir, meta);
        if (!written) {
            return failure{written.error()};
        }
        ensured.dirs.push_back({dir, *meta.directory_id});
    }
    return ensured;
}

}  // namespace samsa::broker
