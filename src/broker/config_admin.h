#pragma once

// The broker's server::config_admin: DescribeConfigs from the asking shard's image and the
// static settings (config_description.h), and config and client-quota alterations run by
// the controller on shard 0, published to every shard before they are answered: the
// metadata publisher then re-resolves every hosted partition's settings, so a new
// retention.ms or log.segment.bytes applies at once.

#include <asio/awaitable.hpp>

#include <vector>

#include "base/ids.h"
#include "broker/broker_config.h"
#include "broker/metadata_publisher.h"
#include "cluster/controller.h"
#include "runtime/shard.h"
#include "server/config_admin.h"

namespace samsa::broker {

class broker_config_admin final : public server::config_admin {
public:
    // The controller and publisher are used on shard 0 only.
    broker_config_admin(runtime::shard_set& shards, cluster::controller& controller,
                        metadata_publisher& publisher, const broker_config& config, node_id self);

    protocol::describe_configs_response::describe_configs_result describe_configs(
        const cluster::metadata_image& image,
        const protocol::describe_configs_request::describe_configs_resource& resource,
        bool include_synonyms, bool include_documentation) const override;

    asio::awaitable<std::vector<cluster::config_outcome>> alter_configs(
        std::vector<cluster::config_alteration> alterations, bool validate_only) override;
    asio::awaitable<std::vector<cluster::quota_outcome>> alter_client_quotas(
        std::vector<cluster::quota_alteration> alterations, bool validate_only) override;

private:
    runtime::shard_set& shards_;
    cluster::controller& controller_;
    metadata_publisher& publisher_;
    std::vector<config_entry> statics_;
    node_id self_;
};

}  // namespace samsa::broker
