"""Cross-checks Samsa's request decoding and encoding against kafka-python.

For every case below and every version it lists, kafka-python builds and frames a
request as its client does; Samsa must read every field kafka-python wrote (under the
names of the field tables below) and re-encode the frame byte for byte. The requests
where kafka-python deviates from Kafka's schemas are pinned at the end, and what those
deviations hide is cross-checked by the *_as_kafka_specifies cases. See
crosscheck_support for the method and how to run the cross-checks.
"""

import dataclasses

import pytest
from kafka.protocol import admin, commit, fetch, group, metadata, offset, produce
from kafka.protocol.types import Array, Int8, Int32, Int64, Schema, String

from crosscheck_support import (
    MEMBER_ASSIGNMENT,
    PROTOCOL_METADATA,
    MessageCase,
    Nested,
    Wrapped,
    as_kafka_specifies,
    assert_decoded,
    assert_json_matches,
    build_message,
    case_params,
    element_schema,
    encoded,
    expected_json,
    field_type,
    legacy_message_set,
    message_values,
    request_frame,
    v2_batch,
)

# ---------------------------------------------------------------------------------------
# Field maps: kafka-python field name -> Samsa field name, per API and nesting level.
# ---------------------------------------------------------------------------------------

PRODUCE_REQUEST_FIELDS = {
    "transactional_id": "transactional_id",
    "required_acks": "acks",
    "timeout": "timeout_ms",
    "topics": Nested("topic_data", {
        "topic": "name",
        "partitions": Nested("partition_data", {
            "partition": "index",
            "messages": "records",
        }),
    }),
}

FETCH_REQUEST_FIELDS = {
    "replica_id": "replica_id",
    "max_wait_time": "max_wait_ms",
    "min_bytes": "min_bytes",
    "max_bytes": "max_bytes",
    "isolation_level": "isolation_level",
    "session_id": "session_id",
    "session_epoch": "session_epoch",
    "topics": Nested("topics", {
        "topic": "topic",
        "partitions": Nested("partitions", {
            "partition": "partition",
            "current_leader_epoch": "current_leader_epoch",
            "offset": "fetch_offset",
            "fetch_offset": "fetch_offset",
            "log_start_offset": "log_start_offset",
            "max_bytes": "partition_max_bytes",
        }),
    }),
    "forgotten_topics_data": Nested("forgotten_topics_data", {
        "topic": "topic",
        "partitions": "partitions",
    }),
    "rack_id": "rack_id",
}

LIST_OFFSETS_REQUEST_FIELDS = {
    "replica_id": "replica_id",
    "isolation_level": "isolation_level",
    "topics": Nested("topics", {
        "topic": "name",
        "partitions": Nested("partitions", {
            "partition": "partition_index",
            "current_leader_epoch": "current_leader_epoch",
            "timestamp": "timestamp",
            "max_offsets": "max_num_offsets",
        }),
    }),
}

METADATA_REQUEST_FIELDS = {
    "topics": Wrapped("topics", "name"),
    "allow_auto_topic_creation": "allow_auto_topic_creation",
}

OFFSET_COMMIT_REQUEST_FIELDS = {
    "consumer_group": "group_id",
    "consumer_group_generation_id": "generation_id_or_member_epoch",
    "consumer_id": "member_id",
    "retention_time": "retention_time_ms",
    "topics": Nested("topics", {
        "topic": "name",
        "partitions": Nested("partitions", {
            "partition": "partition_index",
            "offset": "committed_offset",
            "timestamp": "commit_timestamp",
            "metadata": "committed_metadata",
        }),
    }),
}

OFFSET_FETCH_REQUEST_FIELDS = {
    "consumer_group": "group_id",
    "topics": Nested("topics", {
        "topic": "name",
        "partitions": "partition_indexes",
    }),
}

FIND_COORDINATOR_REQUEST_FIELDS = {
    "consumer_group": "key",
    "coordinator_key": "key",
    "coordinator_type": "key_type",
}

JOIN_GROUP_REQUEST_FIELDS = {
    "group": "group_id",
    "session_timeout": "session_timeout_ms",
    "rebalance_timeout": "rebalance_timeout_ms",
    "member_id": "member_id",
    "protocol_type": "protocol_type",
    "group_protocols": Nested("protocols", {
        "protocol_name": "name",
        "protocol_metadata": "metadata",
    }),
}

HEARTBEAT_REQUEST_FIELDS = {
    "group": "group_id",
    "generation_id": "generation_id",
    "member_id": "member_id",
}

LEAVE_GROUP_REQUEST_FIELDS = {
    "group": "group_id",
    "member_id": "member_id",
}

SYNC_GROUP_REQUEST_FIELDS = {
    "group": "group_id",
    "generation_id": "generation_id",
    "member_id": "member_id",
    "group_assignment": Nested("assignments", {
        "member_id": "member_id",
        "member_metadata": "assignment",
    }),
}

API_VERSIONS_REQUEST_FIELDS = {}

CREATE_TOPICS_REQUEST_FIELDS = {
    "create_topic_requests": Nested("topics", {
        "topic": "name",
        "num_partitions": "num_partitions",
        "replication_factor": "replication_factor",
        "replica_assignment": Nested("assignments", {
            "partition_id": "partition_index",
            "replicas": "broker_ids",
        }),
        "configs": Nested("configs", {
            "config_key": "name",
            "config_value": "value",
        }),
    }),
    "timeout": "timeout_ms",
    "validate_only": "validate_only",
}

DELETE_TOPICS_REQUEST_FIELDS = {
    "topics": "topic_names",
    "timeout": "timeout_ms",
}

# ---------------------------------------------------------------------------------------
# kafka-python's request classes with their schema corrected to Kafka's (see
# crosscheck_support); the deviations are pinned by the tests at the end.
# ---------------------------------------------------------------------------------------

# ListOffsets v4+: Kafka's CurrentLeaderEpoch is an int32; kafka-python writes an int64.
LIST_OFFSETS_REQUEST_V4_SCHEMA = Schema(
    ("replica_id", Int32),
    ("isolation_level", Int8),
    ("topics", Array(
        ("topic", String("utf-8")),
        ("partitions", Array(
            ("partition", Int32),
            ("current_leader_epoch", Int32),
            ("timestamp", Int64))))),
)
LIST_OFFSETS_REQUEST_AS_KAFKA_SPECIFIES = {
    version: as_kafka_specifies(offset.OffsetRequest[version], LIST_OFFSETS_REQUEST_V4_SCHEMA)
    for version in (4, 5)
}

# Fetch v7+: kafka-python declares a forgotten topic's name as the String class instead of
# an instance, so it cannot encode any forgotten topic.


def fetch_request_schema_with_forgotten_topics(version):
    schema = fetch.FetchRequest[version].SCHEMA
    fields = [
        Array(("topic", String("utf-8")), ("partitions", Array(Int32)))
        if name == "forgotten_topics_data" else field
        for name, field in zip(schema.names, schema.fields)
    ]
    return Schema(*zip(schema.names, fields))


FETCH_REQUEST_WITH_FORGOTTEN_TOPICS = {
    version: as_kafka_specifies(fetch.FetchRequest[version],
                                fetch_request_schema_with_forgotten_topics(version))
    for version in range(7, 12)
}

# ---------------------------------------------------------------------------------------
# Request cases.
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class RequestCase(MessageCase):
    correlation_id: int = 1
    client_id: object = "kafka-python-2.0.2"


def produce_records(version):
    if version >= 3:
        return v2_batch()
    return legacy_message_set(0 if version < 2 else 1)


def produce_spec(transactional_id):
    def spec(version):
        return {
            "transactional_id": transactional_id,
            "required_acks": -1,
            "timeout": 30000,
            "topics": [
                {"topic": "orders", "partitions": [
                    {"partition": 0, "messages": produce_records(version)},
                    {"partition": 7, "messages": None},
                    {"partition": 2147483647, "messages": b""},
                ]},
                {"topic": "\u00fcnic\u00f8de-\u03c4opic-\U0001f600", "partitions": [
                    {"partition": 3, "messages": produce_records(version)},
                ]},
            ],
        }
    return spec


FETCH_SPEC = {
    "replica_id": -1,
    "max_wait_time": 500,
    "min_bytes": 1,
    "max_bytes": 52428800,
    "isolation_level": 1,
    "session_id": 123456789,
    "session_epoch": -1,
    "topics": [
        {"topic": "orders", "partitions": [
            {"partition": 0, "current_leader_epoch": 17, "offset": 1 << 40,
             "fetch_offset": 1 << 40, "log_start_offset": -1, "max_bytes": 1048576},
            {"partition": 5, "current_leader_epoch": -1, "offset": 0,
             "fetch_offset": 0, "log_start_offset": 12, "max_bytes": 0},
        ]},
        {"topic": "\u00e9v\u00e9nements", "partitions": [
            {"partition": 1, "current_leader_epoch": 0, "offset": 9223372036854775807,
             "fetch_offset": 9223372036854775807, "log_start_offset": 9,
             "max_bytes": 2147483647},
        ]},
        {"topic": "empty", "partitions": []},
    ],
    # kafka-python cannot encode a forgotten topic (see the deviation tests below).
    "forgotten_topics_data": [],
    "rack_id": "rack-\u00e4",
}

LIST_OFFSETS_SPEC = {
    "replica_id": -1,
    "isolation_level": 1,
    "topics": [
        {"topic": "orders", "partitions": [
            {"partition": 0, "timestamp": -1, "max_offsets": 1, "current_leader_epoch": -1},
            {"partition": 3, "timestamp": -2, "max_offsets": 5, "current_leader_epoch": 4},
        ]},
        {"topic": "\u00fc", "partitions": [
            {"partition": 1, "timestamp": 1700000000000, "max_offsets": 2147483647,
             "current_leader_epoch": 0},
        ]},
    ],
}

OFFSET_COMMIT_SPEC = {
    "consumer_group": "group-\u00df",
    "consumer_group_generation_id": -1,
    "consumer_id": "",
    "retention_time": -1,
    "topics": [
        {"topic": "orders", "partitions": [
            {"partition": 0, "offset": 42, "timestamp": -1, "metadata": "m\u00e9ta"},
            {"partition": 1, "offset": -1, "timestamp": 1700000000000, "metadata": None},
            {"partition": 2, "offset": 1 << 50, "timestamp": 0, "metadata": ""},
        ]},
        {"topic": "\u03c4", "partitions": []},
    ],
}

OFFSET_COMMIT_MEMBER_SPEC = dict(
    OFFSET_COMMIT_SPEC, consumer_group_generation_id=2147483647,
    consumer_id="consumer-1-6f2a", retention_time=604800000)

JOIN_GROUP_SPEC = {
    "group": "group-\u00df",
    "session_timeout": 10000,
    "rebalance_timeout": 300000,
    "member_id": "",
    "protocol_type": "consumer",
    "group_protocols": [
        {"protocol_name": "range", "protocol_metadata": PROTOCOL_METADATA},
        {"protocol_name": "roundrobin", "protocol_metadata": b""},
        {"protocol_name": "\u00fcber", "protocol_metadata": b"\x00\x01\xfe\xff"},
    ],
}

SYNC_GROUP_SPEC = {
    "group": "group-\u00df",
    "generation_id": 7,
    "member_id": "consumer-1-6f2a",
    "group_assignment": [
        {"member_id": "consumer-1-6f2a", "member_metadata": MEMBER_ASSIGNMENT},
        {"member_id": "consumer-2-\u00e9", "member_metadata": b""},
    ],
}

CREATE_TOPICS_SPEC = {
    "create_topic_requests": [
        {"topic": "compacted", "num_partitions": 3, "replication_factor": 2,
         "replica_assignment": [],
         "configs": [
             {"config_key": "cleanup.policy", "config_value": "compact"},
             {"config_key": "retention.ms", "config_value": None},
             {"config_key": "message.timestamp.type", "config_value": ""},
         ]},
        {"topic": "assigned-\u00fc", "num_partitions": -1, "replication_factor": -1,
         "replica_assignment": [
             {"partition_id": 0, "replicas": [1, 2, 3]},
             {"partition_id": 1, "replicas": [2, 3, 1]},
             {"partition_id": 2, "replicas": []},
         ],
         "configs": []},
    ],
    "timeout": 30000,
    "validate_only": True,
}


def metadata_spec(topics, allow_auto_topic_creation):
    return {"topics": topics, "allow_auto_topic_creation": allow_auto_topic_creation}


REQUEST_CASES = [
    RequestCase("api_versions", admin.ApiVersionRequest, [0, 1, 2],
                API_VERSIONS_REQUEST_FIELDS, {}),
    RequestCase("api_versions_null_client_id_negative_correlation_id",
                admin.ApiVersionRequest, [0, 1, 2], API_VERSIONS_REQUEST_FIELDS, {},
                correlation_id=-2147483648, client_id=None),
    RequestCase("api_versions_unicode_client_id", admin.ApiVersionRequest, [0, 2],
                API_VERSIONS_REQUEST_FIELDS, {}, correlation_id=2147483647,
                client_id="cli\u00e9nt-\u4e2d\u6587-\U0001f680"),
    RequestCase("metadata_named_topics", metadata.MetadataRequest, range(0, 6),
                METADATA_REQUEST_FIELDS,
                metadata_spec(["orders", "\u00fcnic\u00f8de", "a" * 249], False)),
    RequestCase("metadata_null_topics_means_all", metadata.MetadataRequest, range(1, 6),
                METADATA_REQUEST_FIELDS, metadata_spec(None, True)),
    RequestCase("metadata_empty_topics", metadata.MetadataRequest, range(0, 6),
                METADATA_REQUEST_FIELDS, metadata_spec([], True)),
    RequestCase("produce_null_transactional_id", produce.ProduceRequest, range(0, 9),
                PRODUCE_REQUEST_FIELDS, produce_spec(None)),
    RequestCase("produce_transactional_id", produce.ProduceRequest, range(3, 9),
                PRODUCE_REQUEST_FIELDS, produce_spec("txn-\u00e9-1")),
    RequestCase("fetch", fetch.FetchRequest, range(0, 12), FETCH_REQUEST_FIELDS, FETCH_SPEC),
    RequestCase("fetch_forgotten_topics_as_kafka_specifies",
                FETCH_REQUEST_WITH_FORGOTTEN_TOPICS, range(7, 12), FETCH_REQUEST_FIELDS,
                dict(FETCH_SPEC, forgotten_topics_data=[
                    {"topic": "gone", "partitions": [0, 1, 2]},
                    {"topic": "\u00fc", "partitions": []},
                    {"topic": "", "partitions": [2147483647]},
                ])),
    RequestCase("list_offsets", offset.OffsetRequest, range(0, 4),
                LIST_OFFSETS_REQUEST_FIELDS, LIST_OFFSETS_SPEC),
    RequestCase("list_offsets_int32_leader_epoch_as_kafka_specifies",
                LIST_OFFSETS_REQUEST_AS_KAFKA_SPECIFIES, [4, 5],
                LIST_OFFSETS_REQUEST_FIELDS, LIST_OFFSETS_SPEC),
    RequestCase("offset_commit_without_generation", commit.OffsetCommitRequest, range(0, 4),
                OFFSET_COMMIT_REQUEST_FIELDS, OFFSET_COMMIT_SPEC),
    RequestCase("offset_commit_as_member", commit.OffsetCommitRequest, range(1, 4),
                OFFSET_COMMIT_REQUEST_FIELDS, OFFSET_COMMIT_MEMBER_SPEC),
    RequestCase("offset_fetch_named_topics", commit.OffsetFetchRequest, range(0, 4),
                OFFSET_FETCH_REQUEST_FIELDS,
                {"consumer_group": "g", "topics": [
                    {"topic": "orders", "partitions": [0, 1, 2147483647]},
                    {"topic": "\u00fc", "partitions": []}]}),
    RequestCase("offset_fetch_null_topics_means_all", commit.OffsetFetchRequest, [2, 3],
                OFFSET_FETCH_REQUEST_FIELDS, {"consumer_group": "g", "topics": None}),
    RequestCase("find_coordinator", commit.GroupCoordinatorRequest, [0, 1],
                FIND_COORDINATOR_REQUEST_FIELDS,
                {"consumer_group": "group-\u00df", "coordinator_key": "group-\u00df",
                 "coordinator_type": 0}),
    RequestCase("find_coordinator_transaction", commit.GroupCoordinatorRequest, [1],
                FIND_COORDINATOR_REQUEST_FIELDS,
                {"coordinator_key": "txn-\u00e9", "coordinator_type": 1}),
    RequestCase("join_group_new_member", group.JoinGroupRequest, range(0, 3),
                JOIN_GROUP_REQUEST_FIELDS, JOIN_GROUP_SPEC),
    RequestCase("join_group_known_member", group.JoinGroupRequest, range(0, 3),
                JOIN_GROUP_REQUEST_FIELDS,
                dict(JOIN_GROUP_SPEC, member_id="consumer-1-6f2a", rebalance_timeout=-1,
                     session_timeout=0)),
    RequestCase("sync_group_leader", group.SyncGroupRequest, range(0, 2),
                SYNC_GROUP_REQUEST_FIELDS, SYNC_GROUP_SPEC),
    RequestCase("sync_group_follower", group.SyncGroupRequest, range(0, 2),
                SYNC_GROUP_REQUEST_FIELDS,
                dict(SYNC_GROUP_SPEC, generation_id=-1, group_assignment=[])),
    RequestCase("heartbeat", group.HeartbeatRequest, range(0, 2), HEARTBEAT_REQUEST_FIELDS,
                {"group": "group-\u00df", "generation_id": -5, "member_id": "m"}),
    RequestCase("leave_group", group.LeaveGroupRequest, range(0, 2),
                LEAVE_GROUP_REQUEST_FIELDS, {"group": "g", "member_id": "\u00fc"}),
    RequestCase("create_topics", admin.CreateTopicsRequest, range(0, 4),
                CREATE_TOPICS_REQUEST_FIELDS, CREATE_TOPICS_SPEC),
    RequestCase("delete_topics", admin.DeleteTopicsRequest, range(0, 4),
                DELETE_TOPICS_REQUEST_FIELDS,
                {"topics": ["orders", "\u00fc", ""], "timeout": -1}),
]


def encode_request(case, version):
    request = case.build(version)
    return request, request_frame(request, case.correlation_id, case.client_id)


@pytest.mark.parametrize("case, version", case_params(REQUEST_CASES))
def test_samsa_decodes_every_field_kafka_python_wrote_in_request(probe, case, version):
    request, frame = encode_request(case, version)
    answer = probe.request(frame)
    assert_decoded(answer)
    assert answer["header_version"] == 1
    assert_json_matches(answer["header"], {
        "request_api_key": request.API_KEY,
        "request_api_version": version,
        "correlation_id": case.correlation_id,
        "client_id": case.client_id,
    }, "header")
    expected = expected_json(request.SCHEMA, message_values(request), case.field_map)
    assert_json_matches(answer["body"], expected)


@pytest.mark.parametrize("case, version", case_params(REQUEST_CASES))
def test_samsa_reencodes_kafka_python_request_byte_for_byte(probe, case, version):
    _, frame = encode_request(case, version)
    answer = probe.request(frame)
    assert_decoded(answer)
    assert answer["reencoded"] == frame.hex()


# ---------------------------------------------------------------------------------------
# Requests where kafka-python 2.0.2 deviates from Kafka's schemas (see crosscheck_support):
# each test pins the deviation and that Samsa refuses the deviating frame. The frames
# Kafka specifies are cross-checked above by the *_as_kafka_specifies cases.
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [4, 5])
def test_kafka_python_list_offsets_int64_leader_epoch_is_rejected(probe, version):
    partition = element_schema(offset.OffsetRequest[version].SCHEMA, "topics", "partitions")
    assert field_type(partition, "current_leader_epoch") is Int64
    case = RequestCase("list_offsets", offset.OffsetRequest, [version],
                       LIST_OFFSETS_REQUEST_FIELDS, LIST_OFFSETS_SPEC)
    _, frame = encode_request(case, version)
    _, kafka_frame = encode_request(
        dataclasses.replace(case, classes=LIST_OFFSETS_REQUEST_AS_KAFKA_SPECIFIES), version)
    partition_count = 3
    assert len(frame) == len(kafka_frame) + 4 * partition_count
    assert "error" in probe.request(frame)


def test_kafka_python_cannot_encode_a_fetch_forgotten_topic():
    request = build_message(fetch.FetchRequest[7], dict(
        FETCH_SPEC, forgotten_topics_data=[{"topic": "gone", "partitions": [0]}]))
    with pytest.raises(TypeError):
        encoded(request)


def test_samsa_rejects_null_topics_in_metadata_v0_as_kafka_does(probe):
    # Kafka's MetadataRequest topics are nullable from v1 only. kafka-python's constant
    # MetadataRequest_v0.ALL_TOPICS is None, which encodes a null array (its client sends
    # [] for v0 instead).
    assert metadata.MetadataRequest[0].ALL_TOPICS is None
    case = RequestCase("metadata", metadata.MetadataRequest, [0], METADATA_REQUEST_FIELDS,
                       metadata_spec(metadata.MetadataRequest[0].ALL_TOPICS, False))
    _, frame = encode_request(case, 0)
    assert frame.endswith(b"\xff\xff\xff\xff")
    assert "error" in probe.request(frame)
