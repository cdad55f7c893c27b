// Responses with file regions (Fetch records, sent with sendfile): how a body is spliced
// from an encoded response and its regions, the frame's size prefix, and what a client
// receives over a real loopback connection, byte for byte.

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/endian.h"
#include "base/temporary_directory.h"
#include "protocol/generated/fetch_response.h"
#include "protocol/wire_reader.h"
#include "server/connection.h"
#include "server/handler.h"
#include "server/handler_registry.h"
#include "storage/file_system.h"

namespace samsa::server {
namespace {

constexpr int16_t fetch_key = 1;
// How long the client waits for the broker before the test fails (never reached when
// the connection behaves).
constexpr int client_timeout_ms = 30'000;

std::vector<uint8_t> bytes_of(std::string_view text) {
    return std::vector<uint8_t>(text.begin(), text.end());
}

// A file in a temporary directory holding `contents`, open for reading as a segment is.
class test_file {
public:
    test_file(const temporary_directory& directory, std::string_view name,
              std::vector<uint8_t> contents)
        : contents_(std::move(contents)) {
        auto file_system = storage::make_posix_file_system(nullptr);
        auto opened = file_system->open(directory / name, storage::open_mode::read_write_create);
        EXPECT_TRUE(opened.has_value());
        file_ = std::move(opened.value());
        EXPECT_TRUE(file_->write_at(0, contents_).has_value());
    }

    // The region [position, position + size_bytes) of the file.
    storage::file_region region(uint64_t position, uint32_t size_bytes) const {
        return {.file = file_, .position = position, .size_bytes = size_bytes};
    }
    std::vector<uint8_t> bytes(uint64_t position, uint32_t size_bytes) const {
        auto first = contents_.begin() + static_cast<std::ptrdiff_t>(position);
        return std::vector<uint8_t>(first, first + size_bytes);
    }

private:
    std::vector<uint8_t> contents_;
    std::shared_ptr<storage::data_file> file_;
};

// Bytes that differ from position to position, so a misplaced byte shows.
std::vector<uint8_t> patterned_bytes(std::size_t size, uint8_t seed) {
    std::vector<uint8_t> bytes(size);
    for (std::size_t index = 0; index < size; ++index) {
        bytes[index] = static_cast<uint8_t>((index * 31 + seed + index / 251) & 0xff);
    }
    return bytes;
}

void append(std::vector<uint8_t>& to, const std::vector<uint8_t>& bytes) {
    to.insert(to.end(), bytes.begin(), bytes.end());
}

// A connection on a loopback socket, served on a thread of its own, and a plain blocking
// client socket on the test's thread. The handler serves Fetch and answers each correlation
// id as scripted; the script is fixed before the server thread starts.
class connection_harness {
public:
    explicit connection_harness(std::map<int32_t, handler_result> script)
        : script_(std::move(script)), client_(client_io_) {
        registry_.add(api_handler{.api_key = fetch_key,
                                  .min_version = 4,
                                  .max_version = 16,
                                  .handle = [this](request_context& context, protocol::wire_reader&)
                                      -> asio::awaitable<handler_result> {
                                      co_return script_.at(context.correlation_id);
                                  }});
        services_.handlers = &registry_;

        asio::ip::tcp::acceptor acceptor(server_io_, {asio::ip::address_v4::loopback(), 0});
        client_.connect(acceptor.local_endpoint());
        asio::ip::tcp::socket server_socket(server_io_);
        acceptor.accept(server_socket);
        // Small buffers: a region of a few MiB takes many sendfile calls and meets EAGAIN.
        server_socket.set_option(asio::socket_base::send_buffer_size(16 * 1024));
        client_.set_option(asio::socket_base::receive_buffer_size(16 * 1024));

        connection_info info{.id = 1, .listener_name = "PLAINTEXT", .peer = "127.0.0.1:1"};
        connection_ = std::make_shared<connection>(std::move(server_socket), std::move(info),
                                                   connection_limits{}, memory_, services_,
                                                   [this] { closed_ = true; });
        connection_->start();
        server_thread_ = std::thread([this] { server_io_.run(); });
    }

    ~connection_harness() {
        asio::post(server_io_, [connection = connection_] { connection->close("test over"); });
        server_thread_.join();
    }

    // A Fetch request with an empty body (the scripted handler does not read it): header
    // v1, or v2 with no tagged fields from v12 (Fetch's first flexible version).
    void send_fetch_request(int16_t version, int32_t correlation_id) {
        std::vector<uint8_t> frame(version >= 12 ? 15 : 14);
        store_big_endian<int32_t>(frame.data(), static_cast<int32_t>(frame.size() - 4));
        store_big_endian<int16_t>(frame.data() + 4, fetch_key);
        store_big_endian<int16_t>(frame.data() + 6, version);
        store_big_endian<int32_t>(frame.data() + 8, correlation_id);
        store_big_endian<int16_t>(frame.data() + 12, -1);  // null client id
        asio::write(client_, asio::buffer(frame));
    }

    // The next response frame after its size prefix; nullopt when the connection ends
    // first (what it did send is in `partial`).
    std::optional<std::vector<uint8_t>> read_frame(std::vector<uint8_t>* partial = nullptr) {
        std::vector<uint8_t> prefix = read_bytes(4);
        if (prefix.size() < 4) {
            return std::nullopt;
        }
        auto size = static_cast<std::size_t>(load_big_endian<int32_t>(prefix.data()));
        std::vector<uint8_t> frame = read_bytes(size);
        if (frame.size() < size) {
            if (partial != nullptr) {
                *partial = std::move(frame);
            }
            return std::nullopt;
        }
        return frame;
    }

    bool server_closed() const { return closed_; }
    // The client may see the end of the stream just before on_closed runs.
    bool wait_for_server_close() const {
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(client_timeout_ms);
        while (!closed_ && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return closed_;
    }

private:
    // Up to `size` bytes: fewer only at end of stream (or after the timeout, which fails).
    std::vector<uint8_t> read_bytes(std::size_t size) {
        std::vector<uint8_t> bytes(size);
        std::size_t received = 0;
        while (received < size) {
            pollfd ready{.fd = client_.native_handle(), .events = POLLIN, .revents = 0};
            if (::poll(&ready, 1, client_timeout_ms) != 1) {
                ADD_FAILURE() << "no response within " << client_timeout_ms << " ms";
                break;
            }
            ssize_t count =
                ::recv(client_.native_handle(), bytes.data() + received, size - received, 0);
            if (count <= 0) {
                break;
            }
            received += static_cast<std::size_t>(count);
        }
        bytes.resize(received);
        return bytes;
    }

    std::map<int32_t, handler_result> script_;
    handler_registry registry_;
    shard_services services_;
    request_memory_pool memory_{-1};
    asio::io_context server_io_;
    asio::io_context client_io_;
    asio::ip::tcp::socket client_;
    std::shared_ptr<connection> connection_;
    std::atomic<bool> closed_ = false;
    std::thread server_thread_;
};

// What the client should receive after the size prefix: the response header, then the body
// with each region's file bytes at its position.
std::vector<uint8_t> expected_frame(
    int32_t correlation_id, bool flexible_header, const std::vector<uint8_t>& body,
    const std::vector<std::pair<std::size_t, std::vector<uint8_t>>>& inserted) {
    std::vector<uint8_t> frame(4);
    store_big_endian<int32_t>(frame.data(), correlation_id);
    if (flexible_header) {
        frame.push_back(0);
    }
    std::size_t from = 0;
    for (const auto& [position, bytes] : inserted) {
        frame.insert(frame.end(), body.begin() + static_cast<std::ptrdiff_t>(from),
                     body.begin() + static_cast<std::ptrdiff_t>(position));
        append(frame, bytes);
        from = position;
    }
    frame.insert(frame.end(), body.begin() + static_cast<std::ptrdiff_t>(from), body.end());
    return frame;
}

TEST(ZeroCopyResponse, ClientReceivesHeaderBodyAndFileBytesInPlace) {
    temporary_directory directory;
    test_file segment(directory, "00000000000000000000.log", patterned_bytes(4096, 7));
    for (int16_t version : {int16_t(4), int16_t(12)}) {
        SCOPED_TRACE(version);
        auto body = bytes_of("head|middle|tail");
        // Two regions in one gap, one in the middle, one at the very end.
        response_body response{
            .bytes = body,
            .regions = {{.position = 5, .region = segment.region(0, 100)},
                        {.position = 5, .region = segment.region(1000, 7)},
                        {.position = 12, .region = segment.region(4000, 96)},
                        {.position = body.size(), .region = segment.region(200, 1)}}};
        std::map<int32_t, handler_result> script;
        script.emplace(42, response);
        connection_harness harness(std::move(script));

        harness.send_fetch_request(version, 42);
        auto frame = harness.read_frame();
        ASSERT_TRUE(frame.has_value());
        EXPECT_EQ(*frame, expected_frame(42, version >= 12, body,
                                         {{5, segment.bytes(0, 100)},
                                          {5, segment.bytes(1000, 7)},
                                          {12, segment.bytes(4000, 96)},
                                          {body.size(), segment.bytes(200, 1)}}));
        EXPECT_FALSE(harness.server_closed());
    }
}

TEST(ZeroCopyResponse, LargeRegionIsSentWholeAndLaterResponsesFollowInOrder) {
    temporary_directory directory;
    constexpr uint32_t large_bytes = 6 * 1024 * 1024;
    test_file segment(directory, "00000000000000000000.log", patterned_bytes(large_bytes + 10, 3));
    auto body = bytes_of("records:");
    std::map<int32_t, handler_result> script;
    script.emplace(1, response_body{.bytes = body,
                                    .regions = {{.position = body.size(),
                                                 .region = segment.region(10, large_bytes)}}});
    script.emplace(2, response_body{.bytes = bytes_of("plain")});
    connection_harness harness(std::move(script));

    harness.send_fetch_request(4, 1);
    harness.send_fetch_request(4, 2);
    // Let the broker fill the socket buffers before reading, so sendfile meets EAGAIN.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto first = harness.read_frame();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->size(), 4 + body.size() + large_bytes);
    EXPECT_TRUE(*first ==
                expected_frame(1, false, body, {{body.size(), segment.bytes(10, large_bytes)}}))
        << "the large response differs from header + body + file bytes";
    auto second = harness.read_frame();
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(*second, expected_frame(2, false, bytes_of("plain"), {}));
    EXPECT_FALSE(harness.server_closed());
}

TEST(ZeroCopyResponse, FetchResponseRecordsComeFromTheirFiles) {
    temporary_directory directory;
    test_file first_segment(directory, "00000000000000000000.log", patterned_bytes(512, 1));
    test_file second_segment(directory, "00000000000000000100.log", patterned_bytes(512, 2));
    protocol::fetch_response response;
    auto& topic = response.responses.emplace_back();
    topic.topic_id = topic_id(uuid(5, 6));
    topic.partitions.resize(3);
    topic.partitions[0].partition_index = partition_id(0);
    topic.partitions[0].records = shared_bytes::external(300);  // spans two segments
    topic.partitions[1].partition_index = partition_id(1);
    topic.partitions[1].records = shared_bytes();  // nothing to fetch
    topic.partitions[2].partition_index = partition_id(2);
    topic.partitions[2].records = shared_bytes::external(64);
    constexpr int16_t version = 13;
    auto result =
        encode_response_with_regions(response, version,
                                     {first_segment.region(412, 100), second_segment.region(0, 200),
                                      second_segment.region(448, 64)});
    ASSERT_TRUE(std::holds_alternative<response_body>(result));
    std::map<int32_t, handler_result> script;
    script.emplace(9, std::move(result));
    connection_harness harness(std::move(script));

    harness.send_fetch_request(version, 9);
    auto frame = harness.read_frame();
    ASSERT_TRUE(frame.has_value());
    protocol::wire_reader reader(shared_bytes(std::move(*frame)));
    EXPECT_EQ(reader.read_int32(), 9);
    reader.read_unsigned_varint();  // the response header's tagged fields
    protocol::fetch_response decoded;
    decoded.read(reader, version);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(reader.remaining(), 0u);
    const auto& partitions = decoded.responses.at(0).partitions;
    ASSERT_EQ(partitions.size(), 3u);
    auto spanning = first_segment.bytes(412, 100);
    append(spanning, second_segment.bytes(0, 200));
    EXPECT_EQ(partitions[0].records, shared_bytes(std::move(spanning)));
    EXPECT_EQ(partitions[1].records, shared_bytes());
    EXPECT_EQ(partitions[2].records, shared_bytes(second_segment.bytes(448, 64)));
}

TEST(ZeroCopyResponse, FileShorterThanItsRegionClosesTheConnectionInsteadOfHanging) {
    temporary_directory directory;
    test_file segment(directory, "00000000000000000000.log", patterned_bytes(1000, 9));
    std::map<int32_t, handler_result> script;
    // The segment was truncated to 1000 bytes after the read that made this region.
    script.emplace(1, response_body{.bytes = bytes_of("body"),
                                    .regions = {{.position = 4, .region = segment.region(900, 500)},
                                                {.position = 4, .region = segment.region(0, 10)}}});
    connection_harness harness(std::move(script));

    harness.send_fetch_request(4, 1);
    std::vector<uint8_t> partial;
    EXPECT_FALSE(harness.read_frame(&partial).has_value());
    // What was sent is the start of the frame: header, body, the 100 bytes the file had.
    EXPECT_EQ(partial, expected_frame(1, false, bytes_of("body"), {{4, segment.bytes(900, 100)}}));
    EXPECT_TRUE(harness.wait_for_server_close());
}

TEST(ResponseFrame, SizePrefixCountsRegionBytesAndPositionsFollowTheHeader) {
    temporary_directory directory;
    test_file segment(directory, "00000000000000000000.log", patterned_bytes(100, 0));
    for (int16_t header_version : {int16_t(0), int16_t(1)}) {
        std::size_t header_bytes = header_version >= 1 ? 5 : 4;
        response_body body{.bytes = bytes_of("abc"),
                           .regions = {{.position = 1, .region = segment.region(0, 40)},
                                       {.position = 3, .region = segment.region(50, 2)}}};
        auto frame = make_response_frame(77, header_version, std::move(body));
        ASSERT_TRUE(frame.has_value());
        ASSERT_EQ(frame->bytes.size(), 4 + header_bytes + 3);
        EXPECT_EQ(load_big_endian<int32_t>(frame->bytes.data()),
                  static_cast<int32_t>(header_bytes + 3 + 40 + 2));
        EXPECT_EQ(load_big_endian<int32_t>(frame->bytes.data() + 4), 77);
        ASSERT_EQ(frame->regions.size(), 2u);
        EXPECT_EQ(frame->regions[0].position, 4 + header_bytes + 1);
        EXPECT_EQ(frame->regions[1].position, 4 + header_bytes + 3);
        EXPECT_EQ(frame->regions[1].region.position, 50u);
    }
}

TEST(ResponseFrame, PlainBodyFrameIsUnchanged) {
    auto body = bytes_of("xyz");
    auto frame = make_response_frame(5, 1, response_body{.bytes = body});
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(frame->bytes, make_response_frame(5, 1, std::span<const uint8_t>(body)));
    EXPECT_TRUE(frame->regions.empty());
}

TEST(ResponseFrame, FrameLargerThanASizePrefixCanSayIsRefused) {
    temporary_directory directory;
    test_file segment(directory, "00000000000000000000.log", {});
    response_body body{.bytes = bytes_of("abc"),
                       .regions = {{.position = 3, .region = segment.region(0, 0x7fff'0000)},
                                   {.position = 3, .region = segment.region(0, 0x0001'0000)}}};
    EXPECT_FALSE(make_response_frame(1, 0, std::move(body)).has_value());
}

protocol::fetch_response fetch_response_with_records(std::vector<std::size_t> external_sizes) {
    protocol::fetch_response response;
    auto& topic = response.responses.emplace_back();
    topic.topic = "orders";
    for (std::size_t size : external_sizes) {
        topic.partitions.emplace_back().records = shared_bytes::external(size);
    }
    return response;
}

TEST(EncodeResponseWithRegions, EachGapTakesRegionsThatFillItExactly) {
    temporary_directory directory;
    test_file segment(directory, "00000000000000000000.log", patterned_bytes(100, 0));
    auto response = fetch_response_with_records({30, 0, 5});
    protocol::wire_writer writer;
    response.write(writer, 4);
    ASSERT_EQ(writer.external_gaps().size(), 3u);

    auto result = encode_response_with_regions(response, 4,
                                               {segment.region(0, 10), segment.region(10, 0),
                                                segment.region(50, 20), segment.region(90, 5)});
    ASSERT_TRUE(std::holds_alternative<response_body>(result));
    const auto& body = std::get<response_body>(result);
    EXPECT_EQ(body.bytes, writer.bytes());
    // The region of no bytes is dropped; the gap of no bytes takes nothing.
    ASSERT_EQ(body.regions.size(), 3u);
    EXPECT_EQ(body.regions[0].position, writer.external_gaps()[0].position);
    EXPECT_EQ(body.regions[1].position, writer.external_gaps()[0].position);
    EXPECT_EQ(body.regions[1].region.position, 50u);
    EXPECT_EQ(body.regions[2].position, writer.external_gaps()[2].position);
}

TEST(EncodeResponseWithRegions, RegionsThatDoNotFillTheGapsCloseTheConnection) {
    temporary_directory directory;
    test_file segment(directory, "00000000000000000000.log", patterned_bytes(100, 0));
    auto response = fetch_response_with_records({30, 5});
    auto closes = [&](std::vector<storage::file_region> regions) {
        auto result = encode_response_with_regions(response, 4, std::move(regions));
        return std::holds_alternative<close_connection>(result);
    };
    EXPECT_FALSE(closes({segment.region(0, 30), segment.region(0, 5)}));
    EXPECT_TRUE(closes({segment.region(0, 30)}));                         // too few
    EXPECT_TRUE(closes({segment.region(0, 30), segment.region(0, 6)}));   // too many bytes
    EXPECT_TRUE(closes({segment.region(0, 20), segment.region(0, 15)}));  // across a gap
    EXPECT_TRUE(closes({segment.region(0, 30), segment.region(0, 5), segment.region(0, 1)}));
    EXPECT_TRUE(closes({segment.region(0, 30), {.file = nullptr, .position = 0, .size_bytes = 5}}));
}

TEST(EncodeResponseWithRegions, ExternalRecordsWithoutRegionsCloseTheConnection) {
    EXPECT_TRUE(std::holds_alternative<close_connection>(
        encode_response(fetch_response_with_records({10}), 4)));
    EXPECT_TRUE(
        std::holds_alternative<response_body>(encode_response(fetch_response_with_records({}), 4)));
}

}  // namespace
}  // namespace samsa::server
