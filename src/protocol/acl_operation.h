#pragma once

// Kafka's ACL operations (org.apache.kafka.common.acl.AclOperation) with their wire codes,
// and the "authorized operations" bitfields of Metadata, DescribeCluster and
// DescribeGroups: bit n is set when operation code n is allowed.

#include <cstdint>
#include <initializer_list>

namespace samsa::protocol {

enum class acl_operation : int8_t {
    unknown = 0,
    any = 1,
    all = 2,
    read = 3,
    write = 4,
    create = 5,
    remove = 6,  // Kafka's DELETE
    alter = 7,
    describe = 8,
    cluster_action = 9,
    describe_configs = 10,
    alter_configs = 11,
    idempotent_write = 12,
    create_tokens = 13,
    describe_tokens = 14,
    two_phase_commit = 15,
};

constexpr int32_t operations_bitfield(std::initializer_list<acl_operation> operations) {
    int32_t bits = 0;
    for (acl_operation operation : operations) {
        bits |= int32_t{1} << static_cast<int>(operation);
    }
    return bits;
}

// Every operation that applies to a topic: what a client may do when no authorizer is
// configured.
constexpr int32_t all_topic_operations_bitfield() {
    using enum acl_operation;
    return operations_bitfield(
        {read, write, create, remove, alter, describe, describe_configs, alter_configs});
}

// Every operation that applies to the cluster resource.
constexpr int32_t all_cluster_operations_bitfield() {
    using enum acl_operation;
    return operations_bitfield({create, cluster_action, describe_configs, alter_configs,
                                idempotent_write, alter, describe});
}

}  // namespace samsa::protocol
