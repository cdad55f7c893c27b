#pragma once

// Produce (key 0). Served from v3 (message format v2, the Kafka 4.0 baseline) to v10;
// v0-v2 are advertised, as Kafka 4 does (KAFKA-18659: librdkafka sends compressed batches
// only to a broker listing Produce v0), and answered with UNSUPPORTED_VERSION for every
// partition.
//
// For each partition: the topic must exist (an unknown topic starts auto-creation when
// auto.create.topics.enable, and is UNKNOWN_TOPIC_OR_PARTITION until it exists, which
// clients retry), the records are validated (storage/produce_validator.h, with the topic's
// settings) and appended on the partition's owner shard. Then:
//   acks=1   answered after the append (in the page cache);
//   acks=-1  answered once the append is durable (fsynced; group commit shares one fsync
//            among concurrent producers). On one node the ISR is the leader alone, so
//            Kafka's timeout_ms (a wait for followers) never expires;
//   acks=0   no response; an error closes the connection instead, as Kafka does, so the
//            client notices and refreshes its metadata.
// Other acks values: INVALID_REQUIRED_ACKS. flush.messages / flush.ms also make the append
// durable before the answer when due.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_produce_handler();

}  // namespace samsa::server::handlers
