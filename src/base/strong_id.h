#pragma once

// A distinct type per kind of id, so an offset can never be passed where a leader epoch
// is expected. The representation is the Kafka wire type.

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>

namespace samsa {

template <typename Tag, typename Rep>
class strong_id {
public:
    using rep = Rep;

    constexpr strong_id() = default;
    constexpr explicit strong_id(Rep value) : value_(value) {}

    constexpr Rep value() const { return value_; }

    constexpr auto operator<=>(const strong_id&) const = default;

    friend std::ostream& operator<<(std::ostream& out, strong_id id) { return out << +id.value_; }

private:
    Rep value_{};
};

}  // namespace samsa

template <typename Tag, typename Rep>
struct std::hash<samsa::strong_id<Tag, Rep>> {
    std::size_t operator()(samsa::strong_id<Tag, Rep> id) const noexcept {
        return std::hash<Rep>{}(id.value());
    }
};
