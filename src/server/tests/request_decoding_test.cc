#include "server/request_decoding.h"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/generated/api_versions_request.h"
#include "protocol/generated/metadata_request.h"
#include "protocol/wire_writer.h"

namespace samsa::server {
namespace {

using protocol::decode_error;
using protocol::metadata_request;

constexpr int16_t version = 12;

protocol::wire_reader body_naming(int topic_count) {
    metadata_request request;
    request.topics.emplace();
    for (int index = 0; index < topic_count; ++index) {
        metadata_request::metadata_request_topic topic;
        topic.name = "topic-" + std::to_string(index);
        request.topics->push_back(std::move(topic));
    }
    protocol::wire_writer writer;
    request.write(writer, version);
    return protocol::wire_reader(shared_bytes::copy_of(writer.bytes()));
}

// Runs decode_request on its own io_context, for at most the given time.
struct decode_outcome {
    std::optional<decode_error> error;
    metadata_request request;
};
decode_outcome decode(decoded_entries_charge* charge, protocol::wire_reader body,
                      std::chrono::milliseconds run_for = std::chrono::seconds(5)) {
    asio::io_context io;
    decode_outcome outcome;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            outcome.error = co_await decode_request(charge, body, version, outcome.request);
        },
        asio::detached);
    io.run_for(run_for);
    return outcome;
}

// A decode_request of body_naming(topics) on its own io_context, run a step at a time.
struct stepped_decode {
    stepped_decode(decoded_entries_charge& charge, int topics) : body(body_naming(topics)) {
        asio::co_spawn(
            io,
            [this, &charge]() -> asio::awaitable<void> {
                error = co_await decode_request(&charge, body, version, request);
            },
            asio::detached);
    }
    void run_for(std::chrono::milliseconds duration) { io.run_for(duration); }

    asio::io_context io;
    std::optional<decode_error> error;
    metadata_request request;
    protocol::wire_reader body;
};

TEST(RequestDecodingTest, EachEntryIsChargedUntilTheChargeIsGone) {
    request_memory_pool pool(1 << 20);
    ASSERT_TRUE(pool.try_reserve(100));  // the frame, as the connection reserves it
    {
        decoded_entries_charge charge(pool, 100);
        decode_outcome outcome = decode(&charge, body_naming(10));
        ASSERT_EQ(outcome.error, decode_error::none);
        EXPECT_EQ(outcome.request.topics->size(), 10u);
        EXPECT_EQ(charge.charged_bytes(), 10 * decoded_entry_bytes);
        EXPECT_EQ(pool.used_bytes(), static_cast<int64_t>(100 + 10 * decoded_entry_bytes));
    }
    EXPECT_EQ(pool.used_bytes(), 100);
}

TEST(RequestDecodingTest, ARequestThatCanNeverFitIsRefusedBeforeItsEntriesAreDecoded) {
    request_memory_pool pool(10 * decoded_entry_bytes);
    ASSERT_TRUE(pool.try_reserve(100));
    decoded_entries_charge charge(pool, 100);
    decode_outcome outcome = decode(&charge, body_naming(10));
    EXPECT_EQ(outcome.error, decode_error::too_many_entries);
    EXPECT_EQ(charge.charged_bytes(), 0u);
    EXPECT_EQ(pool.peak_bytes(), 100);
    // The decoder stopped at the array's count: no topic was decoded.
    EXPECT_FALSE(outcome.request.topics.has_value() && !outcome.request.topics->empty());
}

TEST(RequestDecodingTest, ARequestThatDoesNotFitNowWaitsForRoom) {
    request_memory_pool pool(20 * decoded_entry_bytes);
    ASSERT_TRUE(pool.try_reserve(100));
    ASSERT_TRUE(pool.try_reserve(15 * decoded_entry_bytes));  // another request's
    decoded_entries_charge charge(pool, 100);
    stepped_decode decoding(charge, 10);
    decoding.run_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(decoding.error.has_value());
    pool.release(15 * decoded_entry_bytes);
    decoding.run_for(std::chrono::seconds(5));
    ASSERT_EQ(decoding.error, decode_error::none);
    EXPECT_EQ(decoding.request.topics->size(), 10u);
    EXPECT_EQ(charge.charged_bytes(), 10 * decoded_entry_bytes);
}

// Two requests wait, each holding its frame, for room the other's frame takes: once the
// request being served is done, one is refused and the other fits, rather than both
// waiting forever.
TEST(RequestDecodingTest, WaitingRequestsDoNotWaitForEachOtherForever) {
    constexpr std::size_t frame = 4 * decoded_entry_bytes;
    constexpr std::size_t served = 6 * decoded_entry_bytes;
    request_memory_pool pool(20 * decoded_entry_bytes);
    ASSERT_TRUE(pool.try_reserve(frame));
    ASSERT_TRUE(pool.try_reserve(frame));
    ASSERT_TRUE(pool.try_reserve(served));
    asio::io_context io;
    std::vector<std::optional<decode_error>> errors(2);
    std::vector<std::unique_ptr<decoded_entries_charge>> charges;
    for (int index = 0; index < 2; ++index) {
        charges.push_back(std::make_unique<decoded_entries_charge>(pool, frame));
        asio::co_spawn(
            io,
            [&, index]() -> asio::awaitable<void> {
                metadata_request request;
                protocol::wire_reader body = body_naming(14);  // 14 KiB: fits 20 - 4 only
                auto error = co_await decode_request(charges[index].get(), body, version, request);
                errors[index] = error;
                if (error != decode_error::none) {
                    pool.release(frame);  // the connection closes: its frame goes back
                }
            },
            asio::detached);
    }
    io.run_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(errors[0].has_value() || errors[1].has_value());
    pool.release(served);
    io.run_for(std::chrono::seconds(5));
    ASSERT_TRUE(errors[0].has_value() && errors[1].has_value());
    EXPECT_EQ(std::count(errors.begin(), errors.end(), decode_error::none), 1);
    EXPECT_EQ(std::count(errors.begin(), errors.end(), decode_error::too_many_entries), 1);
    EXPECT_EQ(pool.waiting_bytes(), 0);
}

// The connection reads its next frame once on_decoded ran: exactly once per request.
TEST(RequestDecodingTest, OnDecodedRunsOnceWhateverTheOutcome) {
    request_memory_pool pool(10 * decoded_entry_bytes);
    for (int topics : {1, 10}) {  // decoded; refused (can never fit)
        int calls = 0;
        {
            decoded_entries_charge charge(pool, 100, [&calls] { ++calls; });
            decode(&charge, body_naming(topics));
            EXPECT_EQ(calls, 1) << topics;
        }
        EXPECT_EQ(calls, 1) << topics;
    }
    int calls = 0;
    {
        decoded_entries_charge never_decoded(pool, 100, [&calls] { ++calls; });
    }
    EXPECT_EQ(calls, 1);
}

TEST(RequestDecodingTest, AWaitingRequestStopsWhenItsConnectionCloses) {
    request_memory_pool pool(20 * decoded_entry_bytes);
    ASSERT_TRUE(pool.try_reserve(100));
    ASSERT_TRUE(pool.try_reserve(15 * decoded_entry_bytes));  // another request's
    bool closed = false;
    decoded_entries_charge charge(pool, 100, {}, &closed);
    stepped_decode decoding(charge, 10);
    decoding.run_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(decoding.error.has_value());
    EXPECT_EQ(pool.waiting_bytes(), 100);
    closed = true;
    decoding.run_for(std::chrono::seconds(5));
    EXPECT_EQ(decoding.error, decode_error::too_many_entries);
    EXPECT_EQ(pool.waiting_bytes(), 0);
    EXPECT_EQ(charge.charged_bytes(), 0u);
}

TEST(RequestDecodingTest, AMalformedBodyKeepsItsOwnError) {
    request_memory_pool pool(1 << 20);
    decoded_entries_charge charge(pool, 4);
    protocol::wire_reader body(shared_bytes::copy_of(std::string(4, '\x7f')));
    EXPECT_EQ(decode(&charge, body).error, decode_error::length_past_end);
    EXPECT_EQ(charge.charged_bytes(), 0u);
}

TEST(RequestDecodingTest, WithoutABudgetNothingIsCharged) {
    request_memory_pool pool(-1);
    decoded_entries_charge charge(pool, 100);
    EXPECT_EQ(decode(&charge, body_naming(10)).error, decode_error::none);
    EXPECT_EQ(decode(nullptr, body_naming(10)).error, decode_error::none);
    EXPECT_EQ(charge.charged_bytes(), 0u);
}

TEST(WireReaderEntryCount, CountsEveryArrayAndStopsPastTheLimit) {
    protocol::entry_count entries;
    protocol::wire_reader body = body_naming(3);
    body.count_entries(&entries);
    metadata_request request;
    request.read(body, version);
    EXPECT_TRUE(body.ok());
    EXPECT_EQ(entries.read, 3u);

    protocol::entry_count limited{.limit = 2};
    body = body_naming(3);
    body.count_entries(&limited);
    request.read(body, version);
    EXPECT_EQ(body.error(), decode_error::too_many_entries);
}

// Unknown tagged fields are kept one by one, so they count as entries too.
TEST(WireReaderEntryCount, CountsTaggedFields) {
    auto frame = std::vector<uint8_t>{0x02, 'a',  0x02, 'b',  0x03, 0x09, 0x01,
                                      0xca, 0x0a, 0x01, 0xcb, 0x0b, 0x01, 0xcc};
    protocol::entry_count entries;
    protocol::wire_reader body(shared_bytes::copy_of(frame));
    body.count_entries(&entries);
    protocol::api_versions_request request;
    request.read(body, 3);
    EXPECT_TRUE(body.ok());
    EXPECT_EQ(entries.read, 3u);
    EXPECT_EQ(request.unknown_tagged_fields.size(), 3u);

    protocol::entry_count limited{.limit = 2};
    body = protocol::wire_reader(shared_bytes::copy_of(frame));
    body.count_entries(&limited);
    request.read(body, 3);
    EXPECT_EQ(body.error(), decode_error::too_many_entries);
}

}  // namespace
}  // namespace samsa::server
