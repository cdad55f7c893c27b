#pragma once

// How client commands print what they found: an aligned table for people (the default) or
// one JSON document for scripts (--format json). Errors never go here: they go to stderr
// through cli_context::fail.
//
//     output::table topics({"TOPIC", "PARTITIONS", "REPLICAS"});
//     topics.add_row({"orders", "6", "1"});
//     std::fputs(topics.render().c_str(), stdout);
//
//     protocol::json_writer json;  ...  output::print_json(json);

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/json_writer.h"

namespace samsa::cli::output {

class table {
public:
    explicit table(std::vector<std::string> headers);

    // A row with fewer cells than headers is padded with empty cells.
    void add_row(std::vector<std::string> cells);
    bool empty() const { return rows_.empty(); }

    // Columns left-aligned and separated by two spaces, the headers first, trailing spaces
    // trimmed, one '\n' after every line.
    std::string render() const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// The value, or null when there is none.
void write_optional(protocol::json_writer& json, const std::optional<int64_t>& value);
void write_optional(protocol::json_writer& json, const std::optional<std::string>& value);

// Writes the document and a newline to stdout.
void print_json(const protocol::json_writer& json);

// Writes the text to stdout as is.
void print(const std::string& text);

}  // namespace samsa::cli::output
