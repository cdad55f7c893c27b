#pragma once

// The consume subcommand: one consumer reads partitions 0..P-1 of the topic from the
// beginning (topic_reader.h: no group) until it has --records records, and reports how fast.
// The measured window runs from the start of reading to the arrival of the last record
// counted, so it includes the first fetch's round trip; records beyond --records in the
// last fetched batch are not counted.
//
// A run that receives nothing for --idle-timeout-ms fails: the topic holds fewer records than
// asked for, or the broker stopped answering.

#include <string>

#include "arguments.h"
#include "load_error.h"
#include "run_report.h"

namespace samsa::load {

load_result<run_report> run_consume(const consume_arguments& arguments,
                                    const std::string& bootstrap_servers);

}  // namespace samsa::load
