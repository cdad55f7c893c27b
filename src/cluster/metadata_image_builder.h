#pragma once

// Builds the next metadata image by applying metadata log records, in log order, to a copy
// of the current one: Kafka's MetadataDelta. Pure: no I/O, no clock, no shared state; the
// base image is only read.
//
// What each record does (Kafka's replay semantics):
//
//   RegisterBrokerRecord   adds or replaces the broker: endpoints, rack, fenced, epoch,
//                          incarnation id, controlled shutdown.
//   TopicRecord            creates a topic without partitions.
//   PartitionRecord        adds a topic's next partition, or replaces an existing one whole.
//   PartitionChangeRecord  changes what the record sets; an absent field is unchanged
//                          (null lists, leader -2, leader recovery state -1). A new leader
//                          (anything but -2, including -1 for none) bumps the leader epoch;
//                          every change bumps the partition epoch.
//   RemoveTopicRecord      removes the topic, its partitions and its dynamic configs.
//   ConfigRecord           sets a topic (resource type 2) or broker (4) config; a null value
//                          deletes it.
//   ClientQuotaRecord      sets a quota key of a client quota entity, or removes it; an
//                          entity left without keys disappears.
//   FeatureLevelRecord     finalizes a feature at a level; level 0 removes the feature.
//   ProducerIdsRecord      the next producer id to hand out; it only ever grows.
//   NoOpRecord             nothing (the controller writes it to advance the log).
//
// The log is input from disk, so a record that does not fit the image is an error, never an
// assert. A record that fails changes nothing; the records applied before it stay applied,
// so a caller replaying an atomic batch discards the builder on error.

#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/ids.h"
#include "base/result.h"
#include "cluster/metadata_image.h"
#include "cluster/metadata_record.h"

namespace samsa::cluster {

enum class metadata_image_error : uint8_t {
    duplicate_topic_id,           // a TopicRecord for an id the image has
    duplicate_topic_name,         // a TopicRecord for a name the image has
    invalid_topic_name,           // a TopicRecord whose name Kafka's rules refuse (topic_name.h)
    reserved_topic_id,            // a TopicRecord with the zero id or the metadata topic's (0, 1)
    unknown_topic_id,             // a partition record or RemoveTopicRecord for no topic
    invalid_partition_id,         // a PartitionRecord neither replacing a partition nor the next
    unknown_partition,            // a PartitionChangeRecord for a partition the topic lacks
    invalid_recovery_state,       // a leader recovery state Kafka does not define
    unsupported_config_resource,  // a ConfigRecord for neither a topic nor a broker
    invalid_metadata_version,     // metadata.version finalized below level 1
    invalid_quota_entity,         // a ClientQuotaRecord without entity parts, or a type twice
    producer_ids_went_back,       // a ProducerIdsRecord not above the next producer id
};

std::string_view to_string(metadata_image_error error);

class metadata_image_builder {
public:
    // Starts from the empty image (Kafka's MetadataImage.EMPTY): no brokers, topics,
    // configs or features, provenance -1.
    metadata_image_builder(std::string cluster_id, node_id controller_id);
    // Starts from a copy of base, which is never changed.
    explicit metadata_image_builder(const metadata_image& base);

    result<std::monostate, metadata_image_error> apply(const metadata_record& record);
    // Applies the records in order, stopping at the first that fails.
    result<std::monostate, metadata_image_error> apply(std::span<const metadata_record> records);

    // Where in the log the records applied so far end (provenance_of(batch) after a batch).
    void set_provenance(const metadata_provenance& provenance);
    // The active controller is known from Raft, not from metadata records.
    void set_controller_id(node_id controller_id);

    // The image as built so far, e.g. for a controller to validate the next record against.
    const metadata_image& image() const { return next_; }

    // The finished image. The builder is spent afterwards.
    metadata_image_ptr build() &&;

private:
    using applied = result<std::monostate, metadata_image_error>;

    applied replay(const protocol::register_broker_record& record);
    applied replay(const protocol::topic_record& record);
    applied replay(const protocol::partition_record& record);
    applied replay(const protocol::partition_change_record& record);
    applied replay(const protocol::remove_topic_record& record);
    applied replay(const protocol::config_record& record);
    applied replay(const protocol::feature_level_record& record);
    applied replay(const protocol::no_op_record& record);
    applied replay(const protocol::client_quota_record& record);
    applied replay(const protocol::producer_ids_record& record);

    topic_metadata* find_topic(const topic_id& id);

    metadata_image next_;
};

}  // namespace samsa::cluster
