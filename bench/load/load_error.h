#pragma once

// Why a run could not be measured: one sentence for the user (the broker is unreachable,
// the topic does not exist, fewer records arrived than asked for). main() prints it and
// exits non-zero; no JSON is printed for such a run.

#include <string>

#include "base/result.h"

namespace samsa::load {

struct load_error {
    std::string message;
};

template <typename T>
using load_result = result<T, load_error>;

}  // namespace samsa::load
