#pragma once

// The e2e subcommand: end-to-end latency, from the moment a record was due to be sent to the
// moment a consumer in the same process has it.
//
// A producer sends --rate records per second paced by the clock (rate_pacer.h: when it
// falls behind it sends late and the lateness counts), for --warmup-seconds and then
// --seconds. Each value starts with a 16-byte header, the rest coming from a payload_pool:
//
//   bytes 0-7    e2e_record_tag, so records of anyone else on the topic are ignored
//   bytes 8-15   the record's intended send time, monotonic_ns(), native byte order
//
// A consumer thread, started before the first record at each partition's high watermark
// (so it sees exactly the records of this run), reads with fetch.min.bytes=1 and a short
// fetch.wait.max.ms and records receipt time minus intended send time. Records due during
// the warm-up are sent and read but not measured. After the last record, the run waits for
// the consumer to catch up with what was acknowledged (or for receive_timeout_ms of
// silence).
//
// Report: records/bytes are the measured records received; "produced" the measured records
// acknowledged (the two differ only if records were lost or the wait timed out); latency_ms
// end to end; produce_latency_ms intended send time to delivery report.

#include <cstdint>
#include <string>

#include "arguments.h"
#include "load_error.h"
#include "run_report.h"

namespace samsa::load {

// "samsa-e2" in ASCII, little-endian.
constexpr uint64_t e2e_record_tag = 0x32652d61736d6173ULL;
constexpr std::size_t e2e_header_bytes = 16;

load_result<run_report> run_e2e(const e2e_arguments& arguments,
                                const std::string& bootstrap_servers);

}  // namespace samsa::load
