#include "coordinator/transaction_state.h"

#include <array>

namespace samsa::coordinator {
namespace {

constexpr std::array<std::string_view, 8> state_names = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence",
};

}  // namespace

std::string_view state_name(transaction_state state) {
    return state_names[static_cast<std::size_t>(state_id(state))];
}

std::optional<transaction_state> transaction_state_from_name(std::string_view name) {
    for (std::size_t id = 0; id < state_names.size(); ++id) {
        if (state_names[id] == name) {
            return static_cast<transaction_state>(id);
        }
    }
    return std::nullopt;
}

std::optional<transaction_state> transaction_state_from_id(int8_t id) {
    if (id < 0 || id >= static_cast<int8_t>(state_names.size())) {
        return std::nullopt;
    }
    return static_cast<transaction_state>(id);
}

bool is_valid_transition(transaction_state from, transaction_state to) {
    using enum transaction_state;
    switch (to) {
        case empty:
        case dead:
            return from == empty || from == complete_commit || from == complete_abort;
        case ongoing:
            return from == ongoing || from == empty || from == complete_commit ||
                   from == complete_abort;
        case prepare_commit:
        case prepare_epoch_fence:
            return from == ongoing;
        case prepare_abort:
            return from == ongoing || from == prepare_epoch_fence;
        case complete_commit:
            return from == prepare_commit;
        case complete_abort:
            return from == prepare_abort;
    }
    return false;
}

bool is_expiration_allowed(transaction_state state) {
    using enum transaction_state;
    return state == empty || state == complete_commit || state == complete_abort;
}

}  // namespace samsa::coordinator
