#pragma once

// Kafka's listeners: `NAME://host:port` entries of `listeners` and `advertised.listeners`,
// with the security protocol of each name from `listener.security.protocol.map`.
//
// Kafka's rules, which these follow:
//   - the name is the text before "://", upper-cased; it must be in the protocol map
//     (whose default maps PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL to themselves);
//   - the host is empty (every interface), a host name, an IPv4 address, or an IPv6 address
//     in brackets ("[::1]"); the port is 0..65535, 0 asking for an ephemeral port;
//   - in `listeners`, names are distinct and so are ports, except that one IPv4 and one IPv6
//     listener may share a port (port 0 never clashes);
//   - in `advertised.listeners`, names are distinct, ports may repeat (one listener may
//     advertise another's address), and 0.0.0.0 cannot be advertised.
// One deliberate difference: Kafka also takes an IPv6 address without brackets
// ("PLAINTEXT://::1:9092"); Samsa asks for the brackets, which make the port unambiguous.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace samsa::broker {

// Only plaintext is served for now; a listener of another protocol is a configuration
// problem until TLS and SASL land.
enum class security_protocol : uint8_t { plaintext, ssl, sasl_plaintext, sasl_ssl };

// Kafka's name: "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL".
std::string_view to_string(security_protocol protocol);
// Kafka's SecurityProtocol.forName: case-insensitive.
std::optional<security_protocol> parse_security_protocol(std::string_view name);

// Listener name (upper case) to security protocol.
using listener_security_map = std::map<std::string, security_protocol, std::less<>>;

// `listener.security.protocol.map`: comma-separated NAME:PROTOCOL pairs (Kafka's
// Csv.parseCsvMap; the last ':' separates). Every problem is reported.
result<listener_security_map, std::vector<std::string>> parse_listener_security_protocol_map(
    std::string_view text);

struct listener_endpoint {
    std::string name;  // upper case: "PLAINTEXT", "CLIENT"
    security_protocol protocol = security_protocol::plaintext;
    // Without brackets. Empty: bind every interface; when advertised, the server
    // advertises the machine's host name instead (see resolve_advertised_listener).
    std::string host;
    // 0: bind an ephemeral port; when advertised, the server advertises the port its
    // listener of the same name actually bound.
    uint16_t port = 0;

    bool has_wildcard_host() const { return host.empty(); }
    bool has_ephemeral_port() const { return port == 0; }

    // NAME://host:port, IPv6 hosts in brackets.
    std::string to_string() const;

    bool operator==(const listener_endpoint&) const = default;
};

// Parses one `NAME://host:port`.
result<listener_endpoint, std::string> parse_listener(std::string_view entry,
                                                      const listener_security_map& protocols);

enum class listener_list_kind : uint8_t {
    bound,       // `listeners`: what the broker binds
    advertised,  // `advertised.listeners`: what clients are told
};

// Parses a list of listeners (already split on commas) with the rules of its kind.
// Every problem is reported.
result<std::vector<listener_endpoint>, std::vector<std::string>> parse_listener_list(
    const std::vector<std::string>& entries, const listener_security_map& protocols,
    listener_list_kind kind);

// The address to advertise once the server is listening: an empty host becomes
// `local_host_name`, port 0 becomes `bound_port` (the port the same-named listener bound).
listener_endpoint resolve_advertised_listener(const listener_endpoint& advertised,
                                              std::string_view local_host_name,
                                              uint16_t bound_port);

}  // namespace samsa::broker
