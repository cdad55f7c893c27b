#pragma once

// DeleteTopics (key 20), versions 0-6: asks the controller (through shard_services'
// topic_admin) to delete topics named in v0-5 by name (topic_names), from v6 by name or
// by id (topics).
//
// Checked here, before the controller sees the request, with Kafka's codes and messages
// (ControllerApis.deleteTopics):
//   - v6: a topic with both a name and an id, or with neither, is INVALID_REQUEST;
//   - a name or id given more than once is answered once, INVALID_REQUEST;
//   - internal topics (__consumer_offsets, __transaction_state) are refused with
//     INVALID_REQUEST. This is Samsa's rule, not Kafka's broker's: Kafka's broker deletes
//     them when asked and only its command-line tool refuses, but losing them loses every
//     group's offsets and every transaction's state;
//   - no topic_admin (tests): UNKNOWN_SERVER_ERROR.
// Unknown names are UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID with a null
// name. delete.topic.enable is not a setting yet: deletion is always enabled.
//
// The response carries the topic id (v6+) and error_message (v5+).

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_delete_topics_handler();

}  // namespace samsa::server::handlers
