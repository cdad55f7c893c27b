#pragma once

// The property every generated codec must have, checked per message and version by the
// generated tests in tests/generated/.

#include <gtest/gtest.h>

#include "protocol/json_writer.h"
#include "protocol/message_support.h"
#include "protocol/tests/random_source.h"

namespace samsa::protocol {

inline constexpr int round_trips_per_version = 48;

template <typename Message>
std::string dump(const Message& message) {
    json_writer json;
    message.write_json(json);
    return json.text();
}

template <typename Message>
void check_round_trip(const Message& original, int16_t version, random_source& random,
                      bool check_prefixes) {
    wire_writer writer;
    original.write(writer, version);
    ASSERT_TRUE(writer.ok()) << "v" << version << " " << to_string(writer.error()) << " "
                             << dump(original);
    auto encoded = writer.take_bytes();

    wire_reader reader(shared_bytes::copy_of(encoded));
    Message decoded;
    decoded.read(reader, version);
    ASSERT_TRUE(reader.ok()) << "v" << version << " " << to_string(reader.error());
    EXPECT_EQ(reader.remaining(), 0u) << "v" << version;
    ASSERT_TRUE(decoded == original)
        << "v" << version << "\n  wrote " << dump(original) << "\n  read  " << dump(decoded);

    wire_writer again;
    decoded.write(again, version);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.bytes(), encoded) << "v" << version << " re-encode differs";

    if (check_prefixes) {
        // A strict prefix of a valid encoding must fail: decoding makes the same choices
        // and so runs off the end.
        for (std::size_t length = 0; length < encoded.size(); ++length) {
            wire_reader prefix(shared_bytes::copy_of({encoded.data(), length}));
            Message partial;
            partial.read(prefix, version);
            EXPECT_FALSE(prefix.ok()) << "v" << version << " prefix " << length;
        }
    }

    // Corrupted bytes: decoding may succeed or fail but must not crash (ASan, UBSan).
    if (!encoded.empty()) {
        auto corrupted = encoded;
        for (int flips = 0; flips < 4; ++flips) {
            corrupted[random.below(corrupted.size())] = static_cast<uint8_t>(random.next());
        }
        wire_reader garbage(shared_bytes::copy_of(corrupted));
        Message ignored;
        ignored.read(garbage, version);
    }
}

template <typename Message, typename Randomizer>
void check_every_version(Randomizer randomize) {
    using traits = message_traits<Message>;
    random_source random(0x5a4d5a + traits::api_key);
    for (int16_t version = traits::min_version; version <= traits::max_version; ++version) {
        for (int i = 0; i < round_trips_per_version; ++i) {
            Message message;
            randomize(message, version, random, 0);
            check_round_trip(message, version, random, i == 0);
            if (::testing::Test::HasFatalFailure()) {
                return;
            }
        }
    }
}

}  // namespace samsa::protocol
