"""Encoders and helpers shared by the partition and cluster admin API tests
(test_partition_admin.py, test_delete_records.py).

Requests are encoded here (kafka_wire knows the data-path APIs only); answers are decoded
by the protocol probe through `call`. kafka-python 2.0.2 has no DeleteRecords or
DescribeLogDirs in its admin client, so the tests declare those requests with its protocol
classes and send them through its client with `kafka_python_admin_call`."""

import kafka

from client_helpers import confluent_producer, produce_all
from kafka_wire import array, boolean, int8, int32, int64, string, tagged_fields

DELETE_RECORDS, DESCRIBE_LOG_DIRS, ELECT_LEADERS = 21, 35, 43
ALTER_PARTITION_REASSIGNMENTS, LIST_PARTITION_REASSIGNMENTS = 45, 46
DESCRIBE_CLUSTER, DESCRIBE_PRODUCERS = 60, 61
# First flexible version of each API encoded here (Kafka's schemas).
FIRST_FLEXIBLE = {DELETE_RECORDS: 2, DESCRIBE_LOG_DIRS: 2, ELECT_LEADERS: 2,
                  ALTER_PARTITION_REASSIGNMENTS: 0, LIST_PARTITION_REASSIGNMENTS: 0,
                  DESCRIBE_CLUSTER: 0, DESCRIBE_PRODUCERS: 0}

NONE, OFFSET_OUT_OF_RANGE, UNKNOWN_TOPIC_OR_PARTITION = 0, 1, 3
INVALID_TOPIC_EXCEPTION, INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST = 17, 39, 42
POLICY_VIOLATION, ELECTION_NOT_NEEDED, NO_REASSIGNMENT_IN_PROGRESS = 44, 84, 85
MISMATCHED_ENDPOINT_TYPE, UNSUPPORTED_ENDPOINT_TYPE = 114, 115


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


def node_id_of(connection, probe):
    return call(connection, probe, DESCRIBE_CLUSTER, 0, describe_cluster_body(0))["controller_id"]


def kafka_python_admin_call(broker, request):
    """Sends a request declared with kafka-python's protocol classes through its client."""
    admin = kafka.KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        future = admin._send_request_to_node(admin._client.least_loaded_node(), request)
        admin._wait_for_futures([future])
        return future.value
    finally:
        admin.close()


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
