#include "storage/clean_shutdown_marker.h"

#include <fmt/format.h>

#include <charconv>
#include <system_error>

#include "base/log.h"

namespace samsa::storage {
namespace {

// Markers are ~40 bytes; anything much larger is not one.
constexpr std::size_t clean_shutdown_marker_max_bytes = 4096;
// Unknown fields may nest; a bound keeps a hostile file from exhausting the stack.
constexpr int max_json_depth = 16;

// Just enough JSON (RFC 8259) to read the marker: a flat object whose "version" and
// "brokerEpoch" are integers; other members are checked for well-formedness and skipped.
class json_reader {
public:
    explicit json_reader(std::string_view text) : text_(text) {}

    std::optional<int64_t> broker_epoch() {
        std::optional<int64_t> version;
        std::optional<int64_t> epoch;
        bool well_formed = object([&](std::string_view key) {
            if (key == "version" || key == "brokerEpoch") {
                std::optional<int64_t> number = integer();
                (key == "version" ? version : epoch) = number;
                return number.has_value();
            }
            return skip_value(1);
        });
        skip_space();
        if (!well_formed || position_ != text_.size() || version != clean_shutdown_marker_version) {
            return std::nullopt;
        }
        return epoch;
    }

private:
    // `{ "key": <value>, ... }`; value(key) reads each value.
    template <typename ValueReader>
    bool object(ValueReader&& value) {
        skip_space();
        if (!consume('{')) {
            return false;
        }
        skip_space();
        if (consume('}')) {
            return true;
        }
        do {
            skip_space();
            std::optional<std::string_view> key = string();
            skip_space();
            if (!key || !consume(':')) {
                return false;
            }
            skip_space();
            if (!value(*key)) {
                return false;
            }
            skip_space();
        } while (consume(','));
        return consume('}');
    }

    bool consume(char c) {
        if (position_ < text_.size() && text_[position_] == c) {
            ++position_;
            return true;
        }
        return false;
    }

    void skip_space() {
        while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' ||
                                            text_[position_] == '\n' || text_[position_] == '\r')) {
            ++position_;
        }
    }

    std::optional<int64_t> integer() {
        const char* begin = text_.data() + position_;
        const char* end = text_.data() + text_.size();
        int64_t value = 0;
        auto [stop, error] = std::from_chars(begin, end, value);
        // A fraction or an exponent makes it a number the marker never holds.
        if (error != std::errc() ||
            (stop != end && (*stop == '.' || *stop == 'e' || *stop == 'E'))) {
            return std::nullopt;
        }
        position_ += static_cast<std::size_t>(stop - begin);
        return value;
    }

    // A string as written, escapes undecoded (the keys that matter have none).
    std::optional<std::string_view> string() {
        if (!consume('"')) {
            return std::nullopt;
        }
        std::size_t start = position_;
        while (position_ < text_.size()) {
            char c = text_[position_++];
            if (c == '"') {
                return text_.substr(start, position_ - 1 - start);
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                return std::nullopt;
            }
            if (c == '\\') {
                ++position_;  // the escaped character; a \u's hex digits are plain characters
            }
        }
        return std::nullopt;
    }

    bool skip_value(int depth) {
        if (depth > max_json_depth || position_ >= text_.size()) {
            return false;
        }
        switch (text_[position_]) {
            case '"':
                return string().has_value();
            case '{':
                return object([&](std::string_view) { return skip_value(depth + 1); });
            case '[': {
                ++position_;
                skip_space();
                if (consume(']')) {
                    return true;
                }
                do {
                    skip_space();
                    if (!skip_value(depth + 1)) {
                        return false;
                    }
                    skip_space();
                } while (consume(','));
                return consume(']');
            }
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number();
        }
    }

    bool literal(std::string_view word) {
        if (text_.substr(position_, word.size()) != word) {
            return false;
        }
        position_ += word.size();
        return true;
    }

    bool number() {
        std::size_t start = position_;
        while (position_ < text_.size() &&
               std::string_view("0123456789+-.eE").find(text_[position_]) !=
                   std::string_view::npos) {
            ++position_;
        }
        return position_ > start;
    }

    std::string_view text_;
    std::size_t position_ = 0;
};

std::filesystem::path marker_in(const std::filesystem::path& log_dir) {
    return log_dir / clean_shutdown_file_name;
}

}  // namespace

std::string format_clean_shutdown_marker(int64_t broker_epoch) {
    // Jackson writes CleanShutdownFileHandler.Content's fields in declaration order.
    return fmt::format("{{\"version\":{},\"brokerEpoch\":{}}}", clean_shutdown_marker_version,
                       broker_epoch);
}

std::optional<int64_t> parse_clean_shutdown_marker(std::string_view text) {
    return json_reader(text).broker_epoch();
}

io_status write_clean_shutdown_marker(file_system& fs, const std::filesystem::path& log_dir,
                                      int64_t broker_epoch) {
    std::string text = format_clean_shutdown_marker(broker_epoch);
    return write_file_atomically(
        fs, marker_in(log_dir),
        std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

io_result<bool> clean_shutdown_marker_exists(file_system& fs,
                                             const std::filesystem::path& log_dir) {
    return fs.exists(marker_in(log_dir));
}

std::optional<int64_t> read_clean_shutdown_broker_epoch(file_system& fs,
                                                        const std::filesystem::path& log_dir) {
    auto text = read_small_file(fs, marker_in(log_dir), clean_shutdown_marker_max_bytes);
    if (!text) {
        log::debug("no broker epoch from the clean shutdown marker: {}", text.error().message);
        return std::nullopt;
    }
    std::optional<int64_t> epoch = parse_clean_shutdown_marker(text.value());
    if (!epoch) {
        log::debug("no broker epoch in {}: \"{}\"", marker_in(log_dir).string(),
                   log::printable(text.value()));
    }
    return epoch;
}

io_status remove_clean_shutdown_marker(file_system& fs, const std::filesystem::path& log_dir) {
    if (auto removed = fs.remove(marker_in(log_dir)); !removed) {
        return removed;
    }
    return fs.sync_directory(log_dir);
}

}  // namespace samsa::storage
