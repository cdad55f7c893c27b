#pragma once

// librdkafka's handles owned by unique_ptr: the one set of deleters every librdkafka user in
// the project shares (the samsa CLI's commands, bench/load's samsa-load).
//
// Destroy a topic handle, queue or event before the client it came from: declare it after
// the client_handle it belongs to.

#include <librdkafka/rdkafka.h>

#include <memory>

namespace samsa::client {

struct client_deleter {
    void operator()(rd_kafka_t* client) const { rd_kafka_destroy(client); }
};
struct topic_deleter {
    void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct queue_deleter {
    void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct message_deleter {
    void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct metadata_deleter {
    void operator()(const rd_kafka_metadata_t* metadata) const {
        rd_kafka_metadata_destroy(metadata);
    }
};
struct configuration_deleter {
    void operator()(rd_kafka_conf_t* configuration) const { rd_kafka_conf_destroy(configuration); }
};
struct event_deleter {
    void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct admin_options_deleter {
    void operator()(rd_kafka_AdminOptions_t* options) const {
        rd_kafka_AdminOptions_destroy(options);
    }
};
struct topic_partition_list_deleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
struct headers_deleter {
    void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
};

using client_handle = std::unique_ptr<rd_kafka_t, client_deleter>;
using topic_handle = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;
using queue_handle = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using message_handle = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using metadata_handle = std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter>;
using configuration_handle = std::unique_ptr<rd_kafka_conf_t, configuration_deleter>;
using event_handle = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using admin_options_handle = std::unique_ptr<rd_kafka_AdminOptions_t, admin_options_deleter>;
using topic_partition_list_handle =
    std::unique_ptr<rd_kafka_topic_partition_list_t, topic_partition_list_deleter>;
using headers_handle = std::unique_ptr<rd_kafka_headers_t, headers_deleter>;

}  // namespace samsa::client
