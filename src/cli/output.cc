#include "cli/output.h"

#include <algorithm>
#include <cstdio>

namespace samsa::cli::output {

table::table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void table::add_row(std::vector<std::string> cells) {
    cells.resize(std::max(cells.size(), headers_.size()));
    rows_.push_back(std::move(cells));
}

std::string table::render() const {
    std::vector<std::size_t> widths(headers_.size(), 0);
    auto widen = [&widths](const std::vector<std::string>& cells) {
        if (widths.size() < cells.size()) {
            widths.resize(cells.size(), 0);
        }
        for (std::size_t i = 0; i < cells.size(); ++i) {
            widths[i] = std::max(widths[i], cells[i].size());
        }
    };
    widen(headers_);
    for (const auto& row : rows_) {
        widen(row);
    }
    std::string out;
    auto write = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            line += cells[i];
            if (i + 1 < cells.size()) {
                line.append(widths[i] - cells[i].size() + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line;
        out += '\n';
    };
    write(headers_);
    for (const auto& row : rows_) {
        write(row);
    }
    return out;
}

void write_optional(protocol::json_writer& json, const std::optional<int64_t>& value) {
    if (value) {
        json.value(*value);
    } else {
        json.null_value();
    }
}

void write_optional(protocol::json_writer& json, const std::optional<std::string>& value) {
    if (value) {
        json.value(*value);
    } else {
        json.null_value();
    }
}

void print_json(const protocol::json_writer& json) {
    std::fwrite(json.text().data(), 1, json.text().size(), stdout);
    std::fputc('\n', stdout);
}

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace samsa::cli::output
