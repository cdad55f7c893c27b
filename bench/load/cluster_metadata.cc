#include "cluster_metadata.h"

#include "client.h"

namespace samsa::load {

load_result<int32_t> topic_partition_count(rd_kafka_t* client, rd_kafka_topic_t* topic,
                                           const std::string& bootstrap_servers) {
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_resp_err_t error = rd_kafka_metadata(client, 0, topic, &raw, cluster_timeout_ms);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{load_error{"no answer from the brokers at " + bootstrap_servers +
                                  " within " + std::to_string(cluster_timeout_ms / 1000) + " s (" +
                                  rd_kafka_err2str(error) + "): is the broker running?"}};
    }
    metadata_handle metadata(raw);
    std::string name = rd_kafka_topic_name(topic);
    if (metadata->topic_cnt != 1) {
        return failure{load_error{"the brokers at " + bootstrap_servers +
                                  " returned no metadata for topic \"" + name + "\""}};
    }
    const rd_kafka_metadata_topic_t& described = metadata->topics[0];
    if (described.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        return failure{load_error{"topic \"" + name + "\" does not exist at " + bootstrap_servers +
                                  ": create it first"}};
    }
    if (described.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return failure{load_error{"metadata for topic \"" + name +
                                  "\" failed: " + rd_kafka_err2str(described.err)}};
    }
    if (described.partition_cnt <= 0) {
        return failure{load_error{"topic \"" + name + "\" has no partitions"}};
    }
    return described.partition_cnt;
}

load_result<std::vector<int64_t>> high_watermarks(rd_kafka_t* client, const std::string& topic,
                                                  int32_t partition_count) {
    std::vector<int64_t> ends;
    for (int32_t partition = 0; partition < partition_count; ++partition) {
        int64_t low = 0;
        int64_t high = 0;
        rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
            client, topic.c_str(), partition, &low, &high, cluster_timeout_ms);
        if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return failure{load_error{"cannot read where partition " + topic + "-" +
                                      std::to_string(partition) +
                                      " ends: " + rd_kafka_err2str(error)}};
        }
        ends.push_back(high);
    }
    return ends;
}

}  // namespace samsa::load
