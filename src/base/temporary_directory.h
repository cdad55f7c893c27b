#pragma once

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when the object
// goes: for tests, benchmarks and tools, never for the broker's own data.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/assert.h"

namespace samsa {

class temporary_directory {
public:
    explicit temporary_directory(std::string_view prefix = "samsa") {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" +
                              std::string(prefix) + "-XXXXXX";
        SAMSA_ASSERT(::mkdtemp(pattern.data()) != nullptr, "mkdtemp %s failed", pattern.c_str());
        path_ = pattern;
    }
    ~temporary_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temporary_directory(const temporary_directory&) = delete;
    temporary_directory& operator=(const temporary_directory&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace samsa
