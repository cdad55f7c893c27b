// Kafka's listener syntax and rules (see broker/listener_endpoint.h).

#include "broker/listener_endpoint.h"

#include <gtest/gtest.h>

namespace samsa::broker {
namespace {

listener_security_map default_map() {
    auto map = parse_listener_security_protocol_map(
        "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
    EXPECT_TRUE(map.has_value());
    return *map;
}

listener_endpoint parsed(std::string_view entry, const listener_security_map& map = default_map()) {
    auto endpoint = parse_listener(entry, map);
    EXPECT_TRUE(endpoint.has_value()) << entry << ": " << endpoint.error();
    return endpoint.has_value() ? *endpoint : listener_endpoint{};
}

std::string refused(std::string_view entry) {
    auto endpoint = parse_listener(entry, default_map());
    EXPECT_FALSE(endpoint.has_value()) << entry;
    return endpoint.has_value() ? "" : endpoint.error();
}

std::vector<std::string> list_problems(std::vector<std::string> entries, listener_list_kind kind) {
    auto listeners = parse_listener_list(entries, default_map(), kind);
    return listeners.has_value() ? std::vector<std::string>{} : listeners.error();
}

TEST(listener_endpoint, ParsesNameHostAndPort) {
    auto endpoint = parsed("PLAINTEXT://broker-1.example.com:9092");
    EXPECT_EQ(endpoint.name, "PLAINTEXT");
    EXPECT_EQ(endpoint.protocol, security_protocol::plaintext);
    EXPECT_EQ(endpoint.host, "broker-1.example.com");
    EXPECT_EQ(endpoint.port, 9092);
    EXPECT_EQ(parsed("SSL://10.0.0.1:9093").protocol, security_protocol::ssl);
}

TEST(listener_endpoint, ListenerNamesAreUpperCased) {
    EXPECT_EQ(parsed("plaintext://:9092").name, "PLAINTEXT");
}

TEST(listener_endpoint, AnEmptyHostMeansEveryInterface) {
    auto endpoint = parsed("PLAINTEXT://:9092");
    EXPECT_TRUE(endpoint.has_wildcard_host());
    EXPECT_EQ(endpoint.to_string(), "PLAINTEXT://:9092");
}

TEST(listener_endpoint, IPv6AddressesAreBracketed) {
    auto endpoint = parsed("PLAINTEXT://[::1]:9092");
    EXPECT_EQ(endpoint.host, "::1");
    EXPECT_EQ(endpoint.to_string(), "PLAINTEXT://[::1]:9092");
    EXPECT_EQ(parsed("PLAINTEXT://[fe80::1%eth0]:9092").host, "fe80::1%eth0");
    EXPECT_NE(refused("PLAINTEXT://::1:9092").find("without brackets"), std::string::npos);
    EXPECT_NE(refused("PLAINTEXT://[::1:9092").find("without ]"), std::string::npos);
}

TEST(listener_endpoint, PortZeroAsksForAnEphemeralPort) {
    EXPECT_TRUE(parsed("PLAINTEXT://127.0.0.1:0").has_ephemeral_port());
    EXPECT_EQ(parsed("PLAINTEXT://127.0.0.1:65535").port, 65535);
}

TEST(listener_endpoint, MalformedEntriesAreRefused) {
    EXPECT_NE(refused("PLAINTEXT:9092").find("NAME://host:port"), std::string::npos);
    EXPECT_NE(refused("://:9092").find("no listener name"), std::string::npos);
    EXPECT_NE(refused("PLAINTEXT://localhost").find("no :port"), std::string::npos);
    for (auto entry : {"PLAINTEXT://localhost:65536", "PLAINTEXT://localhost:-1",
                       "PLAINTEXT://localhost:", "PLAINTEXT://localhost:90x"}) {
        EXPECT_NE(refused(entry).find("invalid port"), std::string::npos) << entry;
    }
    EXPECT_NE(refused("PLAINTEXT://local host:9092").find("invalid host"), std::string::npos);
}

TEST(listener_endpoint, ANameMissingFromTheProtocolMapIsAnError) {
    EXPECT_EQ(refused("CLIENT://:9092"),
              "'CLIENT://:9092' names listener CLIENT, which listener.security.protocol.map "
              "does not define");
    auto map = parse_listener_security_protocol_map("CLIENT:PLAINTEXT,REPLICATION:SSL");
    ASSERT_TRUE(map.has_value());
    EXPECT_EQ(parsed("client://:9092", *map).protocol, security_protocol::plaintext);
    EXPECT_EQ(parsed("REPLICATION://:9093", *map).protocol, security_protocol::ssl);
}

TEST(listener_endpoint, ProtocolMapNamesAreNormalisedAndProtocolsChecked) {
    auto map = parse_listener_security_protocol_map(" internal : sasl_ssl , ,EXTERNAL:SSL ");
    ASSERT_TRUE(map.has_value());
    EXPECT_EQ(map->at("INTERNAL"), security_protocol::sasl_ssl);
    EXPECT_EQ(map->at("EXTERNAL"), security_protocol::ssl);
    EXPECT_TRUE(parse_listener_security_protocol_map("").value().empty());

    auto bad = parse_listener_security_protocol_map("A:TLS,B,C:SSL,c:PLAINTEXT");
    ASSERT_FALSE(bad.has_value());
    ASSERT_EQ(bad.error().size(), 3u);
    EXPECT_NE(bad.error()[0].find("invalid security protocol 'TLS'"), std::string::npos);
    EXPECT_NE(bad.error()[1].find("'B' is not NAME:PROTOCOL"), std::string::npos);
    EXPECT_NE(bad.error()[2].find("listener name C appears more than once"), std::string::npos);
}

TEST(listener_endpoint, ListenerNamesMustBeDistinct) {
    auto problems =
        list_problems({"PLAINTEXT://:9092", "plaintext://:9093"}, listener_list_kind::bound);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("each listener must have a different name"), std::string::npos);
}

TEST(listener_endpoint, BoundPortsMustBeDistinctUnlessOneIPv4AndOneIPv6) {
    EXPECT_EQ(list_problems({"PLAINTEXT://:9092", "SSL://:9092"}, listener_list_kind::bound).size(),
              1u);
    EXPECT_EQ(
        list_problems({"PLAINTEXT://127.0.0.1:9092", "SSL://[::1]:9092"}, listener_list_kind::bound)
            .size(),
        0u);
    EXPECT_EQ(list_problems({"PLAINTEXT://127.0.0.1:9092", "SSL://10.0.0.1:9092"},
                            listener_list_kind::bound)
                  .size(),
              1u);
    EXPECT_EQ(
        list_problems({"PLAINTEXT://127.0.0.1:9092", "SSL://[::1]:9092", "SASL_SSL://host:9092"},
                      listener_list_kind::bound)
            .size(),
        1u);
    // Port 0 never clashes: each listener gets its own ephemeral port.
    EXPECT_EQ(list_problems({"PLAINTEXT://:0", "SSL://:0"}, listener_list_kind::bound).size(), 0u);
}

TEST(listener_endpoint, AdvertisedListenersMayShareAPort) {
    EXPECT_EQ(list_problems({"PLAINTEXT://lb.example.com:9092", "SSL://lb.example.com:9092"},
                            listener_list_kind::advertised)
                  .size(),
              0u);
}

TEST(listener_endpoint, TheWildcardAddressCannotBeAdvertised) {
    auto problems = list_problems({"PLAINTEXT://0.0.0.0:9092"}, listener_list_kind::advertised);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("non-routable meta-address 0.0.0.0"), std::string::npos);
    EXPECT_EQ(list_problems({"PLAINTEXT://0.0.0.0:9092"}, listener_list_kind::bound).size(), 0u);
}

TEST(listener_endpoint, EveryProblemInAListIsReported) {
    auto problems = list_problems({"PLAINTEXT://:99999", "CLIENT://:9092", "SSL://h"},
                                  listener_list_kind::bound);
    EXPECT_EQ(problems.size(), 3u);
}

TEST(listener_endpoint, AdvertisedAddressesAreResolvedOnceListening) {
    listener_endpoint advertised{"PLAINTEXT", security_protocol::plaintext, "", 0};
    auto resolved = resolve_advertised_listener(advertised, "broker-1", 40123);
    EXPECT_EQ(resolved.to_string(), "PLAINTEXT://broker-1:40123");

    listener_endpoint fixed{"PLAINTEXT", security_protocol::plaintext, "lb", 9092};
    EXPECT_EQ(resolve_advertised_listener(fixed, "broker-1", 40123), fixed);
}

TEST(listener_endpoint, SecurityProtocolNamesAreCaseInsensitive) {
    EXPECT_EQ(parse_security_protocol("sasl_plaintext"), security_protocol::sasl_plaintext);
    EXPECT_EQ(parse_security_protocol("TLS"), std::nullopt);
    EXPECT_EQ(to_string(security_protocol::sasl_ssl), "SASL_SSL");
}

}  // namespace
}  // namespace samsa::broker
