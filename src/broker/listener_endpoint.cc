#include "broker/listener_endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "broker/config_value.h"

namespace samsa::broker {
namespace {

std::string upper_case(std::string_view text) {
    std::string upper(text);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return upper;
}

// Kafka's listener regex allows these in a host: [0-9a-zA-Z\-%._:] (':' only for IPv6,
// '%' for an IPv6 zone such as fe80::1%eth0).
bool is_host_character(char c, bool allow_colon) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '%' || c == '.' || c == '_' || (allow_colon && c == ':');
}

bool is_ipv4_literal(const std::string& host) {
    in_addr address{};
    return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6_literal(const std::string& host) {
    // A zone ("%eth0") is not part of what inet_pton reads.
    std::string address_part = host.substr(0, host.find('%'));
    in6_addr address{};
    return inet_pton(AF_INET6, address_part.c_str(), &address) == 1;
}

std::string join(const std::vector<std::string>& entries) {
    std::string text;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        text += (i == 0 ? "" : ",");
        text += entries[i];
    }
    return text;
}

// Kafka allows several listeners on one port only when there are exactly two, one on an
// IPv4 address and the other on an IPv6 address.
bool may_share_port(const std::vector<const listener_endpoint*>& sharing) {
    if (sharing.size() != 2) {
        return false;
    }
    const auto& a = sharing[0]->host;
    const auto& b = sharing[1]->host;
    return (is_ipv4_literal(a) && is_ipv6_literal(b)) || (is_ipv6_literal(a) && is_ipv4_literal(b));
}

void check_distinct_ports(const std::vector<listener_endpoint>& listeners,
                          std::vector<std::string>& problems) {
    std::map<uint16_t, std::vector<const listener_endpoint*>> by_port;
    for (const auto& listener : listeners) {
        if (listener.port != 0) {
            by_port[listener.port].push_back(&listener);
        }
    }
    for (const auto& [port, sharing] : by_port) {
        if (sharing.size() > 1 && !may_share_port(sharing)) {
            problems.push_back(
                "each listener must have a different port unless exactly one "
                "has an IPv4 address and the other an IPv6 address; port " +
                std::to_string(port) + " is used more than once");
        }
    }
}

}  // namespace

std::string_view to_string(security_protocol protocol) {
    switch (protocol) {
        case security_protocol::plaintext:
            return "PLAINTEXT";
        case security_protocol::ssl:
            return "SSL";
        case security_protocol::sasl_plaintext:
            return "SASL_PLAINTEXT";
        case security_protocol::sasl_ssl:
            return "SASL_SSL";
    }
    return "UNKNOWN";
}

std::optional<security_protocol> parse_security_protocol(std::string_view name) {
    std::string upper = upper_case(name);
    for (auto protocol : {security_protocol::plaintext, security_protocol::ssl,
                          security_protocol::sasl_plaintext, security_protocol::sasl_ssl}) {
        if (upper == to_string(protocol)) {
            return protocol;
        }
    }
    return std::nullopt;
}

result<listener_security_map, std::vector<std::string>> parse_listener_security_protocol_map(
    std::string_view text) {
    listener_security_map protocols;
    std::vector<std::string> problems;
    for (const auto& entry : parse_csv_list(text)) {
        std::size_t colon = entry.rfind(':');
        if (colon == std::string::npos) {
            problems.push_back("'" + entry + "' is not NAME:PROTOCOL");
            continue;
        }
        std::string name = upper_case(trim(std::string_view(entry).substr(0, colon)));
        std::string_view protocol_name = trim(std::string_view(entry).substr(colon + 1));
        auto protocol = parse_security_protocol(protocol_name);
        if (name.empty()) {
            problems.push_back("'" + entry + "' has no listener name");
        } else if (!protocol) {
            problems.push_back("invalid security protocol '" + std::string(protocol_name) +
                               "' for listener " + name +
                               " (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)");
        } else if (!protocols.emplace(name, *protocol).second) {
            problems.push_back("listener name " + name + " appears more than once");
        }
    }
    if (!problems.empty()) {
        return failure{std::move(problems)};
    }
    return protocols;
}

std::string listener_endpoint::to_string() const {
    bool ipv6 = host.find(':') != std::string::npos;
    return name + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

result<listener_endpoint, std::string> parse_listener(std::string_view entry,
                                                      const listener_security_map& protocols) {
    auto problem = [&](std::string_view why) {
        return failure{"'" + std::string(entry) + "' " + std::string(why)};
    };
    std::size_t separator = entry.find("://");
    if (separator == std::string_view::npos) {
        return problem("is not NAME://host:port");
    }
    listener_endpoint endpoint;
    endpoint.name = upper_case(entry.substr(0, separator));
    if (endpoint.name.empty()) {
        return problem("has no listener name before ://");
    }

    std::string_view address = entry.substr(separator + 3);
    std::string_view host;
    std::string_view port_text;
    if (address.starts_with('[')) {
        std::size_t close = address.find(']');
        if (close == std::string_view::npos || address.substr(close + 1, 1) != ":") {
            return problem("has an IPv6 address without ]: before the port");
        }
        host = address.substr(1, close - 1);
        port_text = address.substr(close + 2);
    } else {
        std::size_t colon = address.rfind(':');
        if (colon == std::string_view::npos) {
            return problem("has no :port");
        }
        host = address.substr(0, colon);
        port_text = address.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return problem("has an IPv6 address without brackets; write it as [::1]:9092");
        }
    }
    bool bracketed = address.starts_with('[');
    if (!std::all_of(host.begin(), host.end(),
                     [&](char c) { return is_host_character(c, bracketed); })) {
        return problem("has an invalid host");
    }
    endpoint.host = std::string(host);

    unsigned port = 0;
    const char* port_end = port_text.data() + port_text.size();
    auto [stop, error] = std::from_chars(port_text.data(), port_end, port);
    if (port_text.empty() || error != std::errc() || stop != port_end || port > 65535) {
        return problem("has an invalid port (0 to 65535; 0 picks a free port)");
    }
    endpoint.port = static_cast<uint16_t>(port);

    auto protocol = protocols.find(endpoint.name);
    if (protocol == protocols.end()) {
        return problem("names listener " + endpoint.name +
                       ", which listener.security.protocol.map does not define");
    }
    endpoint.protocol = protocol->second;
    return endpoint;
}

result<std::vector<listener_endpoint>, std::vector<std::string>> parse_listener_list(
    const std::vector<std::string>& entries, const listener_security_map& protocols,
    listener_list_kind kind) {
    std::vector<listener_endpoint> listeners;
    std::vector<std::string> problems;
    for (const auto& entry : entries) {
        auto listener = parse_listener(entry, protocols);
        if (!listener) {
            problems.push_back(listener.error());
            continue;
        }
        bool duplicate_name =
            std::any_of(listeners.begin(), listeners.end(),
                        [&](const listener_endpoint& l) { return l.name == listener->name; });
        if (duplicate_name) {
            problems.push_back("each listener must have a different name; " + listener->name +
                               " appears more than once in " + join(entries));
            continue;
        }
        if (kind == listener_list_kind::advertised &&
            (listener->host == "0.0.0.0" || listener->host == "::")) {
            problems.push_back("'" + entry + "' advertises the non-routable meta-address " +
                               listener->host + "; advertise a routable address");
            continue;
        }
        listeners.push_back(*std::move(listener));
    }
    if (kind == listener_list_kind::bound) {
        check_distinct_ports(listeners, problems);
    }
    if (!problems.empty()) {
        return failure{std::move(problems)};
    }
    return listeners;
}

listener_endpoint resolve_advertised_listener(const listener_endpoint& advertised,
                                              std::string_view local_host_name,
                                              uint16_t bound_port) {
    listener_endpoint resolved = advertised;
    if (resolved.has_wildcard_host()) {
        resolved.host = std::string(local_host_name);
    }
    if (resolved.has_ephemeral_port()) {
        resolved.port = bound_port;
    }
    return resolved;
}

}  // namespace samsa::broker
