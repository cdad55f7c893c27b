#pragma once

// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it
// when the test ends.

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/assert.h"

namespace samsa::storage {

class temporary_directory {
public:
    temporary_directory() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern =
            std::string(base != nullptr ? base : "/tmp") + "/samsa-storage-XXXXXX";
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

private:
    std::filesystem::path path_;
};

}  // namespace samsa::storage
