#pragma once

// The third tier of the error model: a broken invariant logs where and why, then aborts.
// Always on, in every build type; never used for input from the network or the disk
// (that is a result<T, E> or a Kafka error code).
//
//     SAMSA_ASSERT(offset_delta > last_offset_delta_, "offset delta %d after %d", ...);

#include <cstdio>
#include <cstdlib>

namespace samsa::detail {

[[noreturn]] inline void assertion_failed(const char* file, int line, const char* condition) {
    std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, condition);
    std::abort();
}

}  // namespace samsa::detail

#define SAMSA_ASSERT(condition, ...)                                           \
    do {                                                                       \
        if (!(condition)) [[unlikely]] {                                       \
            std::fprintf(stderr, __VA_ARGS__);                                 \
            std::fputc('\n', stderr);                                          \
            ::samsa::detail::assertion_failed(__FILE__, __LINE__, #condition); \
        }                                                                      \
    } while (false)
