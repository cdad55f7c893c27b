"""DeleteRecords on one node: through kafka-python's client and raw frames in every
version, what Fetch, ListOffsets and consumers see afterwards, errors answered per
partition, the topic's and the broker's cleanup policy, and that a restart, even after
kill -9, does not bring deleted records back.

Requests are encoded by admin_wire; kafka-python 2.0.2 has no DeleteRecords in its admin
client, so the request is declared here with its protocol classes and sent through its
client."""

import os
import time

import confluent_kafka
import kafka
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Int16, Int32, Int64, Schema, String

import kafka_probe
import kafka_wire
from admin_wire import (DELETE_RECORDS, INVALID_TOPIC_EXCEPTION, NONE, OFFSET_OUT_OF_RANGE,
                        POLICY_VIOLATION, UNKNOWN_TOPIC_OR_PARTITION, call,
                        delete_records_body, kafka_python_admin_call, produce_records)
from client_helpers import TIMEOUT_SECONDS, confluent_consumer, create_topic
from kafka_wire import string

FIND_COORDINATOR, COORDINATOR_NOT_AVAILABLE = 10, 15


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# kafka-python
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


# ---------------------------------------------------------------------------------------
# Raw frames
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Restarts
# ---------------------------------------------------------------------------------------


def test_deleted_records_stay_deleted_after_kill_9(broker, connect, probe):
    delete_and_check_segments(broker, connect, probe)
    broker.kill()
    broker.start()
    assert_deletion_kept(broker)


def test_deleted_records_stay_deleted_after_a_graceful_restart(broker, connect, probe):
    delete_and_check_segments(broker, connect, probe)
    broker.restart()
    assert_deletion_kept(broker)
