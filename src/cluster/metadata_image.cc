#include "cluster/metadata_image.h"

#include "base/assert.h"

namespace samsa::cluster {

const broker_endpoint* broker_registration::find_endpoint(std::string_view listener_name) const {
    for (const auto& endpoint : endpoints) {
        if (endpoint.listener_name == listener_name) {
            return &endpoint;
        }
    }
    return nullptr;
}

metadata_image::metadata_image(std::string cluster_id, node_id controller_id,
                               std::vector<broker_registration> brokers,
                               std::vector<topic_metadata> topics)
    : cluster_id_(std::move(cluster_id)), controller_id_(controller_id) {
    for (auto& broker : brokers) {
        node_id id = broker.id;
        bool inserted = brokers_.emplace(id, std::move(broker)).second;
        SAMSA_ASSERT(inserted, "broker %d registered twice in one image", id.value());
    }
    for (auto& topic : topics) {
        bool id_unique = names_by_id_.emplace(topic.id, topic.name).second;
        SAMSA_ASSERT(id_unique, "two topics share the id of %s", topic.name.c_str());
        std::string name = topic.name;
        bool name_unique = topics_.emplace(std::move(name), std::move(topic)).second;
        SAMSA_ASSERT(name_unique, "topic name registered twice");
    }
    check_invariants();
}

void metadata_image::check_invariants() const {
    for (const auto& [id, broker] : brokers_) {
        SAMSA_ASSERT(broker.id == id, "broker %d filed under id %d", broker.id.value(), id.value());
    }
    SAMSA_ASSERT(names_by_id_.size() == topics_.size(), "%zu topic ids for %zu topics",
                 names_by_id_.size(), topics_.size());
    for (const auto& [name, topic] : topics_) {
        SAMSA_ASSERT(topic.name == name, "topic %s filed under %s", topic.name.c_str(),
                     name.c_str());
        auto by_id = names_by_id_.find(topic.id);
        SAMSA_ASSERT(by_id != names_by_id_.end() && by_id->second == name,
                     "topic %s is not found by its id", name.c_str());
        for (std::size_t index = 0; index < topic.partitions.size(); ++index) {
            SAMSA_ASSERT(topic.partitions[index].partition.value() == static_cast<int32_t>(index),
                         "topic %s: partition at index %zu has id %d", name.c_str(), index,
                         topic.partitions[index].partition.value());
        }
    }
}

const broker_registration* metadata_image::find_broker(node_id id) const {
    auto found = brokers_.find(id);
    return found == brokers_.end() ? nullptr : &found->second;
}

const topic_metadata* metadata_image::find_topic(std::string_view name) const {
    auto found = topics_.find(name);
    return found == topics_.end() ? nullptr : &found->second;
}

const topic_metadata* metadata_image::find_topic(const topic_id& id) const {
    auto found = names_by_id_.find(id);
    return found == names_by_id_.end() ? nullptr : find_topic(found->second);
}

const config_map* metadata_image::find_topic_configs(std::string_view topic_name) const {
    auto found = topic_configs_.find(topic_name);
    return found == topic_configs_.end() ? nullptr : &found->second;
}

const config_map* metadata_image::find_broker_configs(std::string_view broker) const {
    auto found = broker_configs_.find(broker);
    return found == broker_configs_.end() ? nullptr : &found->second;
}

std::optional<int16_t> metadata_image::metadata_version() const {
    auto found = features_.find(metadata_version_feature);
    return found == features_.end() ? std::nullopt : std::optional<int16_t>(found->second);
}

}  // namespace samsa::cluster
