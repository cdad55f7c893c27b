#include "coordinator/group_member.h"

#include <cstdio>
#include <random>

namespace samsa::coordinator {

const shared_bytes* group_member::metadata_for(std::string_view protocol) const {
    for (const member_protocol& candidate : protocols) {
        if (candidate.name == protocol) {
            return &candidate.metadata;
        }
    }
    return nullptr;
}

std::optional<int64_t> group_member::expiry_deadline_ms() const {
    if (!is_new && (awaiting_join() || awaiting_sync())) {
        return std::nullopt;
    }
    return session_deadline_ms;
}

member_id_suffix_source random_member_id_suffixes(uint64_t seed) {
    return [engine = std::mt19937_64(seed)]() mutable {
        uint64_t most = engine();
        uint64_t least = engine();
        // Version 4, variant 2, as java.util.UUID.randomUUID() makes them.
        most = (most & ~uint64_t{0xf000}) | 0x4000;
        least = (least & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);
        char text[37];
        std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx",
                      static_cast<unsigned>(most >> 32),
                      static_cast<unsigned>((most >> 16) & 0xffff),
                      static_cast<unsigned>(most & 0xffff), static_cast<unsigned>(least >> 48),
                      static_cast<unsigned long long>(least & 0xffff'ffff'ffffULL));
        return std::string(text);
    };
}

}  // namespace samsa::coordinator
