#pragma once

// Deterministic random values for generated round-trip tests (seeded, so a failure
// reproduces).

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "base/shared_bytes.h"
#include "protocol/message_support.h"

namespace samsa::protocol {

class random_source {
public:
    explicit random_source(uint64_t seed) : engine_(seed) {}

    uint64_t next() { return engine_(); }
    std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }

    // Edge values (0, -1, min, max) a quarter of the time; otherwise uniform.
    template <typename T>
    T integer() {
        switch (below(8)) {
            case 0:
                return 0;
            case 1:
                return static_cast<T>(-1);
            case 2:
                return std::numeric_limits<T>::min();
            case 3:
                return std::numeric_limits<T>::max();
            default:
                return static_cast<T>(next());
        }
    }

    double real() { return std::uniform_real_distribution<double>(-1e9, 1e9)(engine_); }

    std::string text() {
        std::string value(below(12), ' ');
        for (auto& c : value) {
            c = static_cast<char>('a' + below(26));
        }
        return value;
    }

    shared_bytes bytes() {
        std::vector<uint8_t> value(below(24));
        for (auto& byte : value) {
            byte = static_cast<uint8_t>(next());
        }
        return shared_bytes(std::move(value));
    }

private:
    std::mt19937_64 engine_;
};

// Adds unknown tagged fields (tags above any Kafka uses, ascending, as decode would
// return them) a third of the time.
inline void add_random_unknown_tagged_fields(tagged_fields& fields, random_source& random) {
    if (random.below(3) != 0) {
        return;
    }
    uint32_t tag = 1000;
    for (std::size_t i = 0, count = 1 + random.below(2); i < count; ++i) {
        tag += 1 + static_cast<uint32_t>(random.below(100));
        fields.push_back({tag, random.bytes()});
    }
}

}  // namespace samsa::protocol
