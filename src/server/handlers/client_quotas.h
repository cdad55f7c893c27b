#pragma once

// DescribeClientQuotas (key 48) and AlterClientQuotas (key 49), versions 0-1: client
// quotas (KIP-546) kept in the metadata log, by entity (user, client-id, ip). Storage
// only: nothing enforces them yet.
//
// DescribeClientQuotas answers from this shard's image (cluster/client_quotas.h): a
// malformed filter is the whole response's error (entries null), as in Kafka.
// AlterClientQuotas goes through the controller (shard_services' config_admin), one
// error code and message per entry, in request order; validate_only changes nothing. No
// config_admin (tests): UNKNOWN_SERVER_ERROR per entry.

#include "server/handler.h"

namespace samsa::server::handlers {

api_handler make_describe_client_quotas_handler();
api_handler make_alter_client_quotas_handler();

}  // namespace samsa::server::handlers
