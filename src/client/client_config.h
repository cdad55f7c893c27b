#pragma once

// How a client of the CLI reaches the brokers, and the librdkafka configuration built from
// it: bootstrap.servers, then the user's own librdkafka properties (`-X name=value`), which
// win over the defaults set here.
//
//     client::connection_settings settings{.bootstrap_servers = "127.0.0.1:9092"};
//     auto producer = client::client_config(settings, "samsa-cli")
//                         .set("acks", "all")
//                         .create(RD_KAFKA_PRODUCER);
//     if (!producer) { print(producer.error().message); }

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/client_error.h"
#include "client/rdkafka_handles.h"

namespace samsa::client {

struct connection_settings {
    // A comma-separated host:port list (librdkafka's bootstrap.servers).
    std::string bootstrap_servers = "127.0.0.1:9092";
    // librdkafka properties given by the user; applied last.
    std::vector<std::pair<std::string, std::string>> properties;
    // How long an operation may wait for the brokers before it reports them unreachable.
    int timeout_ms = 10'000;
};

// Settings for one librdkafka client; the first setting librdkafka refuses is the error of
// create().
class client_config {
public:
    client_config(const connection_settings& settings, const std::string& client_id);

    client_config& set(const std::string& name, const std::string& value);
    // Passed to every callback of the client.
    client_config& opaque(void* opaque);
    // For callbacks this class does not wrap (delivery reports, rebalances).
    rd_kafka_conf_t* raw() { return configuration_.get(); }

    // Applies the user's properties, then creates the client.
    client_result<client_handle> create(rd_kafka_type_t type);

private:
    configuration_handle configuration_;
    std::vector<std::pair<std::string, std::string>> user_properties_;
    std::optional<client_error> error_;
};

// "host:port" pairs of a bootstrap.servers list, e.g. for the CLI's own protocol
// connections; an entry without a port gets Kafka's 9092.
std::vector<std::pair<std::string, uint16_t>> parse_bootstrap_servers(const std::string& servers);

}  // namespace samsa::client
