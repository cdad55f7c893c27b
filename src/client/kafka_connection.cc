#include "client/kafka_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "protocol/generated/api_registry.h"
#include "protocol/generated/api_versions_request.h"
#include "protocol/generated/api_versions_response.h"
#include "protocol/generated/request_header.h"
#include "protocol/generated/response_header.h"
#include "protocol/header_versions.h"

namespace samsa::client {

namespace {

// Larger answers than this are a broken peer, not a Kafka broker (Kafka's own
// socket.request.max.bytes is 100 MiB).
constexpr std::size_t max_frame_bytes = 100 * 1024 * 1024;

// A response is read in pieces of at most this size, so that a broken peer announcing a
// large frame and then sending nothing costs no more memory than it actually sent.
constexpr std::size_t read_chunk_bytes = 64 * 1024;

int milliseconds_until(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT32_MAX));
}

// Every address the name resolves to is tried, all within the one deadline.
int connect_with_deadline(const std::string& host, uint16_t port,
                          std::chrono::steady_clock::time_point deadline, std::string& problem) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    std::string service = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses); rc != 0) {
        problem = std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
        return -1;
    }
    int connected = -1;
    for (addrinfo* address = addresses; address != nullptr && connected < 0;
         address = address->ai_next) {
        int fd = socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        address->ai_protocol);
        if (fd < 0) {
            problem = std::strerror(errno);
            continue;
        }
        int rc = connect(fd, address->ai_addr, address->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd waiting{.fd = fd, .events = POLLOUT, .revents = 0};
            do {
                rc = poll(&waiting, 1, milliseconds_until(deadline));
            } while (rc < 0 && errno == EINTR);
            if (rc == 0) {
                problem = "no answer in time";
                rc = -1;
            } else if (rc > 0) {
                int error = 0;
                socklen_t length = sizeof error;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
                rc = error == 0 ? 0 : -1;
                if (error != 0) {
                    problem = std::strerror(error);
                }
            } else {
                problem = std::strerror(errno);
            }
        } else if (rc != 0) {
            problem = std::strerror(errno);
        }
        if (rc == 0) {
            connected = fd;
        } else {
            close(fd);
        }
    }
    freeaddrinfo(addresses);
    if (connected >= 0) {
        int one = 1;
        setsockopt(connected, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return connected;
}

}  // namespace

kafka_connection::kafka_connection(int socket, std::string address, int timeout_ms)
    : socket_(socket), address_(std::move(address)), timeout_ms_(timeout_ms) {}

kafka_connection::kafka_connection(kafka_connection&& other) noexcept
    : socket_(std::exchange(other.socket_, -1)),
      address_(std::move(other.address_)),
      timeout_ms_(other.timeout_ms_),
      deadline_(other.deadline_),
      next_correlation_id_(other.next_correlation_id_),
      versions_(std::move(other.versions_)) {}

kafka_connection& kafka_connection::operator=(kafka_connection&& other) noexcept {
    if (this != &other) {
        if (socket_ >= 0) {
            close(socket_);
        }
        socket_ = std::exchange(other.socket_, -1);
        address_ = std::move(other.address_);
        timeout_ms_ = other.timeout_ms_;
        deadline_ = other.deadline_;
        next_correlation_id_ = other.next_correlation_id_;
        versions_ = std::move(other.versions_);
    }
    return *this;
}

kafka_connection::~kafka_connection() {
    if (socket_ >= 0) {
        close(socket_);
    }
}

client_result<kafka_connection> kafka_connection::open(const std::string& host, uint16_t port,
                                                       int timeout_ms) {
    std::string address = host + ":" + std::to_string(port);
    std::string problem;
    // Connecting and negotiating versions share one timeout.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int fd = connect_with_deadline(host, port, deadline, problem);
    if (fd < 0) {
        return failure{unreachable("cannot reach the broker at " + address + ": " + problem)};
    }
    kafka_connection connection(fd, address, timeout_ms);
    connection.deadline_ = deadline;
    auto negotiated = connection.negotiate();
    if (!negotiated) {
        return failure{negotiated.error()};
    }
    return connection;
}

client_result<kafka_connection> kafka_connection::open_any(const connection_settings& settings) {
    auto servers = parse_bootstrap_servers(settings.bootstrap_servers);
    if (servers.empty()) {
        return failure{invalid("no broker given: --brokers is empty")};
    }
    std::optional<client_error> last;
    for (const auto& [host, port] : servers) {
        auto connection = open(host, port, settings.timeout_ms);
        if (connection) {
            return connection;
        }
        last = connection.error();
    }
    if (servers.size() == 1) {
        return failure{*last};
    }
    return failure{unreachable("no broker answered (tried " + settings.bootstrap_servers +
                               "): " + last->message)};
}

std::optional<int16_t> kafka_connection::negotiated_version(int16_t api_key) const {
    auto found = versions_.find(api_key);
    if (found == versions_.end()) {
        return std::nullopt;
    }
    return found->second;
}

client_error kafka_connection::unsupported(int16_t api_key) const {
    const protocol::api_descriptor* api = protocol::find_api(api_key);
    std::string name = api != nullptr ? std::string(api->name) : std::to_string(api_key);
    return refused("the broker at " + address_ + " does not support " + name);
}

client_result<bool> kafka_connection::wait_until_ready(short events) {
    pollfd waiting{.fd = socket_, .events = events, .revents = 0};
    int rc = 0;
    do {
        rc = poll(&waiting, 1, milliseconds_until(deadline_));
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
        return failure{unreachable("the broker at " + address_ + " did not answer within " +
                                   std::to_string(timeout_ms_) + " ms")};
    }
    if (rc < 0) {
        return failure{
            unreachable("lost the connection to " + address_ + ": " + std::strerror(errno))};
    }
    return true;
}

client_result<bool> kafka_connection::write_all(const std::vector<uint8_t>& bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        ssize_t rc = ::send(socket_, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL);
        if (rc > 0) {
            written += static_cast<std::size_t>(rc);
            continue;
        }
        if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (auto ready = wait_until_ready(POLLOUT); !ready) {
                return ready;
            }
            continue;
        }
        return failure{
            unreachable("lost the connection to " + address_ + ": " + std::strerror(errno))};
    }
    return true;
}

client_result<bool> kafka_connection::read_exact(uint8_t* into, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
        ssize_t rc = ::recv(socket_, into + got, size - got, 0);
        if (rc > 0) {
            got += static_cast<std::size_t>(rc);
            continue;
        }
        if (rc == 0) {
            return failure{unreachable("the broker at " + address_ + " closed the connection")};
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (auto ready = wait_until_ready(POLLIN); !ready) {
                return ready;
            }
            continue;
        }
        return failure{
            unreachable("lost the connection to " + address_ + ": " + std::strerror(errno))};
    }
    return true;
}

client_result<shared_bytes> kafka_connection::round_trip(int16_t api_key, int16_t version,
                                                         const protocol::wire_writer& body) {
    deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
    return round_trip_until(api_key, version, body);
}

client_result<shared_bytes> kafka_connection::round_trip_until(int16_t api_key, int16_t version,
                                                               const protocol::wire_writer& body) {
    const protocol::api_descriptor* api = protocol::find_api(api_key);
    if (api == nullptr || !body.ok()) {
        return failure{invalid(std::string("cannot encode the request: ") +
                               protocol::to_string(body.error()))};
    }
    protocol::request_header header;
    header.request_api_key = api_key;
    header.request_api_version = version;
    header.correlation_id = next_correlation_id_++;
    header.client_id = "samsa-cli";
    protocol::wire_writer frame;
    frame.write_int32(0);
    header.write(frame, protocol::request_header_version(*api, version));
    frame.write_raw(body.bytes());
    frame.patch_int32(0, static_cast<int32_t>(frame.size() - 4));
    if (auto written = write_all(frame.bytes()); !written) {
        return failure{written.error()};
    }
    uint8_t size_bytes[4];
    if (auto read = read_exact(size_bytes, sizeof size_bytes); !read) {
        return failure{read.error()};
    }
    uint32_t size = (uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                    (uint32_t{size_bytes[2]} << 8) | uint32_t{size_bytes[3]};
    if (size < 4 || size > max_frame_bytes) {
        return failure{refused("the broker at " + address_ + " sent a malformed frame (" +
                               std::to_string(size) + " bytes announced)")};
    }
    std::vector<uint8_t> payload;
    while (payload.size() < size) {
        std::size_t have = payload.size();
        payload.resize(have + std::min<std::size_t>(size - have, read_chunk_bytes));
        if (auto read = read_exact(payload.data() + have, payload.size() - have); !read) {
            return failure{read.error()};
        }
    }
    protocol::wire_reader reader(shared_bytes(std::move(payload)));
    protocol::response_header response_header;
    response_header.read(reader, protocol::response_header_version(*api, version));
    if (!reader.ok() || response_header.correlation_id != header.correlation_id) {
        return failure{refused("the broker at " + address_ + " answered out of order")};
    }
    std::vector<uint8_t> rest(reader.remaining());
    for (auto& byte : rest) {
        byte = static_cast<uint8_t>(reader.read_int8());
    }
    return shared_bytes(std::move(rest));
}

client_result<bool> kafka_connection::negotiate() {
    // Version 0 has no body and every broker answers it; its answer lists every API.
    protocol::api_versions_request request;
    protocol::wire_writer body;
    request.write(body, 0);
    // Within the deadline open() set for connecting and negotiating together.
    auto frame = round_trip_until(protocol::api_versions_key, 0, body);
    if (!frame) {
        return failure{frame.error()};
    }
    protocol::wire_reader reader(std::move(frame).value());
    protocol::api_versions_response response;
    response.read(reader, 0);
    if (!reader.ok() || response.error_code != protocol::error_code::none) {
        return failure{refused("the broker at " + address_ + " refused ApiVersions")};
    }
    for (const auto& advertised : response.api_keys) {
        const protocol::api_descriptor* ours = protocol::find_api(advertised.api_key);
        if (ours == nullptr) {
            continue;
        }
        int16_t highest = std::min(advertised.max_version, ours->max_version);
        int16_t lowest = std::max(advertised.min_version, ours->min_version);
        if (highest >= lowest) {
            versions_[advertised.api_key] = highest;
        }
    }
    return true;
}

}  // namespace samsa::client
