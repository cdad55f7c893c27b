#pragma once

// The produce subcommand. --producers N instances, a thread and a librdkafka client each,
// share the records (or the seconds) and the rate. Records have null keys, so librdkafka's
// sticky partitioner fills one partition's batch at a time and moves on; values come from
// a payload_pool without a copy. A record counts when its delivery report says it was
// acknowledged (with acks=0: written to the socket); a failed delivery counts as an error.
//
// Latency is from send to delivery report. "Send" is the moment the record was due: the
// call to rd_kafka_produce when running flat out (including any wait for room in the
// client's queue), or the record's intended time with --rate (rate_pacer.h).
//
// The measured window runs from the start of sending to the last delivery report, after
// every producer has flushed, so records still in flight at the end are counted with the
// time they took. Per-record state is none: the send time rides in the message's opaque
// pointer and ends up in a latency_histogram.

#include <string>

#include "arguments.h"
#include "load_error.h"
#include "run_report.h"

namespace samsa::load {

load_result<run_report> run_produce(const produce_arguments& arguments,
                                    const std::string& bootstrap_servers);

}  // namespace samsa::load
