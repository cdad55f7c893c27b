// Resolving the listener keys into listener_settings, with Kafka's rules between them
// (KafkaConfig.validateValues and AbstractKafkaConfig in Kafka 4.0).

#include <algorithm>

#include "broker/config_builder.h"

namespace samsa::broker::detail {
namespace {

constexpr std::string_view listeners_key = "listeners";
constexpr std::string_view advertised_key = "advertised.listeners";
constexpr std::string_view protocol_map_key = "listener.security.protocol.map";
constexpr std::string_view controller_names_key = "controller.listener.names";
constexpr std::string_view inter_broker_name_key = "inter.broker.listener.name";
constexpr std::string_view inter_broker_protocol_key = "security.inter.broker.protocol";

std::string upper_case(std::string text) {
    for (char& c : text) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return text;
}

std::string join(const std::vector<std::string>& words) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        text += (i == 0 ? "" : ", ");
        text += words[i];
    }
    return text;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_ssl_or_sasl(std::string_view name) {
    return name == "SSL" || name == "SASL_SSL" || name == "SASL_PLAINTEXT";
}

// The listener name of a `listeners` entry, without parsing the rest.
std::string listener_name_of(std::string_view entry) {
    return upper_case(std::string(entry.substr(0, entry.find(':'))));
}

void report_all(config_builder& values, std::string_view key,
                const std::vector<std::string>& problems) {
    for (const auto& problem : problems) {
        values.report(config_problem_kind::invalid_value, key, problem);
    }
}

// listener.security.protocol.map, with Kafka's KRaft default: when the map is not set
// and no listener uses SSL or SASL by name, each controller listener name maps to
// PLAINTEXT (so "CONTROLLER://:9093" needs no map entry).
std::optional<listener_security_map> resolve_protocols(
    config_builder& values, const std::vector<std::string>& controller_names,
    const std::vector<std::string>& listener_entries) {
    auto protocols = parse_listener_security_protocol_map(*values.string(protocol_map_key));
    if (!protocols) {
        report_all(values, protocol_map_key, protocols.error());
        return std::nullopt;
    }
    bool secured_by_name =
        std::any_of(controller_names.begin(), controller_names.end(), is_ssl_or_sasl) ||
        std::any_of(listener_entries.begin(), listener_entries.end(), [](const std::string& entry) {
            return is_ssl_or_sasl(listener_name_of(entry));
        });
    if (!values.is_set(protocol_map_key) && !secured_by_name) {
        for (const auto& name : controller_names) {
            protocols->emplace(name, security_protocol::plaintext);
        }
    }
    return *std::move(protocols);
}

// advertised.listeners, else the listeners; every name must be a listener's, and the
// result cannot advertise 0.0.0.0 (Kafka refuses `listeners=PLAINTEXT://0.0.0.0:9092`
// without advertised.listeners for that reason).
std::optional<std::vector<listener_endpoint>> resolve_advertised(
    config_builder& values, const listener_security_map& protocols,
    const std::vector<listener_endpoint>& listeners) {
    const std::string* advertised_text = values.string(advertised_key);
    if (advertised_text == nullptr) {
        bool ok = true;
        for (const auto& listener : listeners) {
            if (listener.host == "0.0.0.0" || listener.host == "::") {
                values.report(config_problem_kind::invalid_value, listeners_key,
                              listener.to_string() + " binds the non-routable meta-address " +
                                  listener.host +
                                  ", which clients cannot be told; set "
                                  "advertised.listeners to a routable address");
                ok = false;
            }
        }
        return ok ? std::optional(listeners) : std::nullopt;
    }
    auto advertised = parse_listener_list(parse_csv_list(*advertised_text), protocols,
                                          listener_list_kind::advertised);
    if (!advertised) {
        report_all(values, advertised_key, advertised.error());
        return std::nullopt;
    }
    std::vector<std::string> listener_names;
    for (const auto& listener : listeners) {
        listener_names.push_back(listener.name);
    }
    bool ok = true;
    for (const auto& endpoint : *advertised) {
        if (!contains(listener_names, endpoint.name)) {
            values.report(config_problem_kind::invalid_value, advertised_key,
                          "listener " + endpoint.name + " is not one of the listeners (" +
                              join(listener_names) + ")");
            ok = false;
        }
    }
    if (!ok) {
        return std::nullopt;
    }
    return *std::move(advertised);
}

// inter.broker.listener.name, else the listener named after security.inter.broker.protocol;
// it must be advertised (Kafka's rule; Samsa has no inter-broker traffic yet).
std::string resolve_inter_broker_listener(config_builder& values,
                                          const listener_security_map& protocols,
                                          const std::vector<listener_endpoint>& advertised,
                                          bool check_advertised) {
    const std::string* configured = values.string(inter_broker_name_key);
    if (configured != nullptr && values.is_set(inter_broker_protocol_key)) {
        values.report(config_problem_kind::invalid_value, inter_broker_name_key,
                      "only one of inter.broker.listener.name and "
                      "security.inter.broker.protocol should be set");
    }
    std::string name =
        upper_case(configured != nullptr ? *configured : *values.string(inter_broker_protocol_key));
    std::string_view key =
        configured != nullptr ? inter_broker_name_key : inter_broker_protocol_key;
    if (!protocols.contains(name)) {
        values.report(config_problem_kind::invalid_value, key,
                      "listener " + name + " is not defined in listener.security.protocol.map");
        return name;
    }
    std::vector<std::string> advertised_names;
    for (const auto& endpoint : advertised) {
        advertised_names.push_back(endpoint.name);
    }
    if (check_advertised && !contains(advertised_names, name)) {
        values.report(config_problem_kind::invalid_value, key,
                      "the inter-broker listener " + name +
                          " must be a listener defined in advertised.listeners (or listeners); "
                          "set inter.broker.listener.name to one of " +
                          join(advertised_names));
    }
    return name;
}

}  // namespace

listener_settings resolve_listener_settings(config_builder& values, bool serves_broker_role) {
    listener_settings settings;
    std::vector<std::string> controller_names;
    if (const std::string* names = values.string(controller_names_key)) {
        for (auto& name : parse_csv_list(*names)) {
            controller_names.push_back(upper_case(std::move(name)));
        }
    }
    std::vector<std::string> listener_entries = parse_csv_list(*values.string(listeners_key));

    auto protocols = resolve_protocols(values, controller_names, listener_entries);
    if (!protocols) {
        return settings;
    }
    auto listeners = parse_listener_list(listener_entries, *protocols, listener_list_kind::bound);
    if (!listeners) {
        report_all(values, listeners_key, listeners.error());
        return settings;
    }
    for (const auto& listener : *listeners) {
        bool is_controller = contains(controller_names, listener.name);
        (is_controller ? settings.controller : settings.served).push_back(listener);
        if (!is_controller && listener.protocol != security_protocol::plaintext) {
            values.report(config_problem_kind::unsupported, listeners_key,
                          listener.to_string() + " uses security protocol " +
                              std::string(to_string(listener.protocol)) +
                              ", which Samsa does not serve yet (only PLAINTEXT)");
        }
    }
    if (serves_broker_role && settings.served.empty()) {
        values.report(config_problem_kind::invalid_value, listeners_key,
                      "no listener to serve clients on (controller listeners are not served)");
        return settings;
    }

    auto advertised = resolve_advertised(values, *protocols, *listeners);
    if (!advertised) {
        return settings;
    }
    for (auto& endpoint : *advertised) {
        if (!contains(controller_names, endpoint.name)) {
            settings.advertised.push_back(std::move(endpoint));
        }
    }
    settings.inter_broker_listener_name =
        resolve_inter_broker_listener(values, *protocols, settings.advertised, serves_broker_role);
    return settings;
}

}  // namespace samsa::broker::detail
