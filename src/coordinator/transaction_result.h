#pragma once

// How a transaction ended: the control type of its markers. Shared by the transaction
// coordinator, which decides it, and the group coordinator, whose transactional offsets it
// commits or drops.

#include <cstdint>

namespace samsa::coordinator {

enum class transaction_result : uint8_t { abort, commit };

}  // namespace samsa::coordinator
