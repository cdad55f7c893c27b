#include "base/uuid.h"

namespace samsa {
namespace {

constexpr std::string_view url_safe_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::array<uint8_t, 16> to_bytes(uint64_t most, uint64_t least) {
    std::array<uint8_t, 16> bytes{};
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<uint8_t>(most >> (56 - 8 * i));
        bytes[8 + i] = static_cast<uint8_t>(least >> (56 - 8 * i));
    }
    return bytes;
}

int alphabet_index(char c) {
    auto position = url_safe_alphabet.find(c);
    return position == std::string_view::npos ? -1 : static_cast<int>(position);
}

}  // namespace

std::string uuid::to_string() const {
    auto bytes = to_bytes(most_, least_);
    std::string text;
    text.reserve(22);
    // 16 bytes = 5 groups of 3 bytes (20 chars) + 1 byte (2 chars).
    for (std::size_t i = 0; i + 3 <= bytes.size(); i += 3) {
        uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6) {
            text.push_back(url_safe_alphabet[(group >> shift) & 0x3f]);
        }
    }
    uint32_t last = bytes[15];
    text.push_back(url_safe_alphabet[last >> 2]);
    text.push_back(url_safe_alphabet[(last << 4) & 0x3f]);
    return text;
}

std::optional<uuid> uuid::from_string(std::string_view text) {
    if (text.size() != 22) {
        return std::nullopt;
    }
    std::array<uint8_t, 16> bytes{};
    std::size_t out = 0;
    for (std::size_t i = 0; i < 20; i += 4) {
        uint32_t group = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            int index = alphabet_index(text[i + j]);
            if (index < 0) {
                return std::nullopt;
            }
            group = (group << 6) | static_cast<uint32_t>(index);
        }
        bytes[out++] = static_cast<uint8_t>(group >> 16);
        bytes[out++] = static_cast<uint8_t>(group >> 8);
        bytes[out++] = static_cast<uint8_t>(group);
    }
    int high = alphabet_index(text[20]);
    int low = alphabet_index(text[21]);
    // The last character's low four bits carry no data; java.util.Base64 (and so Kafka)
    // ignores them, and ids in the wild rely on it (Kafka's example cluster id
    // "MkU3OEVBNTcwNTJENDM2Qk"), so they are ignored here too.
    if (high < 0 || low < 0) {
        return std::nullopt;
    }
    bytes[15] = static_cast<uint8_t>((high << 2) | (low >> 4));
    uint64_t most = 0;
    uint64_t least = 0;
    for (int i = 0; i < 8; ++i) {
        most = (most << 8) | bytes[i];
        least = (least << 8) | bytes[8 + i];
    }
    return uuid(most, least);
}

}  // namespace samsa
