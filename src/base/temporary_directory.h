#pragma once

// A fresh directory under $TMPDIR (or /tmp, or a parent given), removed with everything in
// it when the object goes: for tests, benchmarks, fuzzers and tools, never for the broker's
// own data.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/assert.h"

namespace samsa {

class temporary_directory {
public:
    explicit temporary_directory(std::string_view prefix = "samsa",
                                 const std::filesystem::path& parent = default_parent()) {
        std::string pattern = (parent / (std::string(prefix) + "-XXXXXX")).string();
        SAMSA_ASSERT(::mkdtemp(pattern.data()) != nullptr, "mkdtemp %s failed", pattern.c_str());
        path_ = pattern;
    }
    ~temporary_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temporary_directory(const temporary_directory&) = delete;
    temporary_directory& operator=(const temporary_directory&) = delete;

    // $TMPDIR, or /tmp.
    static std::filesystem::path default_parent() {
        const char* base = std::getenv("TMPDIR");
        return base != nullptr && *base != '\0' ? base : "/tmp";
    }

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace samsa
