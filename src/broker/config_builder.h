#pragma once

// Internal to the broker_config implementation (broker_config.cc, listener_settings.cc):
// the parsed value of every known key while a broker_config is being built, and the
// problems found so far.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/broker_config.h"
#include "broker/config_value.h"

namespace samsa::broker::detail {

class config_builder {
public:
    // Parses the value of every known key: its last setting, else its default. Unknown
    // keys are reported. A value that fails to parse is reported and replaced by the
    // default, so that later rules see a value of the right type and do not report the
    // same mistake again.
    explicit config_builder(std::span<const config_setting> settings);

    // Typed values; asserts that `name` is a known key of that type (a programming error
    // otherwise, caught by any test that builds a config).
    bool boolean(std::string_view name) const;
    int16_t int16(std::string_view name) const;
    int32_t int32(std::string_view name) const;
    int64_t int64(std::string_view name) const;
    double float64(std::string_view name) const;
    const std::vector<std::string>& list(std::string_view name) const;
    // nullopt or nullptr for Kafka's null.
    std::optional<int32_t> optional_int32(std::string_view name) const;
    std::optional<int64_t> optional_int64(std::string_view name) const;
    const std::string* string(std::string_view name) const;

    // Whether the key was set by the file or an override, rather than defaulted.
    bool is_set(std::string_view name) const;

    // Reports a problem with `name`'s value; the message starts with where it was set.
    void report(config_problem_kind kind, std::string_view name, std::string_view what);

    void add(config_problem problem) { problems_.push_back(std::move(problem)); }

    bool has_problems() const { return !problems_.empty(); }
    std::vector<config_problem> take_problems() { return std::move(problems_); }
    std::vector<config_entry> entries() const { return entries_; }

private:
    std::size_t index_of(std::string_view name) const;
    bool is_null(std::string_view name) const;
    template <typename T>
    const T& get(std::string_view name) const;

    std::vector<config_value> values_;
    std::vector<config_entry> entries_;  // parallel to values_ and config_definitions()
    std::vector<config_problem> problems_;
};

// Resolves listeners, advertised.listeners, listener.security.protocol.map,
// controller.listener.names and inter.broker.listener.name (listener_settings.cc).
listener_settings resolve_listener_settings(config_builder& values, bool serves_broker_role);

}  // namespace samsa::broker::detail
