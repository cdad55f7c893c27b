#include "cli/topic_lookup.h"

#include "client/rdkafka_handles.h"

namespace samsa::cli {

client::client_error rdkafka_failure(rd_kafka_resp_err_t error, const std::string& what,
                                     const client::connection_settings& connection) {
    switch (error) {
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__RESOLVE:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            return client::unreachable(what + ": no answer from " + connection.bootstrap_servers +
                                       " within " + std::to_string(connection.timeout_ms) +
                                       " ms (" + rd_kafka_err2str(error) + ")");
        case RD_KAFKA_RESP_ERR__INVALID_ARG:
            return client::invalid(what + ": " + rd_kafka_err2str(error));
        default:
            return client::refused(what + ": " + rd_kafka_err2str(error));
    }
}

client::client_result<int32_t> topic_partition_count(
    rd_kafka_t* client, const std::string& topic, const client::connection_settings& connection) {
    const rd_kafka_metadata_t* raw_metadata = nullptr;
    rd_kafka_resp_err_t error =
        rd_kafka_metadata(client, 1, nullptr, &raw_metadata, connection.timeout_ms);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{
            rdkafka_failure(error, "reading the metadata of topic \"" + topic + "\"", connection)};
    }
    client::metadata_handle metadata(raw_metadata);
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        const rd_kafka_metadata_topic_t& found = metadata->topics[i];
        if (topic != found.topic) {
            continue;
        }
        if (found.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return failure{rdkafka_failure(found.err, "topic \"" + topic + "\"", connection)};
        }
        return static_cast<int32_t>(found.partition_cnt);
    }
    return failure{client::refused("topic \"" + topic + "\" does not exist")};
}

}  // namespace samsa::cli
