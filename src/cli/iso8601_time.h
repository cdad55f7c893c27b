#pragma once

// The one ISO 8601 date-time parser of the CLI, for `samsa consume --datetime` and
// `samsa group reset-offsets --to-datetime`: "2024-05-01", "2024-05-01T12:30",
// "2024-05-01T12:30:15.250Z", "2024-05-01 12:30:15+02:00", "...-0500". Without a zone the
// time is UTC (a script's result must not depend on the machine's zone).
//
//     auto ms = parse_iso8601_ms("2024-05-01T12:00:00Z");   // 1714564800000

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace samsa::cli {

// Milliseconds since the epoch, or one sentence for the user naming the text.
result<int64_t, std::string> parse_iso8601_ms(std::string_view text);

}  // namespace samsa::cli
