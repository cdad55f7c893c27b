"""The partition and cluster admin APIs on one node: DeleteRecords (through kafka-python's
client and raw frames, what Fetch, ListOffsets and consumers see afterwards, and that a
restart, even after kill -9, does not bring deleted records back), DescribeCluster,
DescribeLogDirs, DescribeProducers, ElectLeaders and Alter/ListPartitionReassignments,
checked field by field in every version, and bad input answered with error codes.

Requests are encoded here (kafka_wire knows the data-path APIs only); answers are decoded
by the protocol probe, except where kafka-python's own codec reads them. kafka-python
2.0.2 has no DeleteRecords or DescribeLogDirs in its admin client, so those requests are
declared with its protocol classes and sent through its client."""

import os
import time

import confluent_kafka
import kafka
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int16, Int32, Int64, Schema, String

import kafka_probe
import kafka_wire
from client_helpers import (TIMEOUT_SECONDS, confluent_consumer, confluent_producer,
                            create_topic, produce_all)
from kafka_wire import (array, boolean, int8, int32, int64, string, tagged_fields,
                        unsigned_varint)

DELETE_RECORDS, DESCRIBE_LOG_DIRS, ELECT_LEADERS = 21, 35, 43
ALTER_PARTITION_REASSIGNMENTS, LIST_PARTITION_REASSIGNMENTS = 45, 46
DESCRIBE_CLUSTER, DESCRIBE_PRODUCERS, FIND_COORDINATOR = 60, 61, 10
# First flexible version of each API encoded here (Kafka's schemas).
FIRST_FLEXIBLE = {DELETE_RECORDS: 2, DESCRIBE_LOG_DIRS: 2, ELECT_LEADERS: 2,
                  ALTER_PARTITION_REASSIGNMENTS: 0, LIST_PARTITION_REASSIGNMENTS: 0,
                  DESCRIBE_CLUSTER: 0, DESCRIBE_PRODUCERS: 0}

NONE, OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION = 0, 1, 3
INVALID_TOPIC_EXCEPTION, INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST = 17, 39, 42
POLICY_VIOLATION, ELECTION_NOT_NEEDED, NO_REASSIGNMENT_IN_PROGRESS = 44, 84, 85
MISMATCHED_ENDPOINT_TYPE, UNSUPPORTED_ENDPOINT_TYPE = 114, 115
COORDINATOR_NOT_AVAILABLE = 15
NOT_REQUESTED_OPERATIONS = -2147483648
# CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE.
ALL_CLUSTER_OPERATIONS = sum(1 << code for code in (5, 9, 10, 11, 12, 7, 8))
UNKNOWN_PARTITION_MESSAGE = "This server does not host this topic-partition."


# ---------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------


class Encoder:
    """The primitives of one API version: compact and tagged when the version is flexible."""

    def __init__(self, api_key, version):
        self.flexible = version >= FIRST_FLEXIBLE[api_key]

    def string(self, value):
        return string(value, compact=self.flexible)

    def array(self, elements):
        return array(elements, compact=self.flexible)

    def struct(self, encoded):
        return encoded + (tagged_fields() if self.flexible else b"")

    def int32_array(self, values):
        return self.array(None if values is None else [int32(value) for value in values])


def delete_records_body(version, topics, timeout_ms=30000):
    """`topics`: [(name, [(partition, offset)])]."""
    e = Encoder(DELETE_RECORDS, version)
    encoded = [e.struct(e.string(name) + e.array([e.struct(int32(partition) + int64(offset))
                                                  for partition, offset in partitions]))
               for name, partitions in topics]
    return e.struct(e.array(encoded) + int32(timeout_ms))


def describe_cluster_body(version, include_operations=False, endpoint_type=1):
    e = Encoder(DESCRIBE_CLUSTER, version)
    return e.struct(boolean(include_operations) + (int8(endpoint_type) if version >= 1 else b""))


def describe_log_dirs_body(version, topics=None):
    """`topics`: [(name, [partition])], or None for every log."""
    e = Encoder(DESCRIBE_LOG_DIRS, version)
    encoded = None if topics is None else [
        e.struct(e.string(name) + e.int32_array(partitions)) for name, partitions in topics]
    return e.struct(e.array(encoded))


def describe_producers_body(topics):
    e = Encoder(DESCRIBE_PRODUCERS, 0)
    return e.struct(e.array([e.struct(e.string(name) + e.int32_array(partitions))
                             for name, partitions in topics]))


def elect_leaders_body(version, topics, election_type=0, timeout_ms=30000):
    """`topics`: [(name, [partition])], or None for every partition."""
    e = Encoder(ELECT_LEADERS, version)
    encoded = None if topics is None else [
        e.struct(e.string(name) + e.int32_array(partitions)) for name, partitions in topics]
    return e.struct((int8(election_type) if version >= 1 else b"") + e.array(encoded)
                    + int32(timeout_ms))


def alter_reassignments_body(topics, timeout_ms=30000):
    """`topics`: [(name, [(partition, [replica] or None)])]."""
    e = Encoder(ALTER_PARTITION_REASSIGNMENTS, 0)
    encoded = [e.struct(e.string(name) + e.array(
        [e.struct(int32(partition) + e.int32_array(replicas)) for partition, replicas in parts]))
        for name, parts in topics]
    return e.struct(int32(timeout_ms) + e.array(encoded))


def list_reassignments_body(topics=None, timeout_ms=30000):
    e = Encoder(LIST_PARTITION_REASSIGNMENTS, 0)
    encoded = None if topics is None else [
        e.struct(e.string(name) + e.int32_array(partitions)) for name, partitions in topics]
    return e.struct(int32(timeout_ms) + e.array(encoded))


def call(connection, probe, api_key, version, body):
    """The decoded response body of one request."""
    header_version = 2 if version >= FIRST_FLEXIBLE[api_key] else 1
    frame = connection.request(api_key, version, body, header_version=header_version)
    return probe.decode_response(api_key, version, frame)["body"]


def by_partition(topic_answer, index_field="partition_index"):
    return {entry[index_field]: entry for entry in topic_answer["partitions"]}


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


def produce_records(broker, topic, counts):
    """`counts`: {partition: records}, produced with acks=all."""
    producer = confluent_producer(broker, {"acks": "all"})
    for partition, count in counts.items():
        reports = produce_all(producer, topic, [(None, b"value-%d" % index, None)
                                                for index in range(count)], partition)
        assert reports.errors == [], reports.errors


def produce_one_batch_per_segment(connection, probe, topic, batches, records_per_batch):
    """With segment.ms=1 every produce request after the first rolls a new segment."""
    for batch in range(batches):
        time.sleep(0.01)
        records = kafka_wire.record_batch(
            [(None, b"batch-%d-%d" % (batch, index)) for index in range(records_per_batch)])
        answer = kafka_probe.produce(connection, probe, 8, {topic: {0: records}})
        assert answer["responses"][0]["partition_responses"][0]["error_code"] == NONE, answer


def watermarks(broker, topic, partition):
    consumer = confluent_consumer(broker)
    try:
        return consumer.get_watermark_offsets(confluent_kafka.TopicPartition(topic, partition),
                                              timeout=TIMEOUT_SECONDS)
    finally:
        consumer.close()


def first_offset_consumed_from_the_beginning(broker, topic, partition):
    consumer = confluent_consumer(broker, {"auto.offset.reset": "earliest"})
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, partition,
                                                        confluent_kafka.OFFSET_BEGINNING)])
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None:
                assert message.error() is None, message.error()
                return message.offset()
        raise AssertionError("nothing consumed")
    finally:
        consumer.close()


def segment_bases(broker, topic, partition):
    directory = broker.data_dir / f"{topic}-{partition}"
    return sorted(int(name[:-len(".log")]) for name in os.listdir(directory)
                  if name.endswith(".log"))


def node_id_of(connection, probe):
    return call(connection, probe, DESCRIBE_CLUSTER, 0, describe_cluster_body(0))["controller_id"]


# ---------------------------------------------------------------------------------------
# DeleteRecords
# ---------------------------------------------------------------------------------------


class DeleteRecordsResponse_v0(Response):
    API_KEY = DELETE_RECORDS
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("topics", Array(("name", String("utf-8")),
                         ("partitions", Array(("partition_index", Int32),
                                              ("low_watermark", Int64),
                                              ("error_code", Int16))))))


class DeleteRecordsRequest_v0(Request):
    API_KEY = DELETE_RECORDS
    API_VERSION = 0
    RESPONSE_TYPE = DeleteRecordsResponse_v0
    SCHEMA = Schema(
        ("topics", Array(("name", String("utf-8")),
                         ("partitions", Array(("partition_index", Int32), ("offset", Int64))))),
        ("timeout_ms", Int32))


def kafka_python_admin_call(broker, request):
    """Sends a request declared with kafka-python's protocol classes through its client."""
    admin = kafka.KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        future = admin._send_request_to_node(admin._client.least_loaded_node(), request)
        admin._wait_for_futures([future])
        return future.value
    finally:
        admin.close()


def test_delete_records_through_kafka_python_moves_what_consumers_see(broker):
    create_topic(broker, "trimmed", 2)
    produce_records(broker, "trimmed", {0: 10, 1: 5})
    response = kafka_python_admin_call(broker, DeleteRecordsRequest_v0(
        topics=[("trimmed", [(0, 4), (1, -1)])], timeout_ms=30000))
    assert response.throttle_time_ms == 0
    assert [(name, sorted(partitions)) for name, partitions in response.topics] == [
        ("trimmed", [(0, 4, NONE), (1, 5, NONE)])]

    assert watermarks(broker, "trimmed", 0) == (4, 10)
    assert watermarks(broker, "trimmed", 1) == (5, 5)
    assert first_offset_consumed_from_the_beginning(broker, "trimmed", 0) == 4
    consumer = kafka.KafkaConsumer(bootstrap_servers=broker.bootstrap)
    try:
        partition = kafka.TopicPartition("trimmed", 0)
        assert consumer.beginning_offsets([partition]) == {partition: 4}
    finally:
        consumer.close()


def test_delete_records_in_every_version_answers_the_low_watermark(broker, connect, probe):
    create_topic(broker, "versions", 1)
    produce_records(broker, "versions", {0: 10})
    connection = connect(broker)
    for version, requested, expected in ((0, 2, 2), (1, 5, 5), (2, 3, 5), (2, -1, 10)):
        answer = call(connection, probe, DELETE_RECORDS, version,
                      delete_records_body(version, [("versions", [(0, requested)])]))
        assert answer["throttle_time_ms"] == 0
        assert answer["topics"] == [{"name": "versions", "partitions": [
            {"partition_index": 0, "low_watermark": expected, "error_code": NONE}]}], (
            f"v{version} offset {requested}")
    # A delete up to the end leaves an empty, still writable log.
    produce_records(broker, "versions", {0: 1})
    assert watermarks(broker, "versions", 0) == (10, 11)


def test_fetch_and_list_offsets_see_the_new_start(broker, connect, probe):
    create_topic(broker, "fetched", 1)
    connection = connect(broker)
    # One record per batch: Fetch answers whole batches, so offset 6 starts its own.
    for index in range(8):
        answer = kafka_probe.produce(connection, probe, 8, {"fetched": {
            0: kafka_wire.record_batch([(None, b"record-%d" % index)])}})
        assert answer["responses"][0]["partition_responses"][0]["error_code"] == NONE
    call(connection, probe, DELETE_RECORDS, 1, delete_records_body(1, [("fetched", [(0, 6)])]))

    below = kafka_probe.fetch(connection, probe, 11,
                              [("fetched", [kafka_wire.FetchPartition(0, 5)])])
    partition = below["responses"][0]["partitions"][0]
    assert partition["error_code"] == OFFSET_OUT_OF_RANGE
    assert partition["log_start_offset"] == 6
    at_start = kafka_probe.fetch(connection, probe, 11,
                                 [("fetched", [kafka_wire.FetchPartition(0, 6)])])
    partition = at_start["responses"][0]["partitions"][0]
    assert partition["error_code"] == NONE
    assert [record[0] for record in kafka_probe.fetched_records(partition)] == [6, 7]
    assert partition["log_start_offset"] == 6


def test_delete_records_errors(start_broker, connect, probe):
    broker = start_broker({"offsets.topic.num.partitions": 1})
    create_topic(broker, "errors", 1)
    create_topic(broker, "compacted", 1, {"cleanup.policy": "compact"})
    create_topic(broker, "both", 1, {"cleanup.policy": "compact,delete"})
    produce_records(broker, "errors", {0: 5})
    connection = connect(broker)
    wait_for_offsets_topic(connection, probe)
    call(connection, probe, DELETE_RECORDS, 0, delete_records_body(0, [("errors", [(0, 3)])]))
    answer = call(connection, probe, DELETE_RECORDS, 2, delete_records_body(2, [
        ("errors", [(0, 6), (0, -2), (0, 1), (-1, 0), (7, 0)]),
        ("missing", [(0, 0)]),
        ("compacted", [(0, 0)]),
        ("both", [(0, 0)]),
        ("__consumer_offsets", [(0, 0)])]))
    results = [[(entry["partition_index"], entry["error_code"], entry["low_watermark"])
                for entry in topic["partitions"]] for topic in answer["topics"]]
    assert results == [
        [(0, OFFSET_OUT_OF_RANGE, -1),  # past the high watermark (5)
         (0, OFFSET_OUT_OF_RANGE, -1),  # negative and not -1
         (0, NONE, 3),                  # below the start: nothing moves
         (-1, UNKNOWN_TOPIC_OR_PARTITION, -1),
         (7, UNKNOWN_TOPIC_OR_PARTITION, -1)],
        [(0, UNKNOWN_TOPIC_OR_PARTITION, -1)],
        [(0, POLICY_VIOLATION, -1)],
        [(0, NONE, 0)],
        [(0, INVALID_TOPIC_EXCEPTION, -1)]]
    assert watermarks(broker, "errors", 0) == (3, 5)



def test_delete_records_follows_the_brokers_cleanup_policy(start_broker, connect, probe):
    # Kafka checks the topic's effective cleanup.policy (LogConfig.delete): a broker whose
    # log.cleanup.policy is compact, statically or as a dynamic default, refuses DeleteRecords
    # on topics that set no policy of their own.
    broker = start_broker({"log.cleanup.policy": "compact"})
    create_topic(broker, "inherits", 1)
    create_topic(broker, "deletes", 1, {"cleanup.policy": "delete"})
    connection = connect(broker)
    answer = call(connection, probe, DELETE_RECORDS, 2, delete_records_body(2, [
        ("inherits", [(0, 0)]), ("deletes", [(0, 0)])]))
    assert [topic["partitions"][0]["error_code"] for topic in answer["topics"]] == [
        POLICY_VIOLATION, NONE]

    other = start_broker()
    create_topic(other, "inherits", 1)
    connection = connect(other)
    body = (kafka_wire.array([kafka_wire.int8(4) + kafka_wire.string("", compact=True)
                              + kafka_wire.array([kafka_wire.string("log.cleanup.policy",
                                                                    compact=True)
                                                  + kafka_wire.int8(0)
                                                  + kafka_wire.string("compact", compact=True)
                                                  + kafka_wire.tagged_fields()], compact=True)
                              + kafka_wire.tagged_fields()], compact=True)
            + kafka_wire.boolean(False) + kafka_wire.tagged_fields())
    altered = kafka_probe.call(connection, probe, 44, 1, body, header_version=2)["body"]
    assert altered["responses"][0]["error_code"] == NONE
    answer = call(connection, probe, DELETE_RECORDS, 2,
                  delete_records_body(2, [("inherits", [(0, 0)])]))
    assert answer["topics"][0]["partitions"][0]["error_code"] == POLICY_VIOLATION

def wait_for_offsets_topic(connection, probe):
    """FindCoordinator creates __consumer_offsets; asks until it is served."""
    body = string("any-group")
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        answer = kafka_probe.call(connection, probe, FIND_COORDINATOR, 0, body)["body"]
        if answer["error_code"] == NONE:
            return
        assert answer["error_code"] == COORDINATOR_NOT_AVAILABLE, answer
        assert time.monotonic() < deadline, "no __consumer_offsets"
        time.sleep(0.1)


def delete_and_check_segments(broker, connect, probe):
    """Five segments of two records (bases 0, 2, 4, 6, 8), records deleted before offset 5:
    the segments wholly below it go."""
    create_topic(broker, "segmented", 1, {"segment.ms": "1"})
    connection = connect(broker)
    produce_one_batch_per_segment(connection, probe, "segmented", 5, 2)
    assert segment_bases(broker, "segmented", 0)[:5] == [0, 2, 4, 6, 8]
    answer = call(connection, probe, DELETE_RECORDS, 2,
                  delete_records_body(2, [("segmented", [(0, 5)])]))
    assert answer["topics"][0]["partitions"][0]["low_watermark"] == 5
    assert segment_bases(broker, "segmented", 0)[:3] == [4, 6, 8]


def assert_deletion_kept(broker):
    assert watermarks(broker, "segmented", 0) == (5, 10)
    assert first_offset_consumed_from_the_beginning(broker, "segmented", 0) == 5
    assert segment_bases(broker, "segmented", 0)[0] == 4


def test_deleted_records_stay_deleted_after_kill_9(broker, connect, probe):
    delete_and_check_segments(broker, connect, probe)
    broker.kill()
    broker.start()
    assert_deletion_kept(broker)


def test_deleted_records_stay_deleted_after_a_graceful_restart(broker, connect, probe):
    delete_and_check_segments(broker, connect, probe)
    broker.restart()
    assert_deletion_kept(broker)


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
