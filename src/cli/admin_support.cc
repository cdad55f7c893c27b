#include "cli/admin_support.h"

namespace samsa::cli {

std::optional<client::admin_client> open_admin(cli_context& context) {
    auto admin = client::admin_client::create(context.connection);
    if (!admin) {
        context.fail(admin.error());
        return std::nullopt;
    }
    return std::move(admin).value();
}

std::optional<std::pair<std::string, std::string>> parse_key_value(const std::string& text) {
    auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
        return std::nullopt;
    }
    return std::make_pair(text.substr(0, equals), text.substr(equals + 1));
}

client::client_result<std::vector<std::pair<std::string, std::string>>> parse_key_values(
    const std::vector<std::string>& texts) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& text : texts) {
        auto pair = parse_key_value(text);
        if (!pair) {
            return failure{client::invalid("expected key=value, got \"" + text + "\"")};
        }
        out.push_back(std::move(*pair));
    }
    return out;
}

}  // namespace samsa::cli
