#include "server/request_frame.h"

#include <gtest/gtest.h>

#include "protocol/generated/request_header.h"
#include "protocol/wire_writer.h"

namespace samsa::server {
namespace {

shared_bytes frame_with_header(int16_t key, int16_t version, int16_t header_version,
                               std::optional<std::string> client_id, std::vector<uint8_t> body) {
    protocol::wire_writer writer;
    protocol::request_header header{.request_api_key = key,
                                    .request_api_version = version,
                                    .correlation_id = 42,
                                    .client_id = std::move(client_id)};
    header.write(writer, header_version);
    writer.write_raw(body);
    return shared_bytes(writer.take_bytes());
}

TEST(RequestFrame, ReadsHeaderV1AndLeavesTheBody) {
    auto parsed = parse_request_frame(frame_with_header(3, 4, 1, "client-a", {1, 2, 3}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.value().api->key, 3);
    EXPECT_EQ(parsed.value().api_version, 4);
    EXPECT_EQ(parsed.value().correlation_id, 42);
    EXPECT_EQ(parsed.value().client_id, "client-a");
    EXPECT_EQ(parsed.value().body.remaining(), 3u);
}

TEST(RequestFrame, FlexibleVersionsUseHeaderV2WithTaggedFields) {
    auto parsed = parse_request_frame(frame_with_header(3, 12, 2, std::nullopt, {9}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.value().client_id, std::nullopt);
    EXPECT_EQ(parsed.value().body.remaining(), 1u);
}

TEST(RequestFrame, ControlledShutdownV0HasHeaderV0WithoutClientId) {
    auto parsed = parse_request_frame(frame_with_header(7, 0, 0, "", {5, 5}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.value().body.remaining(), 2u);
}

TEST(RequestFrame, TooNewApiVersionsStillParsesItsFlexibleHeader) {
    auto parsed = parse_request_frame(frame_with_header(18, 127, 2, "c", {}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.value().api_version, 127);
    EXPECT_EQ(parsed.value().body.remaining(), 0u);
}

TEST(RequestFrame, UnknownApiKeyIsRefused) {
    auto parsed = parse_request_frame(frame_with_header(999, 0, 1, "c", {}));
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error(), request_frame_error::unknown_api_key);
}

TEST(RequestFrame, TruncatedHeadersAreRefused) {
    EXPECT_FALSE(parse_request_frame(shared_bytes(std::vector<uint8_t>{0, 3})));
    EXPECT_FALSE(parse_request_frame(shared_bytes(std::vector<uint8_t>{0, 3, 0, 1, 0, 0})));
    // client id length 200 with 1 byte left
    EXPECT_FALSE(parse_request_frame(
        shared_bytes(std::vector<uint8_t>{0, 3, 0, 1, 0, 0, 0, 1, 0, 200, 'x'})));
    EXPECT_FALSE(parse_request_frame(shared_bytes(std::vector<uint8_t>{})));
}

}  // namespace
}  // namespace samsa::server
