#pragma once

// A 128-bit id as Kafka uses them (topic ids, directory ids, incarnation ids). Printed the
// way Kafka prints them: URL-safe base64 of the 16 bytes, without padding (22 chars).

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace samsa {

class uuid {
public:
    constexpr uuid() = default;
    constexpr uuid(uint64_t most_significant, uint64_t least_significant)
        : most_(most_significant), least_(least_significant) {}

    constexpr uint64_t most_significant_bits() const { return most_; }
    constexpr uint64_t least_significant_bits() const { return least_; }
    constexpr bool is_zero() const { return most_ == 0 && least_ == 0; }

    std::string to_string() const;
    static std::optional<uuid> from_string(std::string_view text);

    constexpr auto operator<=>(const uuid&) const = default;

    friend std::ostream& operator<<(std::ostream& out, const uuid& id) {
        return out << id.to_string();
    }

private:
    uint64_t most_ = 0;
    uint64_t least_ = 0;
};

// Kafka's topic ids are uuids; the distinct type keeps them apart from other uuids.
class topic_id : public uuid {
public:
    using uuid::uuid;
    constexpr topic_id() = default;
    constexpr explicit topic_id(const uuid& id) : uuid(id) {}
};

}  // namespace samsa

template <>
struct std::hash<samsa::uuid> {
    std::size_t operator()(const samsa::uuid& id) const noexcept {
        return std::hash<uint64_t>{}(id.most_significant_bits() * 31 ^ id.least_significant_bits());
    }
};

template <>
struct std::hash<samsa::topic_id> {
    std::size_t operator()(const samsa::topic_id& id) const noexcept {
        return std::hash<samsa::uuid>{}(id);
    }
};
