#pragma once

// The broker tests' temporary directory (base/temporary_directory.h) and small file helpers.

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "base/temporary_directory.h"

namespace samsa::broker::testing {

using samsa::temporary_directory;

inline void write_file(const std::filesystem::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace samsa::broker::testing
