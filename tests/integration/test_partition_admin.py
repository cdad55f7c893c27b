"""The cluster and partition admin APIs on one node other than DeleteRecords
(test_delete_records.py): DescribeCluster, DescribeLogDirs, DescribeProducers,
ElectLeaders and Alter/ListPartitionReassignments, checked field by field in every
version, and huge or malformed requests of every admin API answered with error codes or
a closed connection.

Requests are encoded by admin_wire; answers are decoded by the protocol probe, except
where kafka-python's own codec reads them. kafka-python 2.0.2 has no DescribeLogDirs in
its admin client, so that request is declared here with its protocol classes and sent
through its client."""

import os

from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int16, Int32, Int64, Schema, String

from admin_wire import (ALTER_PARTITION_REASSIGNMENTS, DELETE_RECORDS, DESCRIBE_CLUSTER,
                        DESCRIBE_LOG_DIRS, DESCRIBE_PRODUCERS, ELECT_LEADERS,
                        ELECTION_NOT_NEEDED, INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST,
                        INVALID_TOPIC_EXCEPTION, LIST_PARTITION_REASSIGNMENTS,
                        MISMATCHED_ENDPOINT_TYPE, NO_REASSIGNMENT_IN_PROGRESS, NONE,
                        UNKNOWN_TOPIC_OR_PARTITION, UNSUPPORTED_ENDPOINT_TYPE,
                        alter_reassignments_body, by_partition, call, delete_records_body,
                        describe_cluster_body, describe_log_dirs_body,
                        describe_producers_body, elect_leaders_body, kafka_python_admin_call,
                        list_reassignments_body, node_id_of, produce_records)
from client_helpers import create_topic
from kafka_wire import int8, int32, unsigned_varint

NOT_REQUESTED_OPERATIONS = -2147483648
# CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE.
ALL_CLUSTER_OPERATIONS = sum(1 << code for code in (5, 9, 10, 11, 12, 7, 8))
UNKNOWN_PARTITION_MESSAGE = "This server does not host this topic-partition."


# ---------------------------------------------------------------------------------------
# DescribeCluster
# ---------------------------------------------------------------------------------------


def test_describe_cluster_in_every_version(broker, connect, probe):
    connection = connect(broker)
    cluster_id = broker.meta_properties()["cluster.id"]
    node_id = int(broker.meta_properties()["node.id"])
    for version in (0, 1):
        for include_operations in (False, True):
            answer = call(connection, probe, DESCRIBE_CLUSTER, version,
                          describe_cluster_body(version, include_operations))
            assert answer["throttle_time_ms"] == 0
            assert answer["error_code"] == NONE
            assert answer["error_message"] is None
            assert answer["cluster_id"] == cluster_id
            assert answer["controller_id"] == node_id
            assert answer["brokers"] == [{"broker_id": node_id, "host": broker.host,
                                          "port": broker.port, "rack": None}]
            assert answer["cluster_authorized_operations"] == (
                ALL_CLUSTER_OPERATIONS if include_operations else NOT_REQUESTED_OPERATIONS)
            if version >= 1:
                assert answer["endpoint_type"] == 1


def test_describe_cluster_refuses_other_endpoint_types(broker, connect, probe):
    connection = connect(broker)
    controllers = call(connection, probe, DESCRIBE_CLUSTER, 1, describe_cluster_body(1, False, 2))
    assert controllers["error_code"] == MISMATCHED_ENDPOINT_TYPE
    assert controllers["error_message"] == (
        "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of "
        "type CONTROLLER")
    assert controllers["brokers"] == []
    unknown = call(connection, probe, DESCRIBE_CLUSTER, 1, describe_cluster_body(1, False, 0))
    assert unknown["error_code"] == UNSUPPORTED_ENDPOINT_TYPE
    assert unknown["error_message"] == "Unsupported endpoint type 0"


# ---------------------------------------------------------------------------------------
# DescribeLogDirs
# ---------------------------------------------------------------------------------------


def log_bytes_on_disk(broker, topic, partition):
    directory = broker.data_dir / f"{topic}-{partition}"
    return sum(os.path.getsize(directory / name) for name in os.listdir(directory)
               if name.endswith(".log"))


def test_describe_log_dirs_in_every_version(broker, connect, probe):
    create_topic(broker, "sized", 2)
    create_topic(broker, "other", 1)
    produce_records(broker, "sized", {0: 20, 1: 3})
    connection = connect(broker)
    expected_dir = str(broker.data_dir.absolute())
    for version in range(5):
        answer = call(connection, probe, DESCRIBE_LOG_DIRS, version,
                      describe_log_dirs_body(version))
        assert answer["throttle_time_ms"] == 0
        if version >= 3:
            assert answer["error_code"] == NONE
        assert len(answer["results"]) == 1, answer
        result = answer["results"][0]
        assert result["error_code"] == NONE
        assert result["log_dir"] == expected_dir
        topics = {topic["name"]: by_partition(topic) for topic in result["topics"]}
        assert sorted(topics) == ["other", "sized"]
        for partition in (0, 1):
            assert topics["sized"][partition] == {
                "partition_index": partition,
                "partition_size": log_bytes_on_disk(broker, "sized", partition),
                "offset_lag": 0, "is_future_key": False}, f"v{version}"
        assert topics["sized"][0]["partition_size"] > topics["sized"][1]["partition_size"] > 0
        assert topics["other"][0]["partition_size"] == 0
        if version >= 4:
            assert result["total_bytes"] > 0
            assert 0 <= result["usable_bytes"] <= result["total_bytes"]
        else:
            assert result["total_bytes"] == -1 and result["usable_bytes"] == -1


def test_describe_log_dirs_lists_only_the_partitions_asked_for(broker, connect, probe):
    create_topic(broker, "asked", 3)
    create_topic(broker, "unasked", 1)
    connection = connect(broker)
    answer = call(connection, probe, DESCRIBE_LOG_DIRS, 2, describe_log_dirs_body(
        2, [("asked", [2, 0, 9, -1]), ("missing", [0]), ("unasked", [])]))
    result = answer["results"][0]
    assert [(topic["name"], sorted(by_partition(topic))) for topic in result["topics"]] == [
        ("asked", [0, 2])]
    nothing = call(connection, probe, DESCRIBE_LOG_DIRS, 4, describe_log_dirs_body(4, []))
    assert nothing["results"][0]["topics"] == []
    assert nothing["results"][0]["log_dir"] == str(broker.data_dir.absolute())


class DescribeLogDirsResponse_v0(Response):
    API_KEY = DESCRIBE_LOG_DIRS
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("results", Array(("error_code", Int16),
                          ("log_dir", String("utf-8")),
                          ("topics", Array(("name", String("utf-8")),
                                           ("partitions", Array(("partition_index", Int32),
                                                                ("partition_size", Int64),
                                                                ("offset_lag", Int64),
                                                                ("is_future_key", Boolean))))))))


class DescribeLogDirsRequest_v0(Request):
    API_KEY = DESCRIBE_LOG_DIRS
    API_VERSION = 0
    RESPONSE_TYPE = DescribeLogDirsResponse_v0
    SCHEMA = Schema(("topics", Array(("topic", String("utf-8")), ("partitions", Array(Int32)))))


def test_describe_log_dirs_through_kafka_python(broker):
    create_topic(broker, "python", 1)
    produce_records(broker, "python", {0: 4})
    response = kafka_python_admin_call(broker, DescribeLogDirsRequest_v0(topics=[("python", [0])]))
    assert response.results == [(NONE, str(broker.data_dir.absolute()), [
        ("python", [(0, log_bytes_on_disk(broker, "python", 0), 0, False)])])]


# ---------------------------------------------------------------------------------------
# DescribeProducers
# ---------------------------------------------------------------------------------------


def test_describe_producers_answers_each_partition(broker, connect, probe):
    create_topic(broker, "produced", 2)
    produce_records(broker, "produced", {0: 3})
    connection = connect(broker)
    answer = call(connection, probe, DESCRIBE_PRODUCERS, 0, describe_producers_body([
        ("produced", [0, 1, 5, -1]), ("missing", [0]), ("bad/name", [0])]))
    assert answer["throttle_time_ms"] == 0
    produced, missing, bad = answer["topics"]
    assert produced["name"] == "produced"
    assert produced["partitions"] == [
        {"partition_index": 0, "error_code": NONE, "error_message": None, "active_producers": []},
        {"partition_index": 1, "error_code": NONE, "error_message": None, "active_producers": []},
        {"partition_index": 5, "error_code": UNKNOWN_TOPIC_OR_PARTITION, "error_message": None,
         "active_producers": []},
        {"partition_index": -1, "error_code": UNKNOWN_TOPIC_OR_PARTITION,
         "error_message": None, "active_producers": []}]
    assert missing["partitions"] == [
        {"partition_index": 0, "error_code": UNKNOWN_TOPIC_OR_PARTITION,
         "error_message": UNKNOWN_PARTITION_MESSAGE, "active_producers": []}]
    assert bad["partitions"][0]["error_code"] == INVALID_TOPIC_EXCEPTION
    assert bad["partitions"][0]["error_message"] == (
        "Topic name \"bad/name\" is illegal, it contains a character other than ASCII "
        "alphanumerics, '.', '_' and '-'")


# ---------------------------------------------------------------------------------------
# ElectLeaders
# ---------------------------------------------------------------------------------------


def test_elect_leaders_in_every_version_needs_no_election(broker, connect, probe):
    create_topic(broker, "elected", 2)
    connection = connect(broker)
    for version in range(3):
        for election_type in ((0, 1) if version >= 1 else (0,)):
            answer = call(connection, probe, ELECT_LEADERS, version, elect_leaders_body(
                version, [("elected", [1, 0, 4]), ("missing", [0])], election_type))
            assert answer["throttle_time_ms"] == 0
            if version >= 1:
                assert answer["error_code"] == NONE
            elected, missing = answer["replica_election_results"]
            assert elected == {"topic": "elected", "partition_result": [
                {"partition_id": 1, "error_code": ELECTION_NOT_NEEDED,
                 "error_message": "Leader election not needed for topic partition."},
                {"partition_id": 0, "error_code": ELECTION_NOT_NEEDED,
                 "error_message": "Leader election not needed for topic partition."},
                {"partition_id": 4, "error_code": UNKNOWN_TOPIC_OR_PARTITION,
                 "error_message": "No such partition as elected-4"}]}, f"v{version}"
            assert missing == {"topic": "missing", "partition_result": [
                {"partition_id": 0, "error_code": UNKNOWN_TOPIC_OR_PARTITION,
                 "error_message": "No such topic as missing"}]}


def test_elect_leaders_for_every_partition_lists_topics_without_results(broker, connect, probe):
    create_topic(broker, "first", 3)
    create_topic(broker, "second", 1)
    connection = connect(broker)
    answer = call(connection, probe, ELECT_LEADERS, 2, elect_leaders_body(2, None))
    assert answer["error_code"] == NONE
    assert answer["replica_election_results"] == [
        {"topic": "first", "partition_result": []}, {"topic": "second", "partition_result": []}]


def test_elect_leaders_with_an_unknown_election_type_fails_the_request(broker, connect, probe):
    create_topic(broker, "typed", 1)
    connection = connect(broker)
    answer = call(connection, probe, ELECT_LEADERS, 1,
                  elect_leaders_body(1, [("typed", [0])], election_type=2))
    assert answer["error_code"] == INVALID_REQUEST
    assert answer["replica_election_results"] == [{"topic": "typed", "partition_result": [
        {"partition_id": 0, "error_code": INVALID_REQUEST,
         "error_message": "Unknown election type 2"}]}]


# ---------------------------------------------------------------------------------------
# Alter/ListPartitionReassignments
# ---------------------------------------------------------------------------------------


def test_alter_partition_reassignments(broker, connect, probe):
    create_topic(broker, "moved", 2)
    connection = connect(broker)
    node = node_id_of(connection, probe)
    answer = call(connection, probe, ALTER_PARTITION_REASSIGNMENTS, 0, alter_reassignments_body([
        ("moved", [(0, [node]), (1, []), (0, [node, 99]), (1, [node, node]), (0, None),
                   (5, [node]), (-1, None)]),
        ("missing", [(0, [node])])]))
    assert answer["throttle_time_ms"] == 0
    assert answer["error_code"] == NONE
    assert answer["error_message"] is None
    moved, missing = answer["responses"]
    assert moved["name"] == "moved"
    assert [(entry["partition_index"], entry["error_code"], entry["error_message"])
            for entry in moved["partitions"]] == [
        (0, NONE, None),
        (1, INVALID_REPLICA_ASSIGNMENT,
         "The manual partition assignment includes an empty replica list."),
        (0, INVALID_REPLICA_ASSIGNMENT,
         "The manual partition assignment includes broker 99, but no such broker is registered."),
        (1, INVALID_REPLICA_ASSIGNMENT,
         f"The manual partition assignment includes the broker {node} more than once."),
        (0, NO_REASSIGNMENT_IN_PROGRESS, "No partition reassignment is in progress."),
        (5, UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition moved:5."),
        (-1, UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition moved:-1.")]
    assert missing == {"name": "missing", "partitions": [
        {"partition_index": 0, "error_code": UNKNOWN_TOPIC_OR_PARTITION,
         "error_message": "Unable to find a topic named missing."}]}


def test_list_partition_reassignments_has_nothing_ongoing(broker, connect, probe):
    create_topic(broker, "listed", 2)
    connection = connect(broker)
    node = node_id_of(connection, probe)
    call(connection, probe, ALTER_PARTITION_REASSIGNMENTS, 0,
         alter_reassignments_body([("listed", [(0, [node])])]))
    for topics in (None, [("listed", [0, 1, 7]), ("missing", [0])], []):
        answer = call(connection, probe, LIST_PARTITION_REASSIGNMENTS, 0,
                      list_reassignments_body(topics))
        assert answer == {"throttle_time_ms": 0, "error_code": NONE, "error_message": None,
                          "topics": []}, topics


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------


def test_huge_requests_are_answered_partition_by_partition(broker, connect, probe):
    create_topic(broker, "big", 1)
    connection = connect(broker, timeout_seconds=60)
    partitions = list(range(-5000, 15000))
    answers = {
        ELECT_LEADERS: call(connection, probe, ELECT_LEADERS, 2,
                            elect_leaders_body(2, [("big", partitions)])),
        DELETE_RECORDS: call(connection, probe, DELETE_RECORDS, 2, delete_records_body(
            2, [("big", [(partition, 0) for partition in partitions])])),
        DESCRIBE_PRODUCERS: call(connection, probe, DESCRIBE_PRODUCERS, 0,
                                 describe_producers_body([("big", partitions)])),
        ALTER_PARTITION_REASSIGNMENTS: call(
            connection, probe, ALTER_PARTITION_REASSIGNMENTS, 0,
            alter_reassignments_body([("big", [(partition, None) for partition in partitions])])),
    }
    elected = answers[ELECT_LEADERS]["replica_election_results"][0]["partition_result"]
    assert len(elected) == len(partitions)
    assert {entry["error_code"] for entry in elected} == {ELECTION_NOT_NEEDED,
                                                           UNKNOWN_TOPIC_OR_PARTITION}
    deleted = answers[DELETE_RECORDS]["topics"][0]["partitions"]
    assert len(deleted) == len(partitions)
    assert {entry["error_code"] for entry in deleted} == {NONE, UNKNOWN_TOPIC_OR_PARTITION}
    described = answers[DESCRIBE_PRODUCERS]["topics"][0]["partitions"]
    assert len(described) == len(partitions)
    reassigned = answers[ALTER_PARTITION_REASSIGNMENTS]["responses"][0]["partitions"]
    assert len(reassigned) == len(partitions)
    assert {entry["error_code"] for entry in reassigned} == {NO_REASSIGNMENT_IN_PROGRESS,
                                                             UNKNOWN_TOPIC_OR_PARTITION}
    log_dirs = call(connection, probe, DESCRIBE_LOG_DIRS, 4,
                    describe_log_dirs_body(4, [("big", partitions)]))
    assert [topic["name"] for topic in log_dirs["results"][0]["topics"]] == ["big"]


def test_an_array_longer_than_its_bytes_closes_only_that_connection(broker, connect, probe):
    for api_key, version in ((DELETE_RECORDS, 2), (DESCRIBE_LOG_DIRS, 4), (ELECT_LEADERS, 2),
                             (ALTER_PARTITION_REASSIGNMENTS, 0), (DESCRIBE_PRODUCERS, 0),
                             (LIST_PARTITION_REASSIGNMENTS, 0)):
        connection = connect(broker)
        # A compact array claiming two billion elements, followed by four bytes.
        body = (int32(1000) if api_key in (ALTER_PARTITION_REASSIGNMENTS,
                                           LIST_PARTITION_REASSIGNMENTS) else b"")
        if api_key == ELECT_LEADERS:
            body += int8(0)
        body += unsigned_varint(0x7FFFFFFF) + b"\x00" * 4
        connection.send_request(api_key, version, body, header_version=2)
        connection.assert_closed_by_broker()
    answer = call(connect(broker), probe, DESCRIBE_CLUSTER, 1, describe_cluster_body(1))
    assert answer["error_code"] == NONE
