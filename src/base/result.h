#pragma once

// A value or a layer's own error enum: the middle tier of Samsa's error model
// (Kafka error codes are data in responses; broken invariants abort).

#include <cassert>
#include <utility>
#include <variant>

namespace samsa {

template <typename E>
struct failure {
    // A constructor, not an aggregate: clang 14 has no parenthesized aggregate
    // initialization, and callers write failure(error).
    failure(E failed) : error(std::move(failed)) {}
    E error;
};

template <typename E>
failure(E) -> failure<E>;

template <typename T, typename E>
class [[nodiscard]] result {
public:
    result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    result(failure<E> f) : state_(std::in_place_index<1>, f.error) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(state_));
    }
    E error() const {
        assert(!has_value());
        return std::get<1>(state_);
    }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, E> state_;
};

}  // namespace samsa
