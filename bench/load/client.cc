#include "client.h"

namespace samsa::load {

client_config::client_config(const std::string& bootstrap_servers)
    : configuration_(rd_kafka_conf_new()) {
    set("bootstrap.servers", bootstrap_servers);
    set("client.id", "samsa-load");
    set("socket.nagle.disable", "true");
    set("allow.auto.create.topics", "false");
}

client_config& client_config::set(const std::string& name, const std::string& value) {
    char reason[512];
    if (!error_ && rd_kafka_conf_set(configuration_.get(), name.c_str(), value.c_str(), reason,
                                     sizeof reason) != RD_KAFKA_CONF_OK) {
        error_ = load_error{"librdkafka refuses " + name + "=" + value + ": " + reason};
    }
    return *this;
}

client_config& client_config::on_delivery(void (*callback)(rd_kafka_t*, const rd_kafka_message_t*,
                                                           void*)) {
    rd_kafka_conf_set_dr_msg_cb(configuration_.get(), callback);
    return *this;
}

client_config& client_config::opaque(void* opaque) {
    rd_kafka_conf_set_opaque(configuration_.get(), opaque);
    return *this;
}

load_result<client_handle> client_config::create(rd_kafka_type_t type) {
    if (type == RD_KAFKA_PRODUCER) {
        set("message.timeout.ms", std::to_string(delivery_timeout_ms));
    }
    if (error_) {
        return failure{*error_};
    }
    char reason[512];
    rd_kafka_t* client = rd_kafka_new(type, configuration_.get(), reason, sizeof reason);
    if (client == nullptr) {
        return failure{load_error{std::string("cannot create a librdkafka client: ") + reason}};
    }
    // rd_kafka_new took the configuration.
    configuration_.release();
    return client_handle(client);
}

load_result<topic_handle> open_topic(rd_kafka_t* client, const std::string& topic) {
    rd_kafka_topic_t* handle = rd_kafka_topic_new(client, topic.c_str(), nullptr);
    if (handle == nullptr) {
        return failure{load_error{"cannot use topic \"" + topic +
                                  "\": " + rd_kafka_err2str(rd_kafka_last_error())}};
    }
    return topic_handle(handle);
}

void drain_producer(rd_kafka_t* producer) {
    constexpr int margin_ms = 5'000;
    if (rd_kafka_flush(producer, delivery_timeout_ms + margin_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(producer, margin_ms);
    }
}

}  // namespace samsa::load
