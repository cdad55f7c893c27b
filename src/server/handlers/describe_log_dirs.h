#pragma once

// DescribeLogDirs (key 35), versions 0-4: every log dir of this broker (log.dirs, each once,
// as an absolute path) with the logs it holds, as Kafka's ReplicaManager.describeLogDirs
// answers:
//   - null topics means every log; otherwise only the partitions named (an unknown topic or
//     partition is simply absent, never an error);
//   - per partition: partition_size is the bytes of its segments on disk, offset_lag the high
//     watermark minus the log end offset, floored at 0 (always 0 on one node), is_future_key
//     false (no AlterReplicaLogDirs yet);
//   - a topic none of whose partitions is wanted is left out of its dir;
//   - total_bytes and usable_bytes (v4) are the dir's volume (statvfs); a dir whose volume
//     cannot be read is answered KAFKA_STORAGE_ERROR with no topics, as Kafka answers an
//     offline log dir;
//   - the top-level error_code (v3+) is NONE: without an authorizer the cluster DESCRIBE
//     check always passes.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_describe_log_dirs_handler();

}  // namespace samsa::server::handlers
