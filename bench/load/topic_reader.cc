#include "topic_reader.h"

#include <string>

namespace samsa::load {

topic_reader::topic_reader(rd_kafka_topic_t* topic, queue_handle queue)
    : topic_(topic), queue_(std::move(queue)) {}

load_result<std::unique_ptr<topic_reader>> topic_reader::start(
    rd_kafka_t* client, rd_kafka_topic_t* topic, const std::vector<int64_t>& start_offsets) {
    std::unique_ptr<topic_reader> reader(
        new topic_reader(topic, queue_handle(rd_kafka_queue_new(client))));
    for (std::size_t partition = 0; partition < start_offsets.size(); ++partition) {
        if (rd_kafka_consume_start_queue(topic, static_cast<int32_t>(partition),
                                         start_offsets[partition], reader->queue_.get()) != 0) {
            return failure{load_error{
                "cannot start reading partition " + std::to_string(partition) + " of \"" +
                rd_kafka_topic_name(topic) + "\": " + rd_kafka_err2str(rd_kafka_last_error())}};
        }
        ++reader->started_partitions_;
    }
    return reader;
}

topic_reader::~topic_reader() {
    // Stopping purges what the partitions had fetched into the queue; the queue goes after.
    for (int32_t partition = 0; partition < started_partitions_; ++partition) {
        rd_kafka_consume_stop(topic_, partition);
    }
}

}  // namespace samsa::load
