"""Cross-checks Samsa's response decoding and encoding against kafka-python.

For every case below and every version it lists, kafka-python builds a response and
frames it as a broker would send it to kafka-python's client; Samsa must read every field
kafka-python wrote (under the names of the field tables below) and re-encode the frame
byte for byte. The responses where kafka-python deviates from Kafka's schemas are pinned
at the end, and what those deviations hide is cross-checked by the *_as_kafka_specifies
cases. See crosscheck_support for the method and how to run the cross-checks.
"""

import dataclasses

import pytest
from kafka.protocol import admin, commit, fetch, group, metadata, offset, produce
from kafka.protocol.types import Array, Int16, Int32, Int64, Schema, String

from crosscheck_support import (
    MEMBER_ASSIGNMENT,
    PROTOCOL_METADATA,
    MessageCase,
    Nested,
    as_kafka_specifies,
    assert_decoded,
    assert_json_matches,
    case_params,
    element_schema,
    expected_json,
    legacy_message_set,
    message_values,
    response_frame,
    v2_batch,
)

# ---------------------------------------------------------------------------------------
# Field maps: kafka-python field name -> Samsa field name, per API and nesting level.
# ---------------------------------------------------------------------------------------

API_VERSIONS_RESPONSE_FIELDS = {
    "error_code": "error_code",
    "api_versions": Nested("api_keys", {
        "api_key": "api_key",
        "min_version": "min_version",
        "max_version": "max_version",
    }),
    "throttle_time_ms": "throttle_time_ms",
}

METADATA_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "brokers": Nested("brokers", {
        "node_id": "node_id",
        "host": "host",
        "port": "port",
        "rack": "rack",
    }),
    "cluster_id": "cluster_id",
    "controller_id": "controller_id",
    "topics": Nested("topics", {
        "error_code": "error_code",
        "topic": "name",
        "is_internal": "is_internal",
        "partitions": Nested("partitions", {
            "error_code": "error_code",
            "partition": "partition_index",
            "leader": "leader_id",
            "replicas": "replica_nodes",
            "isr": "isr_nodes",
            "offline_replicas": "offline_replicas",
        }),
    }),
}

PRODUCE_RESPONSE_FIELDS = {
    "topics": Nested("responses", {
        "topic": "name",
        "partitions": Nested("partition_responses", {
            "partition": "index",
            "error_code": "error_code",
            "offset": "base_offset",
            "timestamp": "log_append_time_ms",
            "log_start_offset": "log_start_offset",
            "record_errors": Nested("record_errors", {
                "batch_index": "batch_index",
                "batch_index_error_message": "batch_index_error_message",
            }),
            "error_message": "error_message",
        }),
    }),
    "throttle_time_ms": "throttle_time_ms",
}

FETCH_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "error_code": "error_code",
    "session_id": "session_id",
    "topics": Nested("responses", {
        "topics": "topic",
        "partitions": Nested("partitions", {
            "partition": "partition_index",
            "error_code": "error_code",
            "highwater_offset": "high_watermark",
            "last_stable_offset": "last_stable_offset",
            "log_start_offset": "log_start_offset",
            "aborted_transactions": Nested("aborted_transactions", {
                "producer_id": "producer_id",
                "first_offset": "first_offset",
            }),
            "preferred_read_replica": "preferred_read_replica",
            "message_set": "records",
        }),
    }),
}

LIST_OFFSETS_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "topics": Nested("topics", {
        "topic": "name",
        "partitions": Nested("partitions", {
            "partition": "partition_index",
            "error_code": "error_code",
            "offsets": "old_style_offsets",
            "timestamp": "timestamp",
            "offset": "offset",
            "leader_epoch": "leader_epoch",
        }),
    }),
}

FIND_COORDINATOR_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "error_code": "error_code",
    "error_message": "error_message",
    "coordinator_id": "node_id",
    "host": "host",
    "port": "port",
}

JOIN_GROUP_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "error_code": "error_code",
    "generation_id": "generation_id",
    "group_protocol": "protocol_name",
    "leader_id": "leader",
    "member_id": "member_id",
    "members": Nested("members", {
        "member_id": "member_id",
        "member_metadata": "metadata",
    }),
}

SYNC_GROUP_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "error_code": "error_code",
    "member_assignment": "assignment",
}

OFFSET_COMMIT_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "topics": Nested("topics", {
        "topic": "name",
        "partitions": Nested("partitions", {
            "partition": "partition_index",
            "error_code": "error_code",
        }),
    }),
}

CREATE_TOPICS_RESPONSE_FIELDS = {
    "throttle_time_ms": "throttle_time_ms",
    "topic_errors": Nested("topics", {
        "topic": "name",
        "error_code": "error_code",
        "error_message": "error_message",
    }),
}

# ---------------------------------------------------------------------------------------
# kafka-python's response classes with their schema corrected to Kafka's (see
# crosscheck_support); the deviations are pinned by the tests at the end.
# ---------------------------------------------------------------------------------------

# Produce v8 response: kafka-python's schema tuple for "partitions" closes too early, so
# zip() silently drops each partition's record_errors and error_message.
PRODUCE_RESPONSE_V8_SCHEMA = Schema(
    ("topics", Array(
        ("topic", String("utf-8")),
        ("partitions", Array(
            ("partition", Int32),
            ("error_code", Int16),
            ("offset", Int64),
            ("timestamp", Int64),
            ("log_start_offset", Int64),
            ("record_errors", Array(
                ("batch_index", Int32),
                ("batch_index_error_message", String("utf-8")))),
            ("error_message", String("utf-8")))))),
    ("throttle_time_ms", Int32),
)
PRODUCE_RESPONSE_AS_KAFKA_SPECIFIES = {
    8: as_kafka_specifies(produce.ProduceResponse[8], PRODUCE_RESPONSE_V8_SCHEMA),
}

# FindCoordinator v1 response: Kafka's starts with ThrottleTimeMs; kafka-python lacks it.
FIND_COORDINATOR_RESPONSE_V1_SCHEMA = Schema(
    ("throttle_time_ms", Int32),
    ("error_code", Int16),
    ("error_message", String("utf-8")),
    ("coordinator_id", Int32),
    ("host", String("utf-8")),
    ("port", Int32),
)
FIND_COORDINATOR_RESPONSE_AS_KAFKA_SPECIFIES = {
    1: as_kafka_specifies(commit.GroupCoordinatorResponse[1],
                          FIND_COORDINATOR_RESPONSE_V1_SCHEMA),
}

# ---------------------------------------------------------------------------------------
# Response cases.
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class ResponseCase(MessageCase):
    correlation_id: int = 7


def fetch_records(version):
    if version >= 4:
        return v2_batch()
    return legacy_message_set(0 if version < 2 else 1)


API_VERSIONS_RESPONSE_SPEC = {
    "error_code": 0,
    "api_versions": [
        {"api_key": 0, "min_version": 0, "max_version": 8},
        {"api_key": 1, "min_version": 0, "max_version": 11},
        {"api_key": 18, "min_version": 0, "max_version": 3},
        {"api_key": 32767, "min_version": -1, "max_version": -32768},
    ],
    "throttle_time_ms": 250,
}

METADATA_RESPONSE_SPEC = {
    "throttle_time_ms": 0,
    "brokers": [
        {"node_id": 1, "host": "broker-1.example", "port": 9092, "rack": "rack-\u00e4"},
        {"node_id": 2, "host": "10.0.0.2", "port": 65535, "rack": None},
        {"node_id": 2147483647, "host": "", "port": -1, "rack": ""},
    ],
    "cluster_id": "cluster-\u00df",
    "controller_id": 1,
    "topics": [
        {"error_code": 0, "topic": "orders", "is_internal": False, "partitions": [
            {"error_code": 0, "partition": 0, "leader": 1, "replicas": [1, 2, 3],
             "isr": [1, 2], "offline_replicas": [3]},
            {"error_code": 5, "partition": 1, "leader": -1, "replicas": [2],
             "isr": [], "offline_replicas": []},
        ]},
        {"error_code": 0, "topic": "__consumer_offsets", "is_internal": True,
         "partitions": []},
        {"error_code": 3, "topic": "\u00fcnknown", "is_internal": False, "partitions": []},
    ],
}

METADATA_RESPONSE_NO_CLUSTER_SPEC = dict(
    METADATA_RESPONSE_SPEC, cluster_id=None, controller_id=-1, brokers=[])


def produce_response_spec(version):
    return {
        "topics": [
            {"topic": "orders", "partitions": [
                {"partition": 0, "error_code": 0, "offset": 1 << 40,
                 "timestamp": -1, "log_start_offset": 0,
                 "record_errors": [], "error_message": None},
                {"partition": 9, "error_code": 87, "offset": -1,
                 "timestamp": 1700000000000, "log_start_offset": -1,
                 "record_errors": [
                     {"batch_index": 0, "batch_index_error_message": None},
                     {"batch_index": 2147483647,
                      "batch_index_error_message": "r\u00e9cord invalide"},
                 ],
                 "error_message": "One or more records have been rejected"},
            ]},
            {"topic": "\u00fc", "partitions": []},
        ],
        "throttle_time_ms": 100 if version else 0,
    }


def fetch_response_spec(aborted_transactions, message_set):
    def spec(version):
        records = fetch_records(version) if message_set == "records" else message_set
        return {
            "throttle_time_ms": 3,
            "error_code": 0,
            "session_id": 987654321,
            "topics": [
                {"topics": "orders", "partitions": [
                    {"partition": 0, "error_code": 0, "highwater_offset": 1234,
                     "last_stable_offset": 1200, "log_start_offset": 0,
                     "aborted_transactions": aborted_transactions,
                     "preferred_read_replica": -1, "message_set": records},
                    {"partition": 1, "error_code": 1, "highwater_offset": -1,
                     "last_stable_offset": -1, "log_start_offset": -1,
                     "aborted_transactions": aborted_transactions,
                     "preferred_read_replica": 3, "message_set": b""},
                ]},
                {"topics": "\u00e9v\u00e9nements", "partitions": []},
            ],
        }
    return spec


LIST_OFFSETS_RESPONSE_SPEC = {
    "throttle_time_ms": 0,
    "topics": [
        {"topic": "orders", "partitions": [
            {"partition": 0, "error_code": 0, "offsets": [100, 50, 0],
             "timestamp": 1700000000000, "offset": 100, "leader_epoch": 4},
            {"partition": 1, "error_code": 6, "offsets": [],
             "timestamp": -1, "offset": -1, "leader_epoch": -1},
        ]},
    ],
}

JOIN_GROUP_RESPONSE_SPEC = {
    "throttle_time_ms": 0,
    "error_code": 0,
    "generation_id": 3,
    "group_protocol": "range",
    "leader_id": "consumer-1-6f2a",
    "member_id": "consumer-1-6f2a",
    "members": [
        {"member_id": "consumer-1-6f2a", "member_metadata": PROTOCOL_METADATA},
        {"member_id": "consumer-2-\u00e9", "member_metadata": b""},
    ],
}

FIND_COORDINATOR_RESPONSE_SPEC = {
    "throttle_time_ms": 20,
    "error_code": 0,
    "error_message": None,
    "coordinator_id": 2,
    "host": "broker-2",
    "port": 9092,
}

RESPONSE_CASES = [
    ResponseCase("api_versions", admin.ApiVersionResponse, [0, 1, 2],
                 API_VERSIONS_RESPONSE_FIELDS, API_VERSIONS_RESPONSE_SPEC),
    ResponseCase("api_versions_unsupported_version_error", admin.ApiVersionResponse,
                 [0, 1, 2], API_VERSIONS_RESPONSE_FIELDS,
                 dict(API_VERSIONS_RESPONSE_SPEC, error_code=35, api_versions=[])),
    ResponseCase("metadata", metadata.MetadataResponse, range(0, 6),
                 METADATA_RESPONSE_FIELDS, METADATA_RESPONSE_SPEC),
    ResponseCase("metadata_null_cluster_id_no_controller", metadata.MetadataResponse,
                 range(2, 6), METADATA_RESPONSE_FIELDS, METADATA_RESPONSE_NO_CLUSTER_SPEC),
    ResponseCase("produce", produce.ProduceResponse, range(0, 8),
                 PRODUCE_RESPONSE_FIELDS, produce_response_spec),
    ResponseCase("produce_record_errors_as_kafka_specifies",
                 PRODUCE_RESPONSE_AS_KAFKA_SPECIFIES, [8],
                 PRODUCE_RESPONSE_FIELDS, produce_response_spec),
    ResponseCase("fetch_with_records", fetch.FetchResponse, range(0, 12),
                 FETCH_RESPONSE_FIELDS,
                 fetch_response_spec([{"producer_id": 1000, "first_offset": 5},
                                      {"producer_id": -1, "first_offset": 1 << 33}],
                                     "records")),
    ResponseCase("fetch_null_aborted_transactions_null_records", fetch.FetchResponse,
                 range(4, 12), FETCH_RESPONSE_FIELDS, fetch_response_spec(None, None)),
    ResponseCase("list_offsets", offset.OffsetResponse, range(0, 6),
                 LIST_OFFSETS_RESPONSE_FIELDS, LIST_OFFSETS_RESPONSE_SPEC),
    ResponseCase("find_coordinator", commit.GroupCoordinatorResponse, [0],
                 FIND_COORDINATOR_RESPONSE_FIELDS, FIND_COORDINATOR_RESPONSE_SPEC),
    ResponseCase("find_coordinator_throttle_time_as_kafka_specifies",
                 FIND_COORDINATOR_RESPONSE_AS_KAFKA_SPECIFIES, [1],
                 FIND_COORDINATOR_RESPONSE_FIELDS, FIND_COORDINATOR_RESPONSE_SPEC),
    ResponseCase("find_coordinator_not_available_as_kafka_specifies",
                 FIND_COORDINATOR_RESPONSE_AS_KAFKA_SPECIFIES, [1],
                 FIND_COORDINATOR_RESPONSE_FIELDS,
                 {"throttle_time_ms": 0, "error_code": 15,
                  "error_message": "coordinator n\u00f6t available",
                  "coordinator_id": -1, "host": "", "port": -1}),
    ResponseCase("join_group", group.JoinGroupResponse, range(0, 3),
                 JOIN_GROUP_RESPONSE_FIELDS, JOIN_GROUP_RESPONSE_SPEC),
    ResponseCase("sync_group", group.SyncGroupResponse, range(0, 2),
                 SYNC_GROUP_RESPONSE_FIELDS,
                 {"throttle_time_ms": 1, "error_code": 27,
                  "member_assignment": MEMBER_ASSIGNMENT}),
    ResponseCase("offset_commit", commit.OffsetCommitResponse, range(0, 4),
                 OFFSET_COMMIT_RESPONSE_FIELDS,
                 {"throttle_time_ms": 0, "topics": [
                     {"topic": "orders", "partitions": [
                         {"partition": 0, "error_code": 0},
                         {"partition": 1, "error_code": 22}]},
                     {"topic": "\u03c4", "partitions": []}]}),
    ResponseCase("create_topics", admin.CreateTopicsResponse, range(0, 4),
                 CREATE_TOPICS_RESPONSE_FIELDS,
                 {"throttle_time_ms": 0, "topic_errors": [
                     {"topic": "compacted", "error_code": 0, "error_message": None},
                     {"topic": "\u00fc", "error_code": 36,
                      "error_message": "Topic '\u00fc' already exists."}]}),
]


def encode_response(case, version):
    response = case.build(version)
    return response, response_frame(response, case.correlation_id)


@pytest.mark.parametrize("case, version", case_params(RESPONSE_CASES))
def test_samsa_decodes_every_field_kafka_python_wrote_in_response(probe, case, version):
    response, frame = encode_response(case, version)
    answer = probe.response(response.API_KEY, version, frame)
    assert_decoded(answer)
    assert answer["header_version"] == 0
    assert_json_matches(answer["header"], {"correlation_id": case.correlation_id}, "header")
    expected = expected_json(response.SCHEMA, message_values(response), case.field_map)
    assert_json_matches(answer["body"], expected)


@pytest.mark.parametrize("case, version", case_params(RESPONSE_CASES))
def test_samsa_reencodes_kafka_python_response_byte_for_byte(probe, case, version):
    response, frame = encode_response(case, version)
    answer = probe.response(response.API_KEY, version, frame)
    assert_decoded(answer)
    assert answer["reencoded"] == frame.hex()


# ---------------------------------------------------------------------------------------
# Responses where kafka-python 2.0.2 deviates from Kafka's schemas (see crosscheck_support):
# each test pins the deviation and that Samsa refuses the deviating frame. The frames
# Kafka specifies are cross-checked above by the *_as_kafka_specifies cases.
# ---------------------------------------------------------------------------------------


def test_kafka_python_produce_response_v8_without_record_errors_is_rejected(probe):
    partition = element_schema(produce.ProduceResponse[8].SCHEMA, "topics", "partitions")
    assert partition.names == ("partition", "error_code", "offset", "timestamp",
                               "log_start_offset")
    case = ResponseCase("produce", produce.ProduceResponse, [8], PRODUCE_RESPONSE_FIELDS,
                        produce_response_spec)
    response, frame = encode_response(case, 8)
    assert "error" in probe.response(response.API_KEY, 8, frame)


def test_kafka_python_find_coordinator_response_v1_without_throttle_time_is_rejected(probe):
    assert "throttle_time_ms" not in commit.GroupCoordinatorResponse[1].SCHEMA.names
    case = ResponseCase("find_coordinator", commit.GroupCoordinatorResponse, [1],
                        FIND_COORDINATOR_RESPONSE_FIELDS, FIND_COORDINATOR_RESPONSE_SPEC)
    response, frame = encode_response(case, 1)
    assert "error" in probe.response(response.API_KEY, 1, frame)
