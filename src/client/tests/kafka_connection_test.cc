#include "client/kafka_connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace samsa::client {
namespace {

// A listening socket on a free loopback port that accepts nothing and answers nothing.
class silent_listener {
public:
    silent_listener() {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        listen(fd_, 4);
        socklen_t length = sizeof address;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }
    ~silent_listener() { close(fd_); }
    uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

TEST(KafkaConnection, ARefusedConnectionIsUnreachable) {
    uint16_t port = 0;
    {
        silent_listener closed_soon;
        port = closed_soon.port();
    }
    auto connection = kafka_connection::open("127.0.0.1", port, 1000);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::unreachable);
    EXPECT_NE(connection.error().message.find("127.0.0.1:" + std::to_string(port)),
              std::string::npos);
}

TEST(KafkaConnection, ABrokerThatNeverAnswersIsUnreachableAfterTheTimeout) {
    silent_listener listener;
    auto connection = kafka_connection::open("127.0.0.1", listener.port(), 200);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::unreachable);
    EXPECT_NE(connection.error().message.find("did not answer"), std::string::npos);
}

TEST(KafkaConnection, OpenAnyNamesEveryBrokerTried) {
    silent_listener listener;
    connection_settings settings{
        .bootstrap_servers = "127.0.0.1:" + std::to_string(listener.port()) +
                             ",127.0.0.1:" + std::to_string(listener.port()),
        .properties = {},
        .timeout_ms = 100};
    auto connection = kafka_connection::open_any(settings);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::unreachable);
    EXPECT_NE(connection.error().message.find(settings.bootstrap_servers), std::string::npos);
}

TEST(KafkaConnection, AnEmptyBrokerListIsInvalid) {
    auto connection =
        kafka_connection::open_any({.bootstrap_servers = " ", .properties = {}, .timeout_ms = 100});
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::invalid);
}

}  // namespace
}  // namespace samsa::client
