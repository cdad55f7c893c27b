#pragma once

// The APIs this broker serves: api key -> handler and version range. ApiVersions
// advertises exactly what is registered here, so the list grows as handlers are added.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "server/handler.h"

namespace samsa::server {

class handler_registry {
public:
    // Registers a handler; asserts the key is defined by the schemas, its versions lie in
    // the schema's range, and the key is not registered twice.
    void add(api_handler handler);

    // nullptr when the key is not served.
    const api_handler* find(int16_t api_key) const;

    // Whether a request of this key and version is served. ApiVersions is served at every
    // version: a client sends its newest, and a broker that does not know it answers
    // UNSUPPORTED_VERSION with v0 framing (KIP-511) rather than closing.
    bool accepts(int16_t api_key, int16_t api_version) const;

    // The served APIs in key order (the ApiVersions response).
    const std::vector<const api_handler*>& served() const { return served_; }

private:
    std::vector<std::optional<api_handler>> by_key_;
    std::vector<const api_handler*> served_;
};

// Every API Samsa implements so far, each with its handler.
handler_registry make_default_handler_registry();

}  // namespace samsa::server
