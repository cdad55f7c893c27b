"""ApiVersions (key 18): what the broker advertises in every version, and Kafka's answers to
a version the broker does not know and to a malformed client software name (KIP-511)."""

import struct

import pytest

import kafka_wire
from kafka_probe import advertised_versions, api_versions
from kafka_wire import API_VERSIONS, FETCH, LIST_OFFSETS, METADATA, PRODUCE

# The APIs the broker serves and the versions it advertises; grows with every API
# implemented. As Kafka 4: Fetch starts at v4 (KIP-896 removed v0-3), and Produce v0-2
# are advertised (for old librdkafka, KAFKA-18659) but answered UNSUPPORTED_VERSION.
FIND_COORDINATOR, CREATE_TOPICS, DELETE_TOPICS, CREATE_PARTITIONS = 10, 19, 20, 37
OFFSET_COMMIT, OFFSET_FETCH, JOIN_GROUP, HEARTBEAT, LEAVE_GROUP = 8, 9, 11, 12, 13
SYNC_GROUP, DESCRIBE_GROUPS, LIST_GROUPS, DELETE_GROUPS, OFFSET_DELETE = 14, 15, 16, 42, 47
DELETE_RECORDS, DESCRIBE_LOG_DIRS, ELECT_LEADERS, DESCRIBE_CLUSTER = 21, 35, 43, 60
ALTER_PARTITION_REASSIGNMENTS, LIST_PARTITION_REASSIGNMENTS, DESCRIBE_PRODUCERS = 45, 46, 61
DESCRIBE_CONFIGS, ALTER_CONFIGS, INCREMENTAL_ALTER_CONFIGS = 32, 33, 44
INIT_PRODUCER_ID, ADD_PARTITIONS_TO_TXN, ADD_OFFSETS_TO_TXN, END_TXN = 22, 24, 25, 26
TXN_OFFSET_COMMIT, DESCRIBE_TRANSACTIONS, LIST_TRANSACTIONS = 28, 65, 66
WRITE_TXN_MARKERS = 27
DESCRIBE_CLIENT_QUOTAS, ALTER_CLIENT_QUOTAS = 48, 49
ADVERTISED_VERSIONS = {
    PRODUCE: (0, 10),
    FETCH: (4, 16),
    LIST_OFFSETS: (0, 8),
    METADATA: (0, 12),
    FIND_COORDINATOR: (0, 4),
    OFFSET_COMMIT: (0, 9),
    OFFSET_FETCH: (0, 9),
    JOIN_GROUP: (0, 9),
    HEARTBEAT: (0, 4),
    LEAVE_GROUP: (0, 5),
    SYNC_GROUP: (0, 5),
    DESCRIBE_GROUPS: (0, 5),
    LIST_GROUPS: (0, 5),
    DELETE_GROUPS: (0, 2),
    OFFSET_DELETE: (0, 0),
    API_VERSIONS: (0, 3),
    CREATE_TOPICS: (0, 7),
    DELETE_TOPICS: (0, 6),
    CREATE_PARTITIONS: (0, 3),
    DELETE_RECORDS: (0, 2),
    DESCRIBE_LOG_DIRS: (0, 4),
    ELECT_LEADERS: (0, 2),
    ALTER_PARTITION_REASSIGNMENTS: (0, 0),
    LIST_PARTITION_REASSIGNMENTS: (0, 0),
    DESCRIBE_CLUSTER: (0, 1),
    DESCRIBE_PRODUCERS: (0, 0),
    DESCRIBE_CONFIGS: (0, 4),
    ALTER_CONFIGS: (0, 2),
    INCREMENTAL_ALTER_CONFIGS: (0, 1),
    DESCRIBE_CLIENT_QUOTAS: (0, 1),
    ALTER_CLIENT_QUOTAS: (0, 1),
    INIT_PRODUCER_ID: (0, 4),
    ADD_PARTITIONS_TO_TXN: (0, 3),
    ADD_OFFSETS_TO_TXN: (0, 3),
    END_TXN: (0, 3),
    TXN_OFFSET_COMMIT: (0, 3),
    DESCRIBE_TRANSACTIONS: (0, 0),
    LIST_TRANSACTIONS: (0, 1),
    WRITE_TXN_MARKERS: (0, 1),
}
# AddPartitionsToTxn v4 batches transactions for brokers verifying a transactional produce
# (KIP-890); clients send v0-3, the versions served.
BELOW_THE_NEWEST_SCHEMA = {ADD_PARTITIONS_TO_TXN}
IMPLEMENTED_APIS = set(ADVERTISED_VERSIONS)

UNSUPPORTED_VERSION = 35
INVALID_REQUEST = 42


def raw_api_versions(connection, version, **body_options):
    return connection.request(API_VERSIONS, version,
                              kafka_wire.api_versions_request(version, **body_options))


def test_advertises_exactly_the_implemented_apis_and_versions(shared_broker, connect, probe):
    assert advertised_versions(connect(shared_broker), probe) == ADVERTISED_VERSIONS


def test_advertises_up_to_the_newest_version_of_every_schema(shared_broker, connect, probe):
    for api_key, (_, max_version) in advertised_versions(connect(shared_broker), probe).items():
        if api_key in BELOW_THE_NEWEST_SCHEMA:
            assert max_version < probe.schema_max_version(api_key), f"API key {api_key}"
            continue
        assert max_version == probe.schema_max_version(api_key), f"API key {api_key}"


def test_every_version_answers_the_same_api_list(shared_broker, connect, probe):
    connection = connect(shared_broker)
    advertised = advertised_versions(connection, probe)
    for version in range(advertised[API_VERSIONS][1] + 1):
        answer = api_versions(connection, probe, version)
        assert answer["error_code"] == 0, f"v{version}"
        listed = {api["api_key"]: (api["min_version"], api["max_version"])
                  for api in answer["api_keys"]}
        assert listed == advertised, f"v{version}"
        assert len(answer["api_keys"]) == len(listed), f"v{version} lists a key twice"
        assert answer["throttle_time_ms"] == 0, f"v{version}"


def test_response_header_is_v0_in_every_version(shared_broker, connect, probe):
    # KIP-511: even the flexible v3 answers with header v0 (no tagged fields after the
    # correlation id), so that a client can read it before it knows the broker's versions.
    connection = connect(shared_broker)
    max_version = advertised_versions(connection, probe)[API_VERSIONS][1]
    for version in range(max_version + 1):
        frame = raw_api_versions(connection, version)
        answer = probe.decode_response(API_VERSIONS, version, frame)
        assert answer["header_version"] == 0
        api_count = len(answer["body"]["api_keys"])
        # correlation_id int32, error_code int16, then the api_keys count right away.
        assert frame[4:6] == b"\x00\x00", f"v{version}"
        if kafka_wire.is_flexible(API_VERSIONS, version):
            assert frame[6] == api_count + 1, f"v{version}: compact array length expected"
        else:
            assert struct.unpack_from(">i", frame, 6)[0] == api_count, f"v{version}"


def assert_unsupported_version_answer(probe, frame, correlation_id, supported_max_version):
    # Kafka answers a version it does not know with header v0 and a v0 body listing
    # only ApiVersions' own supported range (ApiVersionsRequest.getErrorResponse).
    answer = probe.decode_response(API_VERSIONS, 0, frame)
    assert answer["header"]["correlation_id"] == correlation_id
    assert answer["body"]["error_code"] == UNSUPPORTED_VERSION
    assert answer["body"]["api_keys"] == [
        {"api_key": API_VERSIONS, "min_version": 0, "max_version": supported_max_version}]


def test_too_new_version_is_answered_in_v0_with_unsupported_version(shared_broker, connect, probe):
    connection = connect(shared_broker)
    max_version = advertised_versions(connection, probe)[API_VERSIONS][1]
    for version in (max_version + 1, 127, 0x7FFF):
        # A newer client sends its version's layout: header v2 and a v3+ body.
        frame = raw_api_versions(connection, version)
        correlation_id = struct.unpack_from(">i", frame)[0]
        assert_unsupported_version_answer(probe, frame, correlation_id, max_version)


def test_negative_version_is_answered_in_v0_with_unsupported_version(shared_broker, connect, probe):
    # Kafka's RequestContext treats any ApiVersions version outside the supported range
    # alike, below as well as above (header v1 below 3).
    connection = connect(shared_broker)
    max_version = advertised_versions(connection, probe)[API_VERSIONS][1]
    for version in (-1, -0x8000):
        frame = raw_api_versions(connection, version)
        correlation_id = struct.unpack_from(">i", frame)[0]
        assert_unsupported_version_answer(probe, frame, correlation_id, max_version)


@pytest.mark.parametrize("name, version", [
    ("bad name!", "1.0"),
    ("", "1.0"),
    ("-leading-dash", "1.0"),
    ("trailing.dot.", "1.0"),
    ("under_score", "1.0"),
    ("naïve", "1.0"),
    ("librdkafka", ""),
    ("librdkafka", "2.0.2 beta"),
    ("librdkafka", "2.0.2+build"),
])
def test_invalid_client_software_name_or_version_is_invalid_request(
        shared_broker, connect, probe, name, version):
    # Both must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? (KIP-511).
    answer = api_versions(connect(shared_broker), probe, 3, client_software_name=name,
                          client_software_version=version)
    assert answer["error_code"] == INVALID_REQUEST


@pytest.mark.parametrize("name, version", [
    ("librdkafka", "2.0.2"),
    ("confluent-kafka-python", "1.7.0-rdkafka-2.0.2"),
    ("apache-kafka-java", "3.7.0"),
    ("a", "1"),
    ("A.b-C.9", "0"),
])
def test_valid_client_software_name_and_version_are_accepted(
        shared_broker, connect, probe, name, version):
    answer = api_versions(connect(shared_broker), probe, 3, client_software_name=name,
                          client_software_version=version)
    assert answer["error_code"] == 0
    assert {api["api_key"] for api in answer["api_keys"]} == IMPLEMENTED_APIS


def test_null_client_id_is_answered(shared_broker, connect, probe):
    connection = connect(shared_broker)
    for version in (0, 3):
        body = kafka_wire.api_versions_request(version)
        frame = connection.request(API_VERSIONS, version, body, client_id=None)
        assert probe.decode_response(API_VERSIONS, version, frame)["body"]["error_code"] == 0
