#include "cluster/metadata_image_builder.h"

#include <algorithm>
#include <optional>

#include "cluster/topic_name.h"

namespace samsa::cluster {
namespace {

using applied = result<std::monostate, metadata_image_error>;

const applied ok = std::monostate{};

// Kafka's ConfigResource.Type ids.
constexpr int8_t topic_resource = 2;
constexpr int8_t broker_resource = 4;

// Kafka's LeaderConstants.NO_LEADER_CHANGE and LeaderRecoveryState.NO_CHANGE.
constexpr node_id no_leader_change{-2};
constexpr int8_t no_recovery_state_change = -1;

// Uuid.RESERVED: the zero id means "no topic", (0, 1) is __cluster_metadata's own.
bool is_reserved_topic_id(const topic_id& id) {
    return id == topic_id(uuid(0, 0)) || id == topic_id(uuid(0, 1));
}

std::optional<leader_recovery_state> recovery_state_of(int8_t value) {
    switch (value) {
        case static_cast<int8_t>(leader_recovery_state::recovered):
            return leader_recovery_state::recovered;
        case static_cast<int8_t>(leader_recovery_state::recovering):
            return leader_recovery_state::recovering;
        default:
            return std::nullopt;
    }
}

template <typename Id>
std::vector<node_id> to_node_ids(const std::vector<Id>& ids) {
    std::vector<node_id> nodes;
    nodes.reserve(ids.size());
    for (const auto& id : ids) {
        if constexpr (std::is_same_v<Id, node_id>) {
            nodes.push_back(id);
        } else {
            nodes.push_back(node_id(id));
        }
    }
    return nodes;
}

// Sets or (for a null value) deletes one config of one resource; a resource left without
// configs has no entry, as in Kafka's ConfigurationsDelta.
void apply_config(std::map<std::string, config_map, std::less<>>& resources,
                  const protocol::config_record& record) {
    if (record.value.has_value()) {
        resources[record.resource_name].insert_or_assign(record.name, *record.value);
        return;
    }
    auto resource = resources.find(record.resource_name);
    if (resource == resources.end()) {
        return;
    }
    resource->second.erase(record.name);
    if (resource->second.empty()) {
        resources.erase(resource);
    }
}

}  // namespace

std::string_view to_string(metadata_image_error error) {
    switch (error) {
        case metadata_image_error::duplicate_topic_id:
            return "duplicate topic id";
        case metadata_image_error::duplicate_topic_name:
            return "duplicate topic name";
        case metadata_image_error::invalid_topic_name:
            return "invalid topic name";
        case metadata_image_error::reserved_topic_id:
            return "reserved topic id";
        case metadata_image_error::unknown_topic_id:
            return "unknown topic id";
        case metadata_image_error::invalid_partition_id:
            return "invalid partition id";
        case metadata_image_error::unknown_partition:
            return "unknown partition";
        case metadata_image_error::invalid_recovery_state:
            return "invalid leader recovery state";
        case metadata_image_error::unsupported_config_resource:
            return "unsupported config resource";
        case metadata_image_error::invalid_metadata_version:
            return "invalid metadata.version";
        case metadata_image_error::invalid_quota_entity:
            return "invalid client quota entity";
        case metadata_image_error::producer_ids_went_back:
            return "producer id block below the next producer id";
    }
    return "unknown metadata image error";
}

metadata_image_builder::metadata_image_builder(std::string cluster_id, node_id controller_id) {
    next_.cluster_id_ = std::move(cluster_id);
    next_.controller_id_ = controller_id;
}

metadata_image_builder::metadata_image_builder(const metadata_image& base) : next_(base) {}

applied metadata_image_builder::apply(const metadata_record& record) {
    return std::visit([this](const auto& body) { return replay(body); }, record.body);
}

applied metadata_image_builder::apply(std::span<const metadata_record> records) {
    for (const metadata_record& record : records) {
        auto result = apply(record);
        if (!result) {
            return result;
        }
    }
    return ok;
}

void metadata_image_builder::set_provenance(const metadata_provenance& provenance) {
    next_.provenance_ = provenance;
}

void metadata_image_builder::set_controller_id(node_id controller_id) {
    next_.controller_id_ = controller_id;
}

metadata_image_ptr metadata_image_builder::build() && {
    next_.check_invariants();
    return std::make_shared<const metadata_image>(std::move(next_));
}

topic_metadata* metadata_image_builder::find_topic(const topic_id& id) {
    auto name = next_.names_by_id_.find(id);
    if (name == next_.names_by_id_.end()) {
        return nullptr;
    }
    auto topic = next_.topics_.find(name->second);
    return topic == next_.topics_.end() ? nullptr : &topic->second;
}

applied metadata_image_builder::replay(const protocol::register_broker_record& record) {
    broker_registration broker{.id = record.broker_id,
                               .rack = record.rack,
                               .fenced = record.fenced,
                               .broker_epoch = record.broker_epoch,
                               .incarnation_id = record.incarnation_id,
                               .in_controlled_shutdown = record.in_controlled_shutdown};
    broker.endpoints.reserve(record.end_points.size());
    for (const auto& endpoint : record.end_points) {
        broker.endpoints.push_back(
            {.listener_name = endpoint.name,
             .host = endpoint.host,
             .port = endpoint.port,
             .protocol = static_cast<security_protocol>(endpoint.security_protocol)});
    }
    next_.brokers_.insert_or_assign(record.broker_id, std::move(broker));
    return ok;
}

applied metadata_image_builder::replay(const protocol::topic_record& record) {
    if (!is_valid_topic_name(record.name)) {
        return failure(metadata_image_error::invalid_topic_name);
    }
    if (is_reserved_topic_id(record.topic_id)) {
        return failure(metadata_image_error::reserved_topic_id);
    }
    if (next_.names_by_id_.contains(record.topic_id)) {
        return failure(metadata_image_error::duplicate_topic_id);
    }
    if (next_.topics_.contains(record.name)) {
        return failure(metadata_image_error::duplicate_topic_name);
    }
    next_.names_by_id_.emplace(record.topic_id, record.name);
    next_.topics_.emplace(record.name, topic_metadata{.name = record.name,
                                                      .id = record.topic_id,
                                                      .internal = is_internal_topic(record.name)});
    return ok;
}

applied metadata_image_builder::replay(const protocol::partition_record& record) {
    topic_metadata* topic = find_topic(record.topic_id);
    if (topic == nullptr) {
        return failure(metadata_image_error::unknown_topic_id);
    }
    int32_t index = record.partition_id.value();
    if (index < 0 || static_cast<std::size_t>(index) > topic->partitions.size()) {
        return failure(metadata_image_error::invalid_partition_id);
    }
    std::optional<leader_recovery_state> recovery = recovery_state_of(record.leader_recovery_state);
    if (!recovery) {
        return failure(metadata_image_error::invalid_recovery_state);
    }
    partition_metadata partition{.partition = record.partition_id,
                                 .leader = record.leader,
                                 .epoch = record.leader_epoch,
                                 .replicas = record.replicas,
                                 .isr = to_node_ids(record.isr),
                                 .partition_epoch = record.partition_epoch,
                                 .removing_replicas = record.removing_replicas,
                                 .adding_replicas = record.adding_replicas,
                                 .recovery_state = *recovery};
    if (static_cast<std::size_t>(index) == topic->partitions.size()) {
        topic->partitions.push_back(std::move(partition));
    } else {
        topic->partitions[static_cast<std::size_t>(index)] = std::move(partition);
    }
    return ok;
}

applied metadata_image_builder::replay(const protocol::partition_change_record& record) {
    topic_metadata* topic = find_topic(record.topic_id);
    if (topic == nullptr) {
        return failure(metadata_image_error::unknown_topic_id);
    }
    int32_t index = record.partition_id.value();
    if (index < 0 || static_cast<std::size_t>(index) >= topic->partitions.size()) {
        return failure(metadata_image_error::unknown_partition);
    }
    partition_metadata& partition = topic->partitions[static_cast<std::size_t>(index)];
    std::optional<leader_recovery_state> recovery = partition.recovery_state;
    if (record.leader_recovery_state != no_recovery_state_change) {
        recovery = recovery_state_of(record.leader_recovery_state);
        if (!recovery) {
            return failure(metadata_image_error::invalid_recovery_state);
        }
    }
    // PartitionRegistration.merge: each present field replaces, a new leader (even "none")
    // starts a new leader epoch, and any change at all starts a new partition epoch.
    if (record.replicas) {
        partition.replicas = *record.replicas;
    }
    if (record.isr) {
        partition.isr = *record.isr;
    }
    if (record.removing_replicas) {
        partition.removing_replicas = *record.removing_replicas;
    }
    if (record.adding_replicas) {
        partition.adding_replicas = *record.adding_replicas;
    }
    if (record.leader != no_leader_change) {
        partition.leader = record.leader;
        partition.epoch = leader_epoch(partition.epoch.value() + 1);
    }
    partition.recovery_state = *recovery;
    partition.partition_epoch += 1;
    return ok;
}

applied metadata_image_builder::replay(const protocol::remove_topic_record& record) {
    auto name = next_.names_by_id_.find(record.topic_id);
    if (name == next_.names_by_id_.end()) {
        return failure(metadata_image_error::unknown_topic_id);
    }
    // MetadataDelta.replay(RemoveTopicRecord) deletes the topic's configs with it, so a
    // topic created later under the same name starts without them.
    next_.topic_configs_.erase(name->second);
    next_.topics_.erase(name->second);
    next_.names_by_id_.erase(name);
    return ok;
}

applied metadata_image_builder::replay(const protocol::config_record& record) {
    switch (record.resource_type) {
        case topic_resource:
            apply_config(next_.topic_configs_, record);
            return ok;
        case broker_resource:
            apply_config(next_.broker_configs_, record);
            return ok;
        default:
            return failure(metadata_image_error::unsupported_config_resource);
    }
}

applied metadata_image_builder::replay(const protocol::feature_level_record& record) {
    if (record.name == metadata_version_feature && record.feature_level < 1) {
        return failure(metadata_image_error::invalid_metadata_version);
    }
    if (record.feature_level == 0) {
        next_.features_.erase(record.name);
    } else {
        next_.features_.insert_or_assign(record.name, record.feature_level);
    }
    return ok;
}

applied metadata_image_builder::replay(const protocol::no_op_record&) {
    return ok;
}

applied metadata_image_builder::replay(const protocol::producer_ids_record& record) {
    // Kafka's ProducerIdControlManager.replay: a block handed out twice would give two
    // producers the same id.
    if (record.next_producer_id <= next_.next_producer_id_) {
        return failure(metadata_image_error::producer_ids_went_back);
    }
    next_.next_producer_id_ = record.next_producer_id;
    return ok;
}

applied metadata_image_builder::replay(const protocol::client_quota_record& record) {
    // Kafka's ClientQuotaEntity is a map from entity type to name: the order of the parts
    // in the record does not matter, so the image keeps them sorted.
    quota_entity entity;
    for (const auto& part : record.entity) {
        entity.push_back({.type = part.entity_type, .name = part.entity_name});
    }
    std::sort(entity.begin(), entity.end());
    auto same_type = [](const quota_entity_part& a, const quota_entity_part& b) {
        return a.type == b.type;
    };
    if (entity.empty() ||
        std::adjacent_find(entity.begin(), entity.end(), same_type) != entity.end()) {
        return failure(metadata_image_error::invalid_quota_entity);
    }
    if (!record.remove) {
        next_.client_quotas_[std::move(entity)].insert_or_assign(record.key, record.value);
        return ok;
    }
    auto found = next_.client_quotas_.find(entity);
    if (found != next_.client_quotas_.end()) {
        found->second.erase(record.key);
        if (found->second.empty()) {
            next_.client_quotas_.erase(found);
        }
    }
    return ok;
}

}  // namespace samsa::cluster
