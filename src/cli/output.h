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

// Writes the document and a newline to stdout.
void print_json(const protocol::json_writer& json);

// Writes the text to stdout as is.
void print(const std::string& text);

}  // namespace samsa::cli::output
