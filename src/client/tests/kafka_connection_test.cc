#include "client/kafka_connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

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
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

// A broken or hostile broker: accepts one connection, reads the request and answers with
// `answer` whatever was asked, then keeps the connection open until it is destroyed.
class scripted_broker {
public:
    explicit scripted_broker(std::vector<uint8_t> answer) : answer_(std::move(answer)) {
        server_ = [this] {
            int connection = accept(listener_.fd(), nullptr, nullptr);
            if (connection < 0) {
                return;
            }
            uint8_t request[4096];
            if (recv(connection, request, sizeof request, 0) > 0) {
                send(connection, answer_.data(), answer_.size(), MSG_NOSIGNAL);
            }
            uint8_t ignored;
            recv(connection, &ignored, 1, 0);  // until the client hangs up
            close(connection);
        };
        thread_ = std::thread(server_);
    }
    ~scripted_broker() { thread_.join(); }
    uint16_t port() const { return listener_.port(); }

private:
    silent_listener listener_;
    std::vector<uint8_t> answer_;
    std::function<void()> server_;
    std::thread thread_;
};

// A response frame: the size, then correlation id 1 (the first request's), then `body`.
std::vector<uint8_t> frame_announcing(uint32_t size, const std::vector<uint8_t>& body = {}) {
    std::vector<uint8_t> out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<uint8_t>(size >> shift));
    }
    for (uint8_t byte : {0, 0, 0, 1}) {
        out.push_back(byte);
    }
    for (uint8_t byte : body) {
        out.push_back(byte);
    }
    return out;
}

TEST(KafkaConnection, AHugeAnnouncedFrameIsRefusedWithoutAllocatingIt) {
    scripted_broker broker(frame_announcing(0x7fffffff));
    auto connection = kafka_connection::open("127.0.0.1", broker.port(), 2000);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::refused);
    EXPECT_NE(connection.error().message.find("malformed frame"), std::string::npos);
}

TEST(KafkaConnection, AFrameTooShortForItsHeaderIsRefused) {
    scripted_broker broker(frame_announcing(2));
    auto connection = kafka_connection::open("127.0.0.1", broker.port(), 2000);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::refused);
}

TEST(KafkaConnection, AFrameThatNeverArrivesTimesOut) {
    // 50 MiB announced (within the bound), 4 bytes sent: read in pieces as they arrive.
    scripted_broker broker(frame_announcing(50 * 1024 * 1024));
    auto connection = kafka_connection::open("127.0.0.1", broker.port(), 300);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::unreachable);
    EXPECT_NE(connection.error().message.find("did not answer"), std::string::npos);
}

TEST(KafkaConnection, AnApiVersionsAnswerWithAnImpossibleCountIsRefused) {
    // error_code 0, then an api_keys array claiming 2^31-1 entries in 4 bytes.
    std::vector<uint8_t> body = {0, 0, 0x7f, 0xff, 0xff, 0xff};
    scripted_broker broker(frame_announcing(4 + static_cast<uint32_t>(body.size()), body));
    auto connection = kafka_connection::open("127.0.0.1", broker.port(), 2000);
    ASSERT_FALSE(connection);
    EXPECT_EQ(connection.error().kind, failure_kind::refused);
}

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
