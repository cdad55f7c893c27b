#include "client/client_config.h"

#include <charconv>

namespace samsa::client {

client_config::client_config(const connection_settings& settings, const std::string& client_id)
    : configuration_(rd_kafka_conf_new()), user_properties_(settings.properties) {
    set("bootstrap.servers", settings.bootstrap_servers);
    set("client.id", client_id);
    // A mistyped topic is an error, not a new topic with the broker's defaults.
    set("allow.auto.create.topics", "false");
    // librdkafka logs connection failures to stderr by itself; the CLI reports them once,
    // in its own words, when an operation times out.
    set("log_level", "0");
    set("socket.timeout.ms", std::to_string(settings.timeout_ms));
}

client_config& client_config::set(const std::string& name, const std::string& value) {
    char reason[512];
    if (!error_ && rd_kafka_conf_set(configuration_.get(), name.c_str(), value.c_str(), reason,
                                     sizeof reason) != RD_KAFKA_CONF_OK) {
        error_ = invalid("librdkafka refuses " + name + "=" + value + ": " + reason);
    }
    return *this;
}

client_config& client_config::opaque(void* opaque) {
    rd_kafka_conf_set_opaque(configuration_.get(), opaque);
    return *this;
}

client_result<client_handle> client_config::create(rd_kafka_type_t type) {
    for (const auto& [name, value] : user_properties_) {
        set(name, value);
    }
    if (error_) {
        return failure{*error_};
    }
    char reason[512];
    rd_kafka_t* client = rd_kafka_new(type, configuration_.get(), reason, sizeof reason);
    if (client == nullptr) {
        return failure{invalid(std::string("cannot create a librdkafka client: ") + reason)};
    }
    // rd_kafka_new took the configuration.
    configuration_.release();
    return client_handle(client);
}

std::vector<std::pair<std::string, uint16_t>> parse_bootstrap_servers(const std::string& servers) {
    constexpr uint16_t kafka_port = 9092;
    std::vector<std::pair<std::string, uint16_t>> out;
    std::size_t start = 0;
    while (start <= servers.size()) {
        std::size_t end = servers.find(',', start);
        if (end == std::string::npos) {
            end = servers.size();
        }
        std::string entry = servers.substr(start, end - start);
        while (!entry.empty() && entry.front() == ' ') {
            entry.erase(0, 1);
        }
        while (!entry.empty() && entry.back() == ' ') {
            entry.pop_back();
        }
        if (!entry.empty()) {
            std::size_t colon = entry.rfind(':');
            uint16_t port = kafka_port;
            std::string host = entry;
            if (colon != std::string::npos) {
                uint16_t parsed = 0;
                const char* first = entry.data() + colon + 1;
                const char* last = entry.data() + entry.size();
                auto [ptr, ec] = std::from_chars(first, last, parsed);
                if (ec == std::errc{} && ptr == last && parsed != 0) {
                    port = parsed;
                    host = entry.substr(0, colon);
                }
            }
            out.emplace_back(host, port);
        }
        start = end + 1;
    }
    return out;
}

}  // namespace samsa::client
