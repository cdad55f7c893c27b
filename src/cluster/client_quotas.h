#pragma once

// Client quotas as the metadata log keeps them (KIP-546, Kafka's ClientQuotaControlManager
// and ClientQuotasImage): which alterations are accepted, the ClientQuotaRecords that make
// them true, and which entities a DescribeClientQuotas filter matches. Pure: no I/O.
// Storage only: nothing enforces the quotas yet.
//
// Entities combine the types "user" and "client-id", or are "ip" alone; a null name is the
// type's default entity. The keys each kind of entity takes, with Kafka's types:
//
//   user, client-id   producer_byte_rate (LONG), consumer_byte_rate (LONG),
//                     request_percentage (DOUBLE), controller_mutation_rate (DOUBLE)
//   ip                connection_creation_rate (INT)
//
// A value must be above 0 and, for an integer key, whole and within the type's range.
// Refusals are INVALID_REQUEST with Kafka's messages, per entity: one bad key refuses the
// entity's whole alteration.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_image.h"
#include "cluster/metadata_record.h"
#include "protocol/error_code.h"

namespace samsa::cluster {

inline constexpr std::string_view quota_entity_user = "user";
inline constexpr std::string_view quota_entity_client_id = "client-id";
inline constexpr std::string_view quota_entity_ip = "ip";

// One key of an AlterClientQuotas entry: a new value, or (nullopt) its removal.
struct quota_operation {
    std::string key;
    std::optional<double> value;
};

struct quota_alteration {
    quota_entity entity;  // as the request lists it: any order, possibly a type twice
    std::vector<quota_operation> operations;
};

struct quota_outcome {
    protocol::error_code error = protocol::error_code::none;
    std::optional<std::string> message;
};

struct planned_quota_changes {
    std::vector<quota_outcome> outcomes;  // one per alteration, in order
    std::vector<metadata_record> records;
};

planned_quota_changes plan_quota_changes(const metadata_image& image,
                                         std::span<const quota_alteration> alterations);

// DescribeClientQuotas' match types.
enum class quota_match_type : int8_t { exact = 0, default_entity = 1, any = 2 };

struct quota_filter_component {
    std::string entity_type;
    int8_t match_type = 0;
    std::optional<std::string> match;
};

struct quota_description {
    protocol::error_code error = protocol::error_code::none;
    std::optional<std::string> message;
    std::vector<std::pair<quota_entity, quota_values>> entries;  // in entity order
};

// The entities matching every component (an exact name, the default entity, or any entity
// of the type); with `strict`, only entities of no other types. No components: every
// entity, or none when strict. A malformed filter is the whole answer's error.
quota_description describe_client_quotas(const metadata_image& image,
                                         std::span<const quota_filter_component> components,
                                         bool strict);

}  // namespace samsa::cluster
