#pragma once

// Dynamic configs and client quotas as a handler on any shard reaches them (implemented by
// the broker, which owns the config definitions and forwards changes to the controller on
// shard 0): DescribeConfigs answers from the asking shard's image and the broker's static
// settings; the alterations become metadata records (cluster/config_changes.h,
// cluster/client_quotas.h) and return once the resulting image has been published to every
// shard, so a describe that follows on any connection sees the change and every hosted
// partition already runs with its new settings. validate_only checks and changes nothing.

#include <asio/awaitable.hpp>

#include <vector>

#include "cluster/client_quotas.h"
#include "cluster/config_changes.h"
#include "cluster/metadata_image.h"
#include "protocol/generated/describe_configs_request.h"
#include "protocol/generated/describe_configs_response.h"

namespace samsa::server {

class config_admin {
public:
    virtual ~config_admin() = default;

    // One resource of a DescribeConfigs request (a topic, a broker or a broker's loggers),
    // with its error code and message when it cannot be described.
    virtual protocol::describe_configs_response::describe_configs_result describe_configs(
        const cluster::metadata_image& image,
        const protocol::describe_configs_request::describe_configs_resource& resource,
        bool include_synonyms, bool include_documentation) const = 0;

    // One outcome per alteration, in order.
    virtual asio::awaitable<std::vector<cluster::config_outcome>> alter_configs(
        std::vector<cluster::config_alteration> alterations, bool validate_only) = 0;
    virtual asio::awaitable<std::vector<cluster::quota_outcome>> alter_client_quotas(
        std::vector<cluster::quota_alteration> alterations, bool validate_only) = 0;
};

}  // namespace samsa::server
