#pragma once

// A blocking Kafka protocol connection for the few APIs librdkafka 2.0 lacks
// (IncrementalAlterConfigs, DescribeCluster): request/response frames encoded with the
// generated codecs, the version of each API negotiated with ApiVersions, every wait bounded
// by a deadline so that a silent broker is reported as unreachable instead of hanging.
//
//     auto connection = client::kafka_connection::open_any(settings);
//     if (!connection) { context.fail(connection.error()); return; }
//     auto response = connection->send<protocol::incremental_alter_configs_response>(request);

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "client/client_config.h"
#include "client/client_error.h"
#include "protocol/message_support.h"

namespace samsa::client {

class kafka_connection {
public:
    kafka_connection(kafka_connection&& other) noexcept;
    kafka_connection& operator=(kafka_connection&& other) noexcept;
    kafka_connection(const kafka_connection&) = delete;
    kafka_connection& operator=(const kafka_connection&) = delete;
    ~kafka_connection();

    // Connects to host:port and negotiates API versions, both within `timeout_ms`; it bounds
    // every later request too. Answers are bounded in size (a broken or hostile peer gives
    // an error, never a large allocation).
    static client_result<kafka_connection> open(const std::string& host, uint16_t port,
                                                int timeout_ms);
    // The first bootstrap server that answers.
    static client_result<kafka_connection> open_any(const connection_settings& settings);

    // The highest version both sides speak of the API, or nullopt (the broker does not
    // advertise it, or no version is shared).
    std::optional<int16_t> negotiated_version(int16_t api_key) const;
    const std::string& address() const { return address_; }

    // Sends the request at the negotiated version and decodes the response.
    template <typename Response, typename Request>
    client_result<Response> send(const Request& request) {
        constexpr int16_t key = protocol::message_traits<Request>::api_key;
        auto version = negotiated_version(key);
        if (!version) {
            return failure{unsupported(key)};
        }
        protocol::wire_writer body;
        request.write(body, *version);
        auto frame = round_trip(key, *version, body);
        if (!frame) {
            return failure{frame.error()};
        }
        protocol::wire_reader reader(std::move(frame).value());
        Response response;
        response.read(reader, *version);
        if (!reader.ok()) {
            return failure{refused(std::string("cannot decode the broker's answer: ") +
                                   protocol::to_string(reader.error()))};
        }
        return response;
    }

private:
    kafka_connection(int socket, std::string address, int timeout_ms);

    client_error unsupported(int16_t api_key) const;
    // Writes header + body as one frame and returns the response body (after its header),
    // all within timeout_ms from now.
    client_result<shared_bytes> round_trip(int16_t api_key, int16_t version,
                                           const protocol::wire_writer& body);
    // The same within the deadline already set.
    client_result<shared_bytes> round_trip_until(int16_t api_key, int16_t version,
                                                 const protocol::wire_writer& body);
    client_result<bool> negotiate();
    client_result<bool> write_all(const std::vector<uint8_t>& bytes);
    client_result<bool> read_exact(uint8_t* into, std::size_t size);
    // Waits for the socket to be readable (POLLIN) or writable (POLLOUT) until the deadline.
    client_result<bool> wait_until_ready(short events);

    int socket_ = -1;
    std::string address_;
    int timeout_ms_ = 0;
    std::chrono::steady_clock::time_point deadline_;
    int32_t next_correlation_id_ = 1;
    std::map<int16_t, int16_t> versions_;
};

}  // namespace samsa::client
